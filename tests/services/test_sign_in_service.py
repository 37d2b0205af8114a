"""Linking a verified sign-in to a user: by `sub`, by e-mail for people added before they
signed in, and to a department by e-mail domain; refusing everyone else with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import User
from marketplace.services.sign_in import SignInRefusedError, organisation_for_email, sign_in_user
from tests.factories import create_organisation, create_user

SUB = "urn:fdc:gov.uk:2022:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


@pytest.fixture
def dft(app):
    return create_organisation(email_domains=["dft.gov.uk"])


@pytest.fixture
def cabinet_office(app):
    return create_organisation(
        slug="cabinet-office",
        title="Cabinet Office",
        abbreviation="CO",
        email_domains=["cabinetoffice.gov.uk"],
    )


def test_a_first_sign_in_from_a_department_makes_a_member_of_it(dft):
    user = sign_in_user(sub=SUB, email="Analyst@DfT.gov.uk", email_verified=True)
    assert user.email == "analyst@dft.gov.uk"
    assert user.sub == SUB
    assert user.roles_in(dft.id) == {"member"}


def test_signing_in_again_finds_the_same_user_by_sub_even_with_a_new_email(dft):
    first = sign_in_user(sub=SUB, email="analyst@dft.gov.uk", email_verified=True)
    again = sign_in_user(sub=SUB, email="a.analyst@dft.gov.uk", email_verified=True)
    assert again.id == first.id
    assert again.email == "a.analyst@dft.gov.uk"
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_user_added_before_signing_in_is_linked_by_email_and_keeps_their_roles(dft):
    added = create_user(email="publisher@dft.gov.uk", organisation=dft, roles=("publisher",))
    user = sign_in_user(sub=SUB, email="publisher@dft.gov.uk", email_verified=True)
    assert user.id == added.id
    assert user.roles_in(dft.id) == {"member", "publisher"}


def test_an_address_outside_every_department_gets_no_account(dft):
    with pytest.raises(SignInRefusedError) as refused:
        sign_in_user(sub=SUB, email="someone@gmail.com", email_verified=True)
    assert refused.value.reason == "not_government_email"
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_an_unverified_email_address_is_refused(dft):
    with pytest.raises(SignInRefusedError) as refused:
        sign_in_user(sub=SUB, email="analyst@dft.gov.uk", email_verified=False)
    assert refused.value.reason == "email_not_verified"


def test_an_email_linked_to_another_one_login_account_is_refused(dft):
    sign_in_user(sub=SUB, email="analyst@dft.gov.uk", email_verified=True)
    with pytest.raises(SignInRefusedError) as refused:
        sign_in_user(sub=SUB.replace("a", "b"), email="analyst@dft.gov.uk", email_verified=True)
    assert refused.value.reason == "account_conflict"


def test_a_subdomain_belongs_to_its_department_and_a_lookalike_does_not(dft, cabinet_office):
    assert organisation_for_email("x@digital.cabinetoffice.gov.uk").id == cabinet_office.id
    assert organisation_for_email("x@DFT.GOV.UK").id == dft.id
    assert organisation_for_email("x@notdft.gov.uk") is None
    assert organisation_for_email("x@dft.gov.uk.evil.example") is None
    assert organisation_for_email("no-at-sign") is None


def test_a_site_admin_added_by_an_operator_may_sign_in_from_any_address(dft):
    create_user(email="ops@example.com", roles=("site_admin",))
    user = sign_in_user(sub=SUB, email="ops@example.com", email_verified=True)
    assert user.is_site_admin
    assert user.memberships == []
