"""PATCH as JSON Merge Patch (RFC 7396, Content-Type: application/merge-patch+json): null removes a
member, objects merge, arrays replace; a result that is not a valid entry changes nothing. The
plain JSON PATCH keeps replacing each field it names whole.

The algorithm itself is held to the RFC's own examples."""

from __future__ import annotations

import copy
import json

import pytest

from marketplace.services.merge_patch import merge_patch
from tests.api.test_datasets_lifecycle import RATING, create, revisions
from tests.helpers import api, assert_problem

DATASETS = "/api/v1/datasets"
MERGE_PATCH = "application/merge-patch+json"

# RFC 7396, appendix A: original, patch, result.
RFC_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    # Section 3's worked example.
    (
        {
            "title": "Goodbye!",
            "author": {"givenName": "John", "familyName": "Doe"},
            "tags": ["example", "sample"],
            "content": "This will be unchanged",
        },
        {
            "title": "Hello!",
            "phoneNumber": "+01-123-456-7890",
            "author": {"familyName": None},
            "tags": ["example"],
        },
        {
            "title": "Hello!",
            "author": {"givenName": "John"},
            "tags": ["example"],
            "content": "This will be unchanged",
            "phoneNumber": "+01-123-456-7890",
        },
    ),
]


@pytest.mark.parametrize(("target", "patch", "result"), RFC_EXAMPLES)
def test_merge_patch_gives_the_rfcs_results(target, patch, result):
    target_before, patch_before = copy.deepcopy(target), copy.deepcopy(patch)
    assert merge_patch(target, patch) == result
    assert (target, patch) == (target_before, patch_before)  # neither argument is changed


def merge(client, token: str, path: str, body, *, status: int = 200, headers: dict | None = None):
    return api(
        client,
        "PATCH",
        path,
        status=status,
        token=token,
        data=json.dumps(body),
        headers={"Content-Type": MERGE_PATCH, **(headers or {})},
    )


@pytest.fixture
def entry(client, token) -> str:
    created = create(client, token, title="Road casualties", status="published")
    return f"{DATASETS}/{created['slug']}"


# The three cases ------------------------------------------------------------------------


def test_merging_an_end_date_keeps_the_start_date(client, token, entry):
    body = merge(client, token, entry, {"temporal_coverage": {"end": "2015-12-31"}}).get_json()
    assert body["temporal_coverage"] == {"start": "1979-01-01", "end": "2015-12-31"}


def test_merging_an_email_keeps_the_contact_name(client, token, entry):
    body = merge(client, token, entry, {"contact_point": {"email": "casualties@dft.gov.uk"}}).get_json()
    assert body["contact_point"] == {"name": "Road Safety Statistics", "email": "casualties@dft.gov.uk"}


def test_null_keywords_clear_them_as_merge_patch_and_as_plain_json(client, token, entry):
    assert merge(client, token, entry, {"keywords": None}).get_json()["keywords"] == []

    api(client, "PATCH", entry, status=200, token=token, json={"keywords": ["roads"]})
    body = api(client, "PATCH", entry, status=200, token=token, json={"keywords": None}).get_json()
    assert body["keywords"] == []


# The rest of RFC 7396 over an entry --------------------------------------------------------------


def test_null_inside_an_object_removes_only_that_member(client, token, entry):
    body = merge(client, token, entry, {"temporal_coverage": {"start": None}}).get_json()
    assert body["temporal_coverage"] == {"start": None, "end": "2024-12-31"}
    body = merge(client, token, entry, {"temporal_coverage": {"end": None}}).get_json()
    assert body["temporal_coverage"] is None


def test_an_object_merges_into_a_field_that_had_none(client, token):
    draft = create(client, token, title="Bus journeys", temporal_coverage=None)
    path = f"{DATASETS}/{draft['slug']}"
    body = merge(client, token, path, {"temporal_coverage": {"start": "2001-04-01"}}).get_json()
    assert body["temporal_coverage"] == {"start": "2001-04-01", "end": None}


def test_an_array_replaces_the_stored_one(client, token, entry):
    distribution = {"title": "All years", "download_url": "https://data.dft.gov.uk/casualties.zip"}
    body = merge(client, token, entry, {"distributions": [distribution], "themes": []}).get_json()
    assert [d["title"] for d in body["distributions"]] == ["All years"]
    assert body["themes"] == []
    assert body["keywords"] == ["road safety", "casualties"]  # not named, kept


def test_quality_merges_by_dimension_in_either_shape(client, token, entry):
    api(client, "PUT", f"{entry}/quality", status=200, token=token, json={"accuracy": RATING})
    # As GET shows it ...
    merge(client, token, entry, {"quality": {"declared": {"timeliness": RATING}}})
    # ... or as PUT takes it: a rating merges into the stored one.
    body = merge(client, token, entry, {"quality": {"accuracy": {"rating": 2}}}).get_json()
    declared = body["quality"]["declared"]
    assert set(declared) == {"accuracy", "timeliness"}
    assert declared["accuracy"]["rating"] == 2
    assert declared["accuracy"]["assessed_on"] == RATING["assessed_on"]

    body = merge(client, token, entry, {"quality": {"timeliness": None}}).get_json()
    assert set(body["quality"]["declared"]) == {"accuracy"}
    assert merge(client, token, entry, {"quality": None}).get_json()["quality"]["declared"] == {}


def test_read_only_members_are_ignored_as_in_put(client, token, entry):
    before = api(client, "GET", entry, status=200).get_json()
    body = merge(client, token, entry, {"id": None, "freshness": "fresh", "summary": "Casualties."})
    assert body.get_json()["id"] == before["id"]
    assert body.get_json()["summary"] == "Casualties."


def test_a_merge_patch_leaves_a_revision_of_what_changed(client, token, entry):
    created = api(client, "GET", entry, status=200).get_json()
    merge(client, token, entry, {"temporal_coverage": {"end": "2015-12-31"}})
    last = revisions(created["id"])[-1]
    assert last.action == "patch"
    assert set(last.changes) == {"temporal_coverage"}


# Refused, and nothing changes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"title": None}, "title"),
        ({"publisher": None}, "publisher"),
        ({"contact_point": {"name": None}}, "contact_point.name"),
        ({"description": None}, "description"),  # required while published
        ({"contact_point": {"email": "not an address"}}, "contact_point.email"),
        ({"temporal_coverage": {"start": "2030-01-01"}}, "temporal_coverage.start"),  # after the end
        ({"status": None}, "status"),
        ({"type": None}, "type"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_merge_patch_that_leaves_an_invalid_entry_is_refused_and_changes_nothing(
    client, token, entry, patch, field
):
    before = api(client, "GET", entry, status=200)
    response = merge(client, token, entry, patch, status=422)
    assert assert_problem(response, field)["code"] == "validation_failed"
    after = api(client, "GET", entry, status=200)
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.get_json() == before.get_json()


@pytest.mark.parametrize("patch", [[], "published", None])
def test_a_merge_patch_that_is_not_an_object_is_refused(client, token, entry, patch):
    before = api(client, "GET", entry, status=200).headers["ETag"]
    assert_problem(merge(client, token, entry, patch, status=422), "_schema")
    assert api(client, "GET", entry, status=200).headers["ETag"] == before


def test_a_merge_patch_honours_if_match(client, token, entry):
    etag = api(client, "GET", entry, status=200).headers["ETag"]
    api(client, "PATCH", entry, status=200, token=token, json={"version": "2"})
    stale = merge(client, token, entry, {"version": "3"}, status=412, headers={"If-Match": etag})
    assert assert_problem(stale)["code"] == "stale_etag"
    assert api(client, "GET", entry, status=200).get_json()["version"] == "2"

    current = api(client, "GET", entry, status=200).headers["ETag"]
    merge(client, token, entry, {"version": "3"}, headers={"If-Match": current})
    assert api(client, "GET", entry, status=200).get_json()["version"] == "3"


# The plain JSON PATCH as before ------------------------------------------------------------------


def test_plain_json_status_published_still_publishes(client, token):
    draft = create(client, token, title="Rail journeys")
    path = f"{DATASETS}/{draft['slug']}"
    body = api(client, "PATCH", path, status=200, token=token, json={"status": "published"}).get_json()
    assert body["status"] == "published" and body["published_at"]
    assert [r.action for r in revisions(draft["id"])] == ["create", "publish"]


def test_a_merge_patch_of_the_status_alone_publishes_too(client, token):
    draft = create(client, token, title="Tram journeys")
    body = merge(client, token, f"{DATASETS}/{draft['slug']}", {"status": "published"}).get_json()
    assert body["status"] == "published"
    assert [r.action for r in revisions(draft["id"])] == ["create", "publish"]


def test_plain_json_replaces_an_object_whole(client, token, entry):
    body = api(
        client, "PATCH", entry, status=200, token=token, json={"temporal_coverage": {"end": "2015-12-31"}}
    ).get_json()
    assert body["temporal_coverage"] == {"start": None, "end": "2015-12-31"}
    refused = api(
        client, "PATCH", entry, status=422, token=token, json={"contact_point": {"email": "a@dft.gov.uk"}}
    )
    assert_problem(refused, "contact_point.name")
