"""Granting and revoking roles through the API: an org admin makes colleagues publishers, org admins
or reviewers and takes the role back; a site admin does so in any organisation; granting a role
held or revoking one not held records nothing; nobody removes their own org admin role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import User
from tests.api.roles import (
    DATASETS,
    DFE,
    DFT,
    MEMBERS,
    history,
    organisation_path,
    refused_change,
    role_path,
    roles_of,
    stored_people,
)
from tests.factories import create_token, valid_entry
from tests.helpers import api
from tests.support import refused


def test_an_org_admin_makes_a_new_colleague_a_publisher_who_can_publish_until_revoked(client, tokens):
    before = history()
    response = api(
        client, "PUT", role_path("carol@dft.gov.uk", "publisher"), status=201, token=tokens.org_admin
    )
    body = response.get_json()
    assert {k: body[k] for k in ("email", "roles", "signed_in", "last_signed_in_at")} == {
        "email": "carol@dft.gov.uk",
        "roles": ["member", "publisher"],
        "signed_in": False,
        "last_signed_in_at": None,
    }
    assert body["member_since"]
    assert roles_of("carol@dft.gov.uk") == {"member", "publisher"}
    assert history() == [*before, ("carol@dft.gov.uk", DFT, "publisher", "granted", "olga@dft.gov.uk")]

    carol = db.session.scalar(select(User).where(User.email == "carol@dft.gov.uk"))
    token = create_token(user=carol)
    api(client, "POST", DATASETS, status=201, token=token, json=valid_entry(publisher=DFT))

    response = api(
        client, "DELETE", role_path("carol@dft.gov.uk", "publisher"), status=204, token=tokens.org_admin
    )
    assert response.get_data() == b""
    assert roles_of("carol@dft.gov.uk") == {"member"}
    assert history()[-1] == ("carol@dft.gov.uk", DFT, "publisher", "revoked", "olga@dft.gov.uk")
    problem = refused(client, "POST", DATASETS, status=403, token=token, json=valid_entry(publisher=DFT))
    assert "not a publisher" in problem["detail"]


def test_an_address_in_a_subdomain_of_the_departments_domain_may_be_given_a_role(client, tokens):
    body = api(
        client, "PUT", role_path("Dan@Digital.DfT.gov.uk", "publisher"), status=201, token=tokens.org_admin
    ).get_json()
    assert body["email"] == "dan@digital.dft.gov.uk"
    assert roles_of("dan@digital.dft.gov.uk") == {"member", "publisher"}


def test_someone_already_a_member_may_be_given_a_role_whatever_their_address(client, tokens, runner):
    result = runner.invoke(args=["users", "add", "consultant@example.com", "--org", DFT])
    assert result.exit_code == 0, result.output
    api(client, "PUT", role_path("consultant@example.com", "publisher"), status=201, token=tokens.org_admin)
    assert roles_of("consultant@example.com") == {"member", "publisher"}


def test_an_org_admin_role_lets_its_holder_manage_roles_and_publish(client, tokens):
    body = api(
        client, "PUT", role_path("bob@dft.gov.uk", "org_admin"), status=201, token=tokens.org_admin
    ).get_json()
    assert body["roles"] == ["member", "org_admin"]
    assert history()[-1] == ("bob@dft.gov.uk", DFT, "org_admin", "granted", "olga@dft.gov.uk")
    api(client, "GET", MEMBERS, status=200, token=tokens.member)
    api(client, "PUT", role_path("carol@dft.gov.uk", "publisher"), status=201, token=tokens.member)
    assert history()[-1] == ("carol@dft.gov.uk", DFT, "publisher", "granted", "bob@dft.gov.uk")
    api(client, "POST", DATASETS, status=201, token=tokens.member, json=valid_entry(publisher=DFT))


def test_granting_a_role_already_held_is_200_and_records_nothing(client, tokens):
    before = stored_people()
    for email in ("ann@dft.gov.uk", "ANN@DfT.gov.uk"):
        body = api(
            client, "PUT", role_path(email, "publisher"), status=200, token=tokens.org_admin
        ).get_json()
        assert (body["email"], body["roles"]) == ("ann@dft.gov.uk", ["member", "publisher"])
    assert stored_people() == before


def test_revoking_a_role_not_held_is_204_and_records_nothing(client, tokens):
    before = stored_people()
    for role in ("publisher", "org_admin"):
        api(client, "DELETE", role_path("bob@dft.gov.uk", role), status=204, token=tokens.org_admin)
    assert stored_people() == before


def test_an_org_admin_cannot_remove_their_own_org_admin_role_but_another_org_admin_can(client, tokens):
    problem = refused_change(
        client, "DELETE", role_path("olga@dft.gov.uk", "org_admin"), status=409, token=tokens.org_admin
    )
    assert "own org admin role" in problem["detail"]
    api(client, "PUT", role_path("ann@dft.gov.uk", "org_admin"), status=201, token=tokens.org_admin)
    api(client, "DELETE", role_path("olga@dft.gov.uk", "org_admin"), status=204, token=tokens.publisher)
    assert roles_of("olga@dft.gov.uk") == {"member"}
    assert history()[-1] == ("olga@dft.gov.uk", DFT, "org_admin", "revoked", "ann@dft.gov.uk")
    # The next request of the former org admin is refused.
    refused_change(client, "GET", MEMBERS, status=403, token=tokens.org_admin)


@pytest.mark.parametrize("email", ["ed@education.gov.uk", "carol@dft.gov.uk"])
def test_revoking_a_role_from_someone_not_a_member_is_404(client, tokens, email):
    problem = refused_change(
        client, "DELETE", role_path(email, "publisher"), status=404, token=tokens.org_admin
    )
    assert email in problem["detail"]


def test_a_site_admin_manages_any_organisations_roles(client, tokens):
    api(
        client,
        "PUT",
        role_path("fay@education.gov.uk", "publisher", DFE),
        status=201,
        token=tokens.site_admin,
    )
    api(
        client,
        "DELETE",
        role_path("ed@education.gov.uk", "org_admin", DFE),
        status=204,
        token=tokens.site_admin,
    )
    api(client, "PUT", role_path("bob@dft.gov.uk", "org_admin"), status=201, token=tokens.site_admin)
    assert history(DFE)[-2:] == [
        ("fay@education.gov.uk", DFE, "publisher", "granted", "sam@cabinetoffice.gov.uk"),
        ("ed@education.gov.uk", DFE, "org_admin", "revoked", "sam@cabinetoffice.gov.uk"),
    ]
    assert history(DFT)[-1] == ("bob@dft.gov.uk", DFT, "org_admin", "granted", "sam@cabinetoffice.gov.uk")
    members = api(client, "GET", f"{organisation_path(DFE)}/members", status=200, token=tokens.site_admin)
    assert [(m["email"], m["roles"]) for m in members.get_json()["items"]] == [
        ("ed@education.gov.uk", ["member"]),
        ("fay@education.gov.uk", ["member", "publisher"]),
    ]


def test_an_org_admin_grants_and_removes_the_reviewer_role(client, tokens):
    api(client, "PUT", role_path("ann@dft.gov.uk", "reviewer"), status=201, token=tokens.org_admin)
    assert "reviewer" in roles_of("ann@dft.gov.uk")
    api(client, "DELETE", role_path("ann@dft.gov.uk", "reviewer"), status=204, token=tokens.org_admin)
    assert "reviewer" not in roles_of("ann@dft.gov.uk")
