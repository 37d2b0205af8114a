"""The index directory deleted under a running server: the catalogue keeps serving from the
database, says it is degraded, and `search reindex` brings search back."""

from __future__ import annotations

import shutil

import requests

from tests.consistency.processes import explain, flask_command, gunicorn, wait_for
from tests.factories import create_dataset, valid_entry

SEARCHABLE_WITHIN_S = 1.0
WORKERS = 2
ASKS = 6  # requests per check, so that each worker is likely to answer at least one


def _listing(http: requests.Session, base: str, **params) -> dict:
    response = http.get(f"{base}/api/v1/datasets", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _publish(http: requests.Session, base: str, slug: str, title: str) -> dict:
    response = http.post(
        f"{base}/api/v1/datasets",
        json=valid_entry(publisher=slug, status="published", title=title),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_deleting_the_index_while_serving_falls_back_to_the_database_until_reindex(
    publisher, index_dir, cli_env, server_env, tmp_path
):
    for title in ("Bathing water quality", "Bathing water profiles"):
        create_dataset(organisation=publisher.organisation, title=title)
    built = flask_command(cli_env, "search", "reindex")
    assert built.returncode == 0, explain(built)

    with (
        gunicorn(server_env, tmp_path / "gunicorn.log", workers=WORKERS) as server,
        requests.Session() as http,
    ):
        http.headers["Authorization"] = f"Bearer {publisher.token}"
        # A new connection for each request, so that both workers answer: a kept-alive connection
        # stays with the worker that accepted it.
        http.headers["Connection"] = "close"
        for _ in range(ASKS):
            body = _listing(http, server.url, q="bathing")
            assert body["total"] == 2 and body["facets"] is not None, server.log()

        shutil.rmtree(index_dir)

        for _ in range(ASKS):
            body = _listing(http, server.url)
            assert body["facets"] is None, "listed with facets, although there is no index"
            assert {item["title"] for item in body["items"]} == {
                "Bathing water quality",
                "Bathing water profiles",
            }
        one = http.get(f"{server.url}/api/v1/datasets/{body['items'][0]['id']}", timeout=10)
        assert one.status_code == 200, one.text
        suggested = http.get(f"{server.url}/api/v1/suggest", params={"q": "bath"}, timeout=10)
        assert suggested.status_code == 200, suggested.text
        ready = requests.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["search"].startswith("unavailable")
        assert ready.json()["search"]["available"] is False

        # Writes go on: the database is the truth, and the outbox keeps what the index missed.
        while_down = _publish(http, server.url, publisher.slug, "Bathing water quality sampling points")
        patched = http.patch(
            f"{server.url}/api/v1/datasets/{while_down['id']}",
            json={"summary": "Where samples are taken."},
            timeout=10,
        )
        assert patched.status_code == 200, patched.text
        assert _listing(http, server.url, q="sampling")["total"] == 1

        rebuilt = flask_command(cli_env, "search", "reindex")
        assert rebuilt.returncode == 0, explain(rebuilt)

        for _ in range(ASKS):
            body = _listing(http, server.url, q="bathing")
            assert body["facets"] is not None, f"search did not come back after reindex\n{server.log()}"
            assert body["total"] == 3, body
        ready = requests.get(f"{server.url}/readyz", timeout=10).json()
        assert ready["status"] == "ok", ready

        after = _publish(http, server.url, publisher.slug, "Bathing water kingfisher survey")

        def found() -> bool:
            body = _listing(http, server.url, q="kingfisher")
            return body["facets"] is not None and [item["id"] for item in body["items"]] == [after["id"]]

        assert wait_for(found, within=SEARCHABLE_WITHIN_S), (
            f"a publish after the reindex was not found\n{server.log()}"
        )
        for _ in range(ASKS):
            assert found(), "a worker still searches an old index"
