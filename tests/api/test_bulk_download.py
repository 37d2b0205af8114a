"""GET /api/v1/datasets.jsonl: everything the caller may list as JSON Lines, streamed, gzipped on request."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest
import requests

from marketplace.services import datasets as datasets_service
from tests.factories import ADMIN, create_dataset, create_organisation, create_token, create_user
from tests.helpers import api, assert_problem

BULK = "/api/v1/datasets.jsonl"


@pytest.fixture
def dft(app):
    return create_organisation()


def lines(response) -> list[dict]:
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_the_download_holds_every_entry_the_caller_may_list_in_the_apis_shape(client, dft):
    open_entries = [create_dataset(organisation=dft, title=f"Open {n}") for n in range(3)]
    internal = create_dataset(organisation=dft, title="Internal", access_rights="INTERNAL")
    create_dataset(organisation=dft, title="Draft", status="draft")
    response = api(client, "GET", BULK, status=200)
    assert response.mimetype == "application/x-ndjson"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = lines(response)
    assert [row["id"] for row in rows] == [str(entry.id) for entry in open_entries]
    entry = api(client, "GET", f"/api/v1/datasets/{open_entries[0].slug}", status=200).get_json()
    assert rows[0] == {k: v for k, v in entry.items() if k != "links"}

    reader = create_token(user=create_user(email="rex@dft.gov.uk", organisation=dft))
    signed_in = lines(api(client, "GET", BULK, status=200, token=reader))
    assert str(internal.id) in {row["id"] for row in signed_in} and len(signed_in) == 4


def test_the_download_is_gzipped_when_the_client_accepts_it(client, dft):
    for n in range(5):
        create_dataset(organisation=dft, title=f"Entry {n}")
    response = client.get(BULK, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    rows = [json.loads(line) for line in gzip.decompress(response.get_data()).splitlines()]
    assert len(rows) == 5


def test_a_real_client_streams_a_download_longer_than_one_batch(app, live_server, dft, monkeypatch):
    monkeypatch.setattr("marketplace.services.change_feed.STREAM_BATCH", 7)
    created = {str(create_dataset(organisation=dft, title=f"Entry {n}").id) for n in range(20)}
    response = requests.get(f"{live_server}{BULK}", stream=True, timeout=30)  # requests asks for gzip
    assert response.headers["Content-Encoding"] == "gzip"
    ids = [json.loads(line)["id"] for line in response.iter_lines() if line]
    assert len(ids) == 20 and set(ids) == created


def test_filters_and_modified_since_apply_with_tombstones(client, dft):
    transport = create_dataset(organisation=dft, title="Roads", themes=["transport-and-infrastructure"])
    gone = create_dataset(organisation=dft, title="Rail", themes=["transport-and-infrastructure"])
    create_dataset(organisation=dft, title="Schools", themes=["education"])
    moment = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    datasets_service.delete_dataset(ADMIN, gone.slug)
    rows = lines(api(client, "GET", f"{BULK}?theme=transport-and-infrastructure", status=200))
    assert [row["id"] for row in rows] == [str(transport.id)]
    rows = lines(api(client, "GET", f"{BULK}?modified_since={moment}", status=200))
    assert rows == [
        {
            "id": str(gone.id),
            "slug": gone.slug,
            "status": "deleted",
            "metadata_modified": rows[0]["metadata_modified"],
            "tombstone": True,
        }
    ]


def test_an_empty_catalogue_downloads_as_an_empty_file(client, dft):
    response = client.get(BULK, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert gzip.decompress(response.get_data()) == b""


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=roads", "q"),
        ("page=2", "page"),
        ("cursor=abc", "cursor"),
        ("theme=no-such-theme", "theme.0"),
        ("organisation=no-such-org", "organisation"),
        ("modified_since=soon", "modified_since"),
    ],
)
def test_bad_parameters_are_refused_before_anything_is_sent(client, dft, query, field):
    response = api(client, "GET", f"{BULK}?{query}", status=400)
    assert assert_problem(response, field)["code"] == "bad_request"
