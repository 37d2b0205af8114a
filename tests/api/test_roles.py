"""The roles API end to end: an org admin (or a site admin) grants and revokes `publisher` and
`org_admin` in its organisation, each change takes effect at the next request, and every grant
and revocation is kept with who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Membership, RoleChange, User
from tests.factories import create_organisation, create_token, create_user, valid_entry
from tests.helpers import api, assert_problem
from tests.support import refused

DFT = "department-for-transport"
DFE = "department-for-education"
DATASETS = "/api/v1/datasets"


def organisation_path(slug: str = DFT) -> str:
    return f"/api/v1/organisations/{slug}"


def role_path(email: str, role: str, slug: str = DFT) -> str:
    return f"{organisation_path(slug)}/members/{quote(email, safe='@%')}/roles/{role}"


MEMBERS = f"{organisation_path()}/members"
CHANGES = f"{organisation_path()}/role-changes"


@dataclass
class Tokens:
    org_admin: str  # olga: org admin at DfT
    org_admin_read_only: str  # olga again, with a token that may only read
    publisher: str  # ann: publisher at DfT
    member: str  # bob: member of DfT
    other_org_admin: str  # ed: org admin at DfE
    site_admin: str  # sam: site admin, in no organisation


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


def stored_people() -> dict[str, Any]:
    """What a refused request must leave as it was: the people, their roles and the role history."""
    db.session.expire_all()
    return {
        "users": sorted((u.email, u.is_site_admin) for u in db.session.scalars(select(User))),
        "memberships": sorted(
            (m.user.email, m.organisation.slug, m.role) for m in db.session.scalars(select(Membership))
        ),
        "role_changes": history(),
    }


def history(slug: str | None = None) -> list[tuple[str, str, str, str, str]]:
    """The stored role changes, oldest first, as (email, organisation, role, action, by)."""
    db.session.expire_all()
    changes = db.session.scalars(select(RoleChange).order_by(RoleChange.id))
    return [
        (c.user.email, c.organisation.slug, c.role, c.action, c.actor_label)
        for c in changes
        if slug is None or c.organisation.slug == slug
    ]


def roles_of(email: str, slug: str = DFT) -> set[str]:
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == email))
    return {m.role for m in user.memberships if m.organisation.slug == slug} if user else set()


def refused_change(
    client, method: str, path: str, *, status: int, fields: tuple[str, ...] = (), **kwargs: Any
) -> dict[str, Any]:
    """A request refused with `status` as problem+json naming `fields`, which changed no person,
    role or history; returns the problem document."""
    before = stored_people()
    response = api(client, method, path, status=status, **kwargs)
    problem = assert_problem(response, *fields)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert stored_people() == before, f"{method} {path} changed people or roles although it was refused"
    return problem


# Granting and revoking -------------------------------------------------------------------------


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


def test_members_lists_each_person_of_the_organisation_with_their_roles(client, tokens):
    body = api(client, "GET", MEMBERS, status=200, token=tokens.org_admin).get_json()
    assert body["total"] == 3
    assert [(m["email"], m["roles"], m["signed_in"]) for m in body["items"]] == [
        ("ann@dft.gov.uk", ["member", "publisher"], False),
        ("bob@dft.gov.uk", ["member"], False),
        ("olga@dft.gov.uk", ["member", "org_admin"], False),
    ]


# Who may not ----------------------------------------------------------------------------------


def role_requests() -> list[tuple[str, str]]:
    return [
        ("PUT", role_path("carol@dft.gov.uk", "publisher")),
        ("PUT", role_path("ann@dft.gov.uk", "org_admin")),
        ("DELETE", role_path("ann@dft.gov.uk", "publisher")),
        ("GET", MEMBERS),
        ("GET", CHANGES),
    ]


@pytest.mark.parametrize(
    ("caller", "status"),
    [("publisher", 403), ("member", 403), ("other_org_admin", 403), ("anonymous", 401)],
)
def test_only_an_org_admin_of_the_organisation_or_a_site_admin_may_see_or_change_its_roles(
    client, tokens, caller, status
):
    token = None if caller == "anonymous" else getattr(tokens, caller)
    for method, path in role_requests():
        problem = refused_change(client, method, path, status=status, token=token)
        if status == 403:
            assert "Only an org admin of Department for Transport" in problem["detail"]


def test_an_org_admins_read_only_token_may_list_but_not_change_roles(client, tokens):
    for method, path in role_requests():
        if method == "GET":
            api(client, method, path, status=200, token=tokens.org_admin_read_only)
        else:
            problem = refused_change(client, method, path, status=403, token=tokens.org_admin_read_only)
            assert "publish scope" in problem["detail"]


# Bad input -------------------------------------------------------------------------------------


def test_an_unknown_organisation_is_404(client, tokens):
    for method, path in (
        ("PUT", role_path("carol@dft.gov.uk", "publisher", "no-such-department")),
        ("DELETE", role_path("ann@dft.gov.uk", "publisher", "no-such-department")),
        ("GET", f"{organisation_path('no-such-department')}/members"),
        ("GET", f"{organisation_path('no-such-department')}/role-changes"),
    ):
        problem = refused_change(client, method, path, status=404, token=tokens.site_admin)
        assert "no-such-department" in problem["detail"]


@pytest.mark.parametrize("role", ["site_admin", "member", "banana"])
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_only_publisher_and_org_admin_can_be_granted_or_revoked(client, tokens, method, role):
    problem = refused_change(
        client,
        method,
        role_path("bob@dft.gov.uk", role),
        status=422,
        fields=("role",),
        token=tokens.org_admin,
    )
    assert role in problem["errors"]["role"][0]


@pytest.mark.parametrize(
    "email",
    [
        "mallory@gmail.com",
        "ed@education.gov.uk",  # another department's person
        "carol@notdft.gov.uk",  # ends with the domain's text, but is not a subdomain
        "carol@dft.gov.uk.example.com",
        "carol@gov.uk",
    ],
)
def test_a_role_goes_only_to_an_address_of_the_organisation(client, tokens, email):
    refused_change(
        client, "PUT", role_path(email, "publisher"), status=422, fields=("email",), token=tokens.org_admin
    )


@pytest.mark.parametrize(
    "email", ["not-an-email", "carol@", "@dft.gov.uk", "carol@@dft.gov.uk", "carol smith@dft.gov.uk"]
)
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_malformed_email_is_422_naming_it(client, tokens, method, email):
    refused_change(
        client, method, role_path(email, "publisher"), status=422, fields=("email",), token=tokens.org_admin
    )


@pytest.mark.parametrize("email", ["carol%00@dft.gov.uk", "ann@dft.gov.uk%00"])
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_nul_character_in_the_email_is_not_found(client, tokens, method, email):
    refused_change(client, method, role_path(email, "publisher"), status=404, token=tokens.org_admin)


# The history -----------------------------------------------------------------------------------


def test_role_changes_list_who_changed_what_and_when_newest_first_with_paging(client, tokens):
    started = datetime.now(UTC) - timedelta(seconds=1)
    for method, email, role in (
        ("PUT", "carol@dft.gov.uk", "publisher"),
        ("PUT", "dan@dft.gov.uk", "org_admin"),
        ("DELETE", "carol@dft.gov.uk", "publisher"),
        ("PUT", "bob@dft.gov.uk", "publisher"),
    ):
        api(
            client,
            method,
            role_path(email, role),
            status={"PUT": 201, "DELETE": 204}[method],
            token=tokens.org_admin,
        )
    api(
        client,
        "PUT",
        role_path("fay@education.gov.uk", "publisher", DFE),
        status=201,
        token=tokens.other_org_admin,
    )

    everything = api(client, "GET", f"{CHANGES}?per_page=100", status=200, token=tokens.org_admin).get_json()
    assert everything["total"] == 6
    assert [(c["email"], c["role"], c["action"], c["by"]) for c in everything["items"]] == [
        ("bob@dft.gov.uk", "publisher", "granted", "olga@dft.gov.uk"),
        ("carol@dft.gov.uk", "publisher", "revoked", "olga@dft.gov.uk"),
        ("dan@dft.gov.uk", "org_admin", "granted", "olga@dft.gov.uk"),
        ("carol@dft.gov.uk", "publisher", "granted", "olga@dft.gov.uk"),
        ("olga@dft.gov.uk", "org_admin", "granted", "system:tests"),
        ("ann@dft.gov.uk", "publisher", "granted", "system:tests"),
    ]
    times = [datetime.fromisoformat(c["at"]) for c in everything["items"]]
    assert all(t.tzinfo is not None for t in times)
    assert times == sorted(times, reverse=True)
    assert all(t >= started for t in times[:4])
    assert times[0] <= datetime.now(UTC)

    pages = []
    for number in (1, 2, 3):
        body = api(
            client, "GET", f"{CHANGES}?per_page=2&page={number}", status=200, token=tokens.org_admin
        ).get_json()
        assert body["total"] == 6
        links = body["links"]
        assert "per_page=2" in links["self"] and f"page={number}" in links["self"]
        assert (links["prev"] is None) == (number == 1)
        assert (links["next"] is None) == (number == 3)
        if links["next"]:
            assert f"page={number + 1}" in links["next"]
        assert "page=3" in links["last"]
        pages.extend(body["items"])
    assert pages == everything["items"]


@pytest.mark.parametrize("query", ["page=0", "page=x", "per_page=0", "per_page=101"])
def test_bad_paging_of_role_changes_is_400_naming_the_parameter(client, tokens, query):
    refused_change(
        client,
        "GET",
        f"{CHANGES}?{query}",
        status=400,
        fields=(query.partition("=")[0],),
        token=tokens.org_admin,
    )


def test_a_role_given_at_the_command_line_shows_in_the_history_under_the_cli(client, tokens, runner):
    result = runner.invoke(args=["users", "add", "carol@dft.gov.uk", "--org", DFT, "--role", "publisher"])
    assert result.exit_code == 0, result.output
    body = api(client, "GET", CHANGES, status=200, token=tokens.org_admin).get_json()
    assert body["total"] == 3  # the CLI's grant of publisher; being a member is not a grant
    newest = body["items"][0]
    assert (newest["email"], newest["role"], newest["action"], newest["by"]) == (
        "carol@dft.gov.uk",
        "publisher",
        "granted",
        "system:cli",
    )


@pytest.mark.parametrize(
    "email",
    [
        "a" * 250 + "@dft.gov.uk",
        "carol@" + ".".join(letter * 60 for letter in "abcd") + ".dft.gov.uk",
    ],
    ids=["long-local-part", "long-subdomain"],
)
def test_an_email_longer_than_can_be_stored_is_422_naming_it(client, tokens, email):
    assert len(email) > 254
    refused_change(
        client, "PUT", role_path(email, "publisher"), status=422, fields=("email",), token=tokens.org_admin
    )


def test_times_in_the_roles_api_are_written_as_the_rest_of_the_api_writes_them(client, tokens):
    """RFC 3339 with a "T", as marshmallow writes `created_at` and `updated_at` on entries."""
    api(client, "PUT", role_path("carol@dft.gov.uk", "publisher"), status=201, token=tokens.org_admin)
    entry = api(client, "POST", DATASETS, status=201, token=tokens.org_admin, json=valid_entry(publisher=DFT))
    members = api(client, "GET", MEMBERS, status=200, token=tokens.org_admin).get_json()["items"]
    changes = api(client, "GET", CHANGES, status=200, token=tokens.org_admin).get_json()["items"]
    for text in (entry.get_json()["created_at"], members[0]["member_since"], changes[0]["at"]):
        assert text[10] == "T", text


def test_an_org_admin_grants_and_removes_the_reviewer_role(client, tokens):
    api(client, "PUT", role_path("ann@dft.gov.uk", "reviewer"), status=201, token=tokens.org_admin)
    assert "reviewer" in roles_of("ann@dft.gov.uk")
    api(client, "DELETE", role_path("ann@dft.gov.uk", "reviewer"), status=204, token=tokens.org_admin)
    assert "reviewer" not in roles_of("ann@dft.gov.uk")
