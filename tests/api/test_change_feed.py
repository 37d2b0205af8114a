"""The change feed of GET /api/v1/datasets: walking the catalogue by cursor in the order records
change, and modified_since with tombstones, so that a harvester's mirror stays exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from marketplace.services import datasets as datasets_service
from tests.factories import ADMIN, create_dataset, create_organisation, create_token, create_user
from tests.helpers import api, assert_problem

DATASETS = "/api/v1/datasets"


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def reader(dft) -> str:
    """A signed-in civil servant of another department: sees every published entry."""
    other = create_organisation(slug="home-office", title="Home Office", abbreviation="HO")
    return create_token(user=create_user(email="rex@homeoffice.gov.uk", organisation=other))


def cursor_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cursor"][0]


def walk(client, query: str = "", *, token: str | None = None, between_pages=None) -> list[dict]:
    """Follow links.next from the first page to the last; `between_pages(n)` runs after page n."""
    rows: list[dict] = []
    url = f"{DATASETS}?sort=metadata_modified&per_page=3{query}"
    pages = 0
    while url:
        body = api(client, "GET", url, status=200, token=token).get_json()
        assert body["page"] is None and body["links"]["last"] is None
        rows.extend(body["items"])
        pages += 1
        if between_pages:
            between_pages(pages)
        url = body["links"]["next"]
        assert (url is None) == (body["next_cursor"] is None)
        if url:
            assert cursor_of(url) == body["next_cursor"]
    return rows


def published(dft, count: int, **fields) -> list:
    return [create_dataset(organisation=dft, title=f"Entry {n} {fields}", **fields) for n in range(count)]


# Walking by cursor ------------------------------------------------------------------------------


def test_a_cursor_walk_returns_every_listed_entry_once_in_the_order_records_changed(client, dft, reader):
    entries = published(dft, 8)
    create_dataset(organisation=dft, title="A draft", status="draft")
    rows = walk(client, token=reader)
    assert [row["id"] for row in rows] == [str(entry.id) for entry in entries]
    times = [row["metadata_modified"] for row in rows]
    assert times == sorted(times)
    first = api(client, "GET", f"{DATASETS}?sort=metadata_modified", status=200, token=reader).get_json()
    assert first["total"] == 8 and first["facets"] is None


def test_every_entry_carries_metadata_modified_which_an_api_edit_moves_and_modified_does_not(
    client, dft, reader
):
    publisher = create_token(user=create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))
    first, second = published(dft, 2)
    before = api(client, "GET", f"{DATASETS}/{first.slug}", status=200).get_json()
    api(client, "PATCH", f"{DATASETS}/{first.slug}", status=200, token=publisher, json={"version": "2"})
    after = api(client, "GET", f"{DATASETS}/{first.slug}", status=200).get_json()
    assert after["metadata_modified"] > before["metadata_modified"]
    assert after["modified"] == before["modified"]
    # In change order, the edited entry now comes last.
    assert [row["id"] for row in walk(client, token=reader)] == [str(second.id), str(first.id)]


def test_entries_published_withdrawn_and_edited_during_a_walk_are_neither_skipped_nor_lost(
    client, dft, reader
):
    entries = published(dft, 12)
    drafts = [create_dataset(organisation=dft, title=f"Draft {n}", status="draft") for n in range(3)]

    def change(page: int) -> None:
        if page != 2:
            return
        for draft in drafts:
            datasets_service.publish_dataset(ADMIN, draft.slug)
        datasets_service.withdraw_dataset(ADMIN, entries[1].slug, reason="Superseded.")  # already seen
        datasets_service.withdraw_dataset(ADMIN, entries[9].slug, reason="Superseded.")  # not yet seen
        datasets_service.patch_dataset(ADMIN, entries[0].slug, {"version": "2"})  # already seen
        datasets_service.patch_dataset(ADMIN, entries[10].slug, {"version": "2"})  # not yet seen

    rows = walk(client, token=reader, between_pages=change)
    ids = [row["id"] for row in rows]
    listed_at_the_end = {row["id"] for row in walk(client, token=reader)}
    # Nothing listed at the end was skipped, and nothing was returned that never was listed.
    assert listed_at_the_end <= set(ids)
    assert str(entries[9].id) not in ids
    # An entry appears again only when it changed after it was read, and then with its new time.
    versions = [(row["id"], row["metadata_modified"]) for row in rows]
    assert len(versions) == len(set(versions))
    assert [i for i in ids if ids.count(i) > 1] == [str(entries[0].id)] * 2
    assert ids.count(str(entries[10].id)) == 1  # edited before it was reached: once, as edited
    assert {str(draft.id) for draft in drafts} <= set(ids)


def test_per_page_may_change_during_a_walk_and_the_filters_carry_through_the_links(client, dft, reader):
    transport = published(dft, 4, themes=["transport-and-infrastructure"])
    published(dft, 2, themes=["education"])
    body = api(
        client,
        "GET",
        f"{DATASETS}?sort=metadata_modified&per_page=2&theme=transport-and-infrastructure",
        status=200,
        token=reader,
    ).get_json()
    assert "theme=transport-and-infrastructure" in body["links"]["next"]
    rest = api(
        client,
        "GET",
        f"{DATASETS}?theme=transport-and-infrastructure&per_page=50&cursor={body['next_cursor']}",
        status=200,
        token=reader,
    ).get_json()
    assert [row["id"] for row in body["items"] + rest["items"]] == [str(e.id) for e in transport]
    assert rest["links"]["next"] is None


def test_signed_out_callers_walk_only_open_entries(client, dft):
    open_entries = published(dft, 2)
    published(dft, 2, access_rights="INTERNAL")
    assert [row["id"] for row in walk(client)] == [str(entry.id) for entry in open_entries]


# Changes since a time, with tombstones -----------------------------------------------------------


def since(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def changes_since(client, moment: datetime, *, token: str | None = None, query: str = "") -> dict[str, dict]:
    rows = walk(client, f"&modified_since={since(moment)}{query}", token=token)
    return {row["id"]: row for row in rows}


def test_modified_since_returns_what_changed_with_tombstones_for_what_left(client, dft, reader):
    unchanged, edited, withdrawn, deleted, restricted = published(dft, 5)
    moment = datetime.now(UTC)
    datasets_service.patch_dataset(ADMIN, edited.slug, {"version": "2"})
    datasets_service.withdraw_dataset(ADMIN, withdrawn.slug, reason="Superseded.")
    datasets_service.delete_dataset(ADMIN, deleted.slug)
    datasets_service.patch_dataset(ADMIN, restricted.slug, {"access_rights": "INTERNAL"})
    new = create_dataset(organisation=dft, title="New")

    signed_in = changes_since(client, moment, token=reader)
    assert set(signed_in) == {str(e.id) for e in (edited, withdrawn, deleted, restricted, new)}
    assert signed_in[str(withdrawn.id)] == {
        "id": str(withdrawn.id),
        "slug": withdrawn.slug,
        "status": "withdrawn",
        "metadata_modified": signed_in[str(withdrawn.id)]["metadata_modified"],
        "tombstone": True,
    }
    assert signed_in[str(deleted.id)]["status"] == "deleted" and signed_in[str(deleted.id)]["tombstone"]
    assert signed_in[str(edited.id)]["version"] == "2" and "tombstone" not in signed_in[str(edited.id)]
    assert "tombstone" not in signed_in[str(restricted.id)]  # signed in, still listed

    signed_out = changes_since(client, moment)
    assert signed_out[str(restricted.id)]["tombstone"] is True  # no longer open to everyone
    assert str(unchanged.id) not in signed_out


def test_no_tombstone_names_an_entry_the_caller_could_never_have_listed(client, dft, reader):
    internal = create_dataset(organisation=dft, title="Internal only", access_rights="INTERNAL")
    draft = create_dataset(organisation=dft, title="Never published", status="draft")
    moment = datetime.now(UTC)
    datasets_service.delete_dataset(ADMIN, internal.slug)
    datasets_service.delete_dataset(ADMIN, draft.slug)
    assert changes_since(client, moment) == {}
    assert set(changes_since(client, moment, token=reader)) == {str(internal.id)}
    publisher = create_token(user=create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))
    assert set(changes_since(client, moment, token=publisher)) == {str(internal.id), str(draft.id)}


def test_an_entry_leaving_a_filter_gets_a_tombstone_in_that_filtered_feed(client, dft, reader):
    moved, stays = published(dft, 2, themes=["transport-and-infrastructure"])
    moment = datetime.now(UTC)
    datasets_service.patch_dataset(ADMIN, moved.slug, {"themes": ["education"]})
    datasets_service.patch_dataset(ADMIN, stays.slug, {"version": "2"})
    rows = changes_since(client, moment, token=reader, query="&theme=transport-and-infrastructure")
    assert rows[str(moved.id)]["tombstone"] is True
    assert "tombstone" not in rows[str(stays.id)]


def test_a_mirror_kept_by_a_walk_then_modified_since_equals_the_catalogue(client, dft, reader):
    entries = published(dft, 10)
    mirror = {row["id"]: row for row in walk(client, token=reader)}
    moment = max(row["metadata_modified"] for row in mirror.values())
    datasets_service.withdraw_dataset(ADMIN, entries[2].slug, reason="Superseded.")
    datasets_service.delete_dataset(ADMIN, entries[3].slug)
    datasets_service.patch_dataset(ADMIN, entries[4].slug, {"title": "Renamed"})
    create_dataset(organisation=dft, title="Brand new")
    for row in walk(client, f"&modified_since={moment}", token=reader):
        if row.get("tombstone"):
            mirror.pop(row["id"], None)
        else:
            mirror[row["id"]] = row
    fresh = {row["id"]: row for row in walk(client, token=reader)}
    assert mirror == fresh


# Bad input ---------------------------------------------------------------------------------------


def first_cursor(client, reader, query: str = "") -> str:
    body = api(
        client, "GET", f"{DATASETS}?sort=metadata_modified&per_page=1{query}", status=200, token=reader
    )
    return body.get_json()["next_cursor"]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),
        lambda c: "x" + c,
        lambda c: "not-a-cursor",
    ],
)
def test_a_forged_cursor_is_refused_with_cursor_invalid(client, dft, reader, mangle):
    published(dft, 3)
    response = api(client, "GET", f"{DATASETS}?cursor={mangle(first_cursor(client, reader))}", status=400)
    assert assert_problem(response, "cursor")["code"] == "cursor_invalid"


def test_a_cursor_from_another_query_is_refused_with_cursor_mismatch(client, dft, reader):
    published(dft, 3)
    cursor = first_cursor(client, reader)
    response = api(client, "GET", f"{DATASETS}?cursor={cursor}&theme=education", status=400, token=reader)
    assert assert_problem(response, "cursor")["code"] == "cursor_mismatch"


def test_an_expired_cursor_is_refused_with_cursor_expired_naming_where_to_carry_on(app, client, dft, reader):
    published(dft, 3)
    cursor = first_cursor(client, reader)
    app.config["API_CURSOR_TTL_HOURS"] = -1
    problem = assert_problem(api(client, "GET", f"{DATASETS}?cursor={cursor}", status=400), "cursor")
    assert problem["code"] == "cursor_expired"
    assert "modified_since=" in problem["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("modified_since=yesterday", "modified_since"),
        ("modified_since=2026-13-45T00:00:00Z", "modified_since"),
        ("modified_since=IN_TWO_DAYS", "modified_since"),  # worked out when the test runs
        ("sort=metadata_modified&q=roads", "q"),
        ("cursor=abc&page=2", "page"),
        ("modified_since=2020-01-01T00:00:00Z&sort=title", "sort"),
        ("sort=metadata_modified&per_page=0", "per_page"),
        ("sort=sideways", "sort"),
    ],
)
def test_bad_feed_parameters_are_refused_naming_the_parameter(client, dft, query, field):
    published(dft, 1)
    query = query.replace("IN_TWO_DAYS", since(datetime.now(UTC) + timedelta(days=2)))
    problem = assert_problem(api(client, "GET", f"{DATASETS}?{query}", status=400), field)
    assert problem["code"] == "bad_request"


def test_a_time_with_its_plus_sent_unencoded_is_still_read(client, dft):
    published(dft, 1)
    body = api(client, "GET", f"{DATASETS}?modified_since=2020-01-01T10:00:00+01:00", status=200).get_json()
    assert len(body["items"]) == 1


def test_numbered_pages_stop_at_the_result_window_and_links_last_never_offers_beyond_it(
    client, dft, monkeypatch
):
    monkeypatch.setattr("marketplace.schemas.listing.MAX_RESULT_WINDOW", 4)
    monkeypatch.setattr("marketplace.api.http.MAX_RESULT_WINDOW", 4)
    published(dft, 6)
    refused = assert_problem(api(client, "GET", f"{DATASETS}?page=5&per_page=1", status=400), "page")
    assert "sort=metadata_modified" in refused["errors"]["page"][0]
    body = api(client, "GET", f"{DATASETS}?per_page=1&page=4", status=200).get_json()
    assert body["total"] == 6
    assert parse_qs(urlsplit(body["links"]["last"]).query)["page"] == ["4"]
    assert body["links"]["next"] is None
    # The cursor walks past the window.
    assert len(walk(client)) == 6


def test_a_harvester_over_http_mirrors_the_catalogue_exactly_while_publishers_change_it(
    app, live_server, dft, reader
):
    """A real client walks by cursor while a publisher publishes, withdraws, edits and deletes
    through the API between its pages; then it asks what changed since the walk began. Its
    mirror ends equal to the catalogue, entry for entry and version for version."""
    publisher = create_token(user=create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))
    entries = published(dft, 30)
    drafts = [create_dataset(organisation=dft, title=f"Draft {n}", status="draft") for n in range(5)]
    harvester = requests.Session()
    harvester.headers["Authorization"] = f"Bearer {reader}"
    writer = requests.Session()
    writer.headers["Authorization"] = f"Bearer {publisher}"

    def entry_url(entry) -> str:
        return f"{live_server}{DATASETS}/{entry.id}"

    edits = {
        2: lambda: [writer.patch(entry_url(d), json={"status": "published"}) for d in drafts],
        3: lambda: [
            writer.patch(entry_url(entries[i]), json={"status": "withdrawn", "withdrawal_reason": "Old."})
            for i in (0, 20, 21)
        ],
        4: lambda: [writer.patch(entry_url(entries[i]), json={"version": "2"}) for i in (1, 25)],
        5: lambda: [writer.delete(entry_url(entries[i])) for i in (2, 26)],
    }
    mirror: dict[str, dict] = {}
    url = f"{live_server}{DATASETS}?sort=metadata_modified&per_page=4"
    page = 0
    walk_began = None
    while url:
        response = harvester.get(url, timeout=30)
        # The server's clock when the walk began, less the Date header's second of rounding.
        walk_began = walk_began or parsedate_to_datetime(response.headers["Date"]) - timedelta(seconds=1)
        body = response.json()
        mirror.update((row["id"], row) for row in body["items"])
        page += 1
        for response in edits.get(page, list)():
            assert response.status_code in {200, 204}, response.text
        url = body["links"]["next"]
    # Then what changed since the walk began.
    url = f"{live_server}{DATASETS}"
    params = {"modified_since": walk_began.isoformat(), "per_page": 100}
    while url:
        body = harvester.get(url, params=params, timeout=30).json()
        params = None
        for row in body["items"]:
            if row.get("tombstone"):
                mirror.pop(row["id"], None)
            else:
                mirror[row["id"]] = row
        url = body["links"]["next"]
    harvester.close()
    writer.close()
    catalogue = {row["id"]: row for row in walk(app.test_client(), token=reader)}
    assert mirror == catalogue
    assert len(catalogue) == 30 + 5 - 3 - 2
