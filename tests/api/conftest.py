"""Fixtures shared by the API tests."""

from __future__ import annotations

import pytest

from tests.api.roles import DFE, DFT, Tokens
from tests.factories import create_organisation, create_token, create_user


@pytest.fixture
def token(app) -> str:
    """A token of a publisher at the Department for Transport."""
    organisation = create_organisation()
    user = create_user(email="ann@dft.gov.uk", organisation=organisation, roles=("publisher",))
    return create_token(user=user)


# The roles API's tests: a token of each kind of caller (modules with tokens of their own override it).
@pytest.fixture
def tokens(app) -> Tokens:
    dft = create_organisation(slug=DFT, email_domains=["dft.gov.uk"])
    dfe = create_organisation(
        slug=DFE, title="Department for Education", abbreviation="DfE", email_domains=["education.gov.uk"]
    )
    ann = create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",))
    olga = create_user(email="olga@dft.gov.uk", organisation=dft, roles=("org_admin",))
    bob = create_user(email="bob@dft.gov.uk", organisation=dft, roles=("member",))
    ed = create_user(email="ed@education.gov.uk", organisation=dfe, roles=("org_admin",))
    sam = create_user(email="sam@cabinetoffice.gov.uk", roles=("site_admin",))
    return Tokens(
        org_admin=create_token(user=olga),
        org_admin_read_only=create_token(user=olga, scopes=("read",)),
        publisher=create_token(user=ann),
        member=create_token(user=bob),
        other_org_admin=create_token(user=ed),
        site_admin=create_token(user=sam),
    )
