"""The index follows each change in a long-lived process: from the very first publish, and
through updates and withdrawals seen by a searcher opened before them."""

from __future__ import annotations

from marketplace.services.datasets import patch_dataset, withdraw_dataset
from tests.factories import ADMIN, create_dataset
from tests.helpers import api


def _search(client, q: str) -> dict:
    body = api(client, "GET", "/api/v1/datasets", status=200, query_string={"q": q}).get_json()
    assert body["facets"] is not None, "the index did not answer: listed from the database"
    return body


def _titles(body: dict) -> list[str]:
    return [item["title"] for item in body["items"]]


def test_the_first_publish_into_an_index_built_from_an_empty_catalogue_is_found(client, runner, publisher):
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0

    create_dataset(organisation=publisher.organisation, title="Bathing water quality")

    body = _search(client, "bathing")
    assert (body["total"], _titles(body)) == (1, ["Bathing water quality"])


def test_a_searcher_open_before_an_update_lists_the_entry_once(client, runner, publisher):
    dataset = create_dataset(organisation=publisher.organisation, title="Bathing water quality")
    create_dataset(organisation=publisher.organisation, title="River flow")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert _titles(_search(client, "bathing")) == ["Bathing water quality"]  # opens this thread's searcher

    patch_dataset(ADMIN, str(dataset.id), {"summary": "Sampled weekly from May to September."})

    body = _search(client, "bathing")
    assert (body["total"], _titles(body)) == (1, ["Bathing water quality"])
    assert {f["value"]: f["count"] for f in body["facets"]["organisation"]} == {publisher.slug: 1}


def test_a_withdrawn_entry_leaves_a_searcher_opened_before_the_withdrawal(client, runner, publisher):
    dataset = create_dataset(organisation=publisher.organisation, title="Bathing water quality")
    create_dataset(organisation=publisher.organisation, title="River flow")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert _search(client, "bathing")["total"] == 1

    withdraw_dataset(ADMIN, str(dataset.id))

    body = _search(client, "bathing")
    assert (body["total"], _titles(body), body["facets"]["organisation"]) == (0, [], [])
