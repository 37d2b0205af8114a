"""Who may see and change an organisation's roles: its org admins (a read-only token only lists) and
site admins see each member with their roles; anyone else is refused and nothing changes."""

from __future__ import annotations

import pytest

from tests.api.roles import CHANGES, MEMBERS, organisation_path, refused_change, role_path
from tests.helpers import api


def test_members_lists_each_person_of_the_organisation_with_their_roles(client, tokens):
    body = api(client, "GET", MEMBERS, status=200, token=tokens.org_admin).get_json()
    assert body["total"] == 3
    assert [(m["email"], m["roles"], m["signed_in"]) for m in body["items"]] == [
        ("ann@dft.gov.uk", ["member", "publisher"], False),
        ("bob@dft.gov.uk", ["member"], False),
        ("olga@dft.gov.uk", ["member", "org_admin"], False),
    ]


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


def test_an_unknown_organisation_is_404(client, tokens):
    for method, path in (
        ("PUT", role_path("carol@dft.gov.uk", "publisher", "no-such-department")),
        ("DELETE", role_path("ann@dft.gov.uk", "publisher", "no-such-department")),
        ("GET", f"{organisation_path('no-such-department')}/members"),
        ("GET", f"{organisation_path('no-such-department')}/role-changes"),
    ):
        problem = refused_change(client, method, path, status=404, token=tokens.site_admin)
        assert "no-such-department" in problem["detail"]
