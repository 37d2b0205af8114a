"""Responses are compressed when the client asks, except pages that carry a CSRF token (BREACH),
and a compressed response's entity tag still works for If-None-Match and If-Match."""

from __future__ import annotations

import gzip
import json

import pytest

from tests.factories import create_dataset, create_organisation, create_token, create_user, valid_entry
from tests.helpers import api

GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def publisher_token(app) -> str:
    organisation = create_organisation()
    user = create_user(email="ann@dft.gov.uk", organisation=organisation, roles=("publisher",))
    return create_token(user=user)


@pytest.fixture
def entries(app):
    organisation = create_organisation()
    return [create_dataset(organisation=organisation, title=f"Road statistics {n}") for n in range(30)]


def fetch(client, method: str, path: str, *, status: int, token: str | None = None, **kwargs):
    """A request whose body may be compressed (tests.helpers.api reads bodies as text)."""
    headers = {**kwargs.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    response = client.open(path, method=method, headers=headers, **kwargs)
    assert response.status_code == status, (method, path, response.status_code, response.get_data()[:500])
    return response


def test_an_api_list_is_gzipped_when_asked_and_decompresses_to_the_same_json(client, entries):
    plain = api(client, "GET", "/api/v1/datasets?per_page=30", status=200)
    packed = fetch(client, "GET", "/api/v1/datasets?per_page=30", status=200, headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    body = gzip.decompress(packed.get_data())
    assert json.loads(body) == plain.get_json()
    assert int(packed.headers["Content-Length"]) == len(packed.get_data()) < len(body) / 3


def test_brotli_and_zstd_are_offered_to_clients_that_ask_for_them(client, entries):
    for encoding in ("br", "zstd"):
        response = fetch(client, "GET", "/api/v1/datasets", status=200, headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding


def test_an_encoding_the_server_does_not_know_gets_the_plain_body(client, entries):
    response = api(
        client, "GET", "/api/v1/datasets", status=200, headers={"Accept-Encoding": "compress, x-nope"}
    )
    assert "Content-Encoding" not in response.headers and response.get_json()["items"]


def test_the_find_page_signed_out_is_compressed(client, entries):
    response = client.get("/datasets", headers=GZIP)
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert b"Road statistics" in gzip.decompress(response.get_data())


def test_a_page_that_carries_a_csrf_token_is_never_compressed(client, signed_in, entries):
    user = create_user(email="bob@dft.gov.uk", organisation=create_organisation())
    response = signed_in(user).get("/account", headers=GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert b'name="csrf_token"' in response.get_data()
    assert "Accept-Encoding" in response.headers["Vary"]


def test_a_compressed_entrys_tag_answers_if_none_match_with_304(client, publisher_token):
    created = api(client, "POST", "/api/v1/datasets", status=201, token=publisher_token, json=valid_entry())
    path = created.headers["Location"]
    first = fetch(client, "GET", path, status=200, token=publisher_token, headers=GZIP)
    tag = first.headers["ETag"]
    assert tag.endswith(':gzip"')
    fetch(client, "GET", path, status=304, token=publisher_token, headers={**GZIP, "If-None-Match": tag})


def test_a_compressed_entrys_tag_is_accepted_by_if_match_and_a_stale_one_is_refused(client, publisher_token):
    created = api(client, "POST", "/api/v1/datasets", status=201, token=publisher_token, json=valid_entry())
    path = f"/api/v1/datasets/{created.get_json()['id']}"
    tag = fetch(client, "GET", path, status=200, token=publisher_token, headers=GZIP).headers["ETag"]
    change = {"title": "Renamed road statistics"}
    api(client, "PATCH", path, status=200, token=publisher_token, json=change, headers={"If-Match": tag})
    # The same tag again is now stale: refused, and the change above is kept.
    api(
        client,
        "PATCH",
        path,
        status=412,
        token=publisher_token,
        json={"title": "Lost"},
        headers={"If-Match": tag},
    )
    assert api(client, "GET", path, status=200, token=publisher_token).get_json()["title"] == change["title"]


def test_an_error_response_is_sent_plain(client):
    response = client.get("/api/v1/datasets/no-such-entry", headers=GZIP)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert "Content-Encoding" not in response.headers
