"""The role history: who changed which role and when, newest first with paging, changes made at the
command line named as the CLI's, and times written as the rest of the API writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.roles import CHANGES, DATASETS, DFE, DFT, MEMBERS, refused_change, role_path
from tests.factories import valid_entry
from tests.helpers import api


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


def test_times_in_the_roles_api_are_written_as_the_rest_of_the_api_writes_them(client, tokens):
    """RFC 3339 with a "T", as marshmallow writes `created_at` and `updated_at` on entries."""
    api(client, "PUT", role_path("carol@dft.gov.uk", "publisher"), status=201, token=tokens.org_admin)
    entry = api(client, "POST", DATASETS, status=201, token=tokens.org_admin, json=valid_entry(publisher=DFT))
    members = api(client, "GET", MEMBERS, status=200, token=tokens.org_admin).get_json()["items"]
    changes = api(client, "GET", CHANGES, status=200, token=tokens.org_admin).get_json()["items"]
    for text in (entry.get_json()["created_at"], members[0]["member_since"], changes[0]["at"]):
        assert text[10] == "T", text
