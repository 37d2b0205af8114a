"""Bad requests around entries: lifecycle moves, slugs, publishers, preconditions, list
parameters, missing and deleted entries, and quality ratings. Each answers the right 4xx as
problem+json naming the field, and changes nothing.

(Bad entry bodies are in test_datasets_bad_input.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Organisation
from tests.factories import create_dataset, valid_entry
from tests.helpers import api, assert_problem
from tests.support import refused

DATASETS = "/api/v1/datasets"
TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
RATING = {"rating": 4, "assessed_on": "2025-03-01", "method": "Checked against source records."}


@pytest.fixture
def entry(token) -> str:
    """The path of a published entry, rated for completeness, that the token's user may change."""
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.slug == "department-for-transport")
    )
    dataset = create_dataset(
        organisation=organisation, title="Reported road casualties", quality={"completeness": RATING}
    )
    return f"{DATASETS}/{dataset.id}"


# Lifecycle -------------------------------------------------------------------------------------


def test_an_entry_cannot_be_created_withdrawn(client, token):
    refused(
        client,
        "POST",
        DATASETS,
        status=422,
        fields=("status",),
        token=token,
        json=valid_entry(status="withdrawn"),
    )


def test_a_draft_cannot_be_withdrawn_and_a_published_entry_cannot_go_back_to_draft(client, token, entry):
    draft = api(client, "POST", DATASETS, status=201, token=token, json=valid_entry()).headers["Location"]
    refused(client, "PATCH", draft, status=422, fields=("status",), token=token, json={"status": "withdrawn"})
    refused(client, "PATCH", entry, status=422, fields=("status",), token=token, json={"status": "draft"})
    body = valid_entry(title="Reported road casualties", status="draft")
    refused(client, "PUT", entry, status=422, fields=("status",), token=token, json=body)


# Slugs and publishers --------------------------------------------------------------------------


def test_an_explicit_slug_already_in_use_is_refused_with_409(client, token, entry):
    taken = api(client, "GET", entry, status=200).get_json()["slug"]
    body = refused(
        client, "POST", DATASETS, status=409, fields=("slug",), token=token, json=valid_entry(slug=taken)
    )
    assert taken in body["detail"]
    other = api(client, "POST", DATASETS, status=201, token=token, json=valid_entry()).headers["Location"]
    refused(client, "PATCH", other, status=409, fields=("slug",), token=token, json={"slug": taken})


def test_a_slug_an_entry_used_to_have_cannot_be_given_to_another(client, token, entry):
    api(client, "PATCH", entry, status=200, token=token, json={"slug": "road-casualties-gb"})
    retired = "reported-road-casualties"
    refused(
        client, "POST", DATASETS, status=409, fields=("slug",), token=token, json=valid_entry(slug=retired)
    )


@pytest.mark.parametrize(
    "slug",
    [
        "Road-Casualties",
        "road casualties",
        "road--casualties",
        "-road",
        "road-",
        "road_casualties",
        "",
        "r" * 101,
    ],
)
def test_a_slug_that_does_not_fit_the_pattern_is_refused(client, token, slug):
    refused(client, "POST", DATASETS, status=422, fields=("slug",), token=token, json=valid_entry(slug=slug))


def test_a_publisher_that_does_not_exist_is_refused_naming_publisher(client, token, entry):
    body = valid_entry(publisher="department-of-magic")
    problem = refused(client, "POST", DATASETS, status=422, fields=("publisher",), token=token, json=body)
    assert "department-of-magic" in problem["errors"]["publisher"][0]
    refused(
        client,
        "PATCH",
        entry,
        status=422,
        fields=("publisher",),
        token=token,
        json={"publisher": "no-such-org"},
    )


# Preconditions ---------------------------------------------------------------------------------


def test_a_write_with_a_stale_if_match_is_refused_with_412_and_the_current_etag(client, token, entry):
    etag = api(client, "GET", entry, status=200).headers["ETag"]
    api(client, "PATCH", entry, status=200, token=token, headers={"If-Match": etag}, json={"version": "2"})
    current = api(client, "GET", entry, status=200).headers["ETag"]
    assert current != etag
    stale = {"If-Match": etag}
    for method, body in (("PUT", valid_entry(title="Road casualties")), ("PATCH", {"version": "3"})):
        problem = refused(client, method, entry, status=412, token=token, headers=stale, json=body)
        # The tag the entry is served with, so a client can send it straight back as If-Match.
        assert problem["current_etag"] == current.strip('"')
        assert problem["code"] == "stale_etag"
    problem = refused(client, "PUT", f"{entry}/quality", status=412, token=token, headers=stale, json={})
    quality_etag = api(client, "GET", f"{entry}/quality", status=200).headers["ETag"]
    assert problem["current_etag"] == quality_etag.strip('"')
    refused(client, "DELETE", entry, status=412, token=token, headers=stale)
    refused(client, "PATCH", entry, status=412, token=token, headers={"If-Match": '"nonsense"'}, json={})


def test_an_entrys_etag_changes_when_its_freshness_does_and_still_allows_the_write(client, token, entry):
    etag = api(client, "GET", entry, status=200).headers["ETag"]
    freshness = api(client, "GET", entry, status=200).get_json()["freshness"]
    assert etag.strip('"').endswith("." + freshness)
    # A client that kept only the entry's tag (as the 412 body gives it) may still write with it.
    api(
        client,
        "PATCH",
        entry,
        status=200,
        token=token,
        headers={"If-Match": etag.split(".")[0] + '"'},
        json={},
    )


def test_if_match_star_and_the_current_etag_both_allow_the_write(client, token, entry):
    api(client, "PATCH", entry, status=200, token=token, headers={"If-Match": "*"}, json={"version": "2"})
    etag = api(client, "GET", entry, status=200).headers["ETag"]
    response = api(
        client, "PATCH", entry, status=200, token=token, headers={"If-Match": etag}, json={"version": "3"}
    )
    assert response.get_json()["version"] == "3"
    assert response.headers["ETag"] != etag
    etag = response.headers["ETag"]
    api(client, "PUT", f"{entry}/quality", status=200, token=token, headers={"If-Match": etag}, json={})
    etag = api(client, "GET", entry, status=200).headers["ETag"]
    api(client, "DELETE", entry, status=204, token=token, headers={"If-Match": etag})


# List parameters -------------------------------------------------------------------------------

BAD_LIST_PARAMETERS = [
    ("per_page=0", "per_page"),
    ("per_page=1000", "per_page"),
    ("per_page=101", "per_page"),
    ("per_page=abc", "per_page"),
    ("page=-1", "page"),
    ("page=0", "page"),
    ("page=1.5", "page"),
    # Results 10,001 onwards are past the window, whatever the page size.
    ("page=501&per_page=20", "page"),
    ("page=101&per_page=100", "page"),
    ("colour=red", "colour"),
    ("sort=title&sort=updated", "sort"),
    ("q=roads&q=rail", "q"),
    ("page=1&page=2", "page"),
    ("sort=popularity", "sort"),
    ("q=" + "x" * 501, "q"),
]


@pytest.mark.parametrize(
    ("query", "field"), BAD_LIST_PARAMETERS, ids=[q[:40] for q, _ in BAD_LIST_PARAMETERS]
)
def test_a_bad_list_parameter_is_refused_with_400_naming_it(client, entry, query, field):
    refused(client, "GET", f"{DATASETS}?{query}", status=400, fields=(field,))


def test_the_last_page_inside_the_result_window_is_served(client, entry):
    body = api(client, "GET", f"{DATASETS}?page=500&per_page=20", status=200).get_json()
    assert body["items"] == []
    api(client, "GET", f"{DATASETS}?page=100&per_page=100", status=200)


@pytest.mark.parametrize("query", ["theme=astrology", "theme=transport-and-infrastructure,astrology"])
def test_an_unknown_theme_filter_is_refused_with_400_naming_theme(client, entry, query):
    body = refused(client, "GET", f"{DATASETS}?{query}", status=400)
    assert [name for name in body["errors"] if name.split(".")[0] == "theme"], body
    assert "astrology" in str(body["errors"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("access_rights=PUBLIC", "access_rights"),
        ("type=spreadsheet", "type"),
        ("status=archived", "status"),
        ("licence=MIT", "licence"),
    ],
)
def test_an_unknown_term_in_another_filter_is_refused_with_400_naming_it(client, entry, query, field):
    body = refused(client, "GET", f"{DATASETS}?{query}", status=400)
    assert [name for name in body["errors"] if name.split(".")[0] == field], body


def test_an_unknown_organisation_filter_is_refused_with_400_naming_organisation(client, entry):
    # A bad query parameter is a malformed request (BadRequestError), like every other list parameter.
    body = refused(client, "GET", f"{DATASETS}?organisation=department-of-magic", status=400)
    assert [name for name in body["errors"] if name.split(".")[0] == "organisation"], body
    assert "department-of-magic" in str(body["errors"])


@pytest.mark.parametrize("query", ["page=0", "per_page=0", "per_page=101", "per_page=abc", "page=x"])
def test_a_bad_revisions_page_parameter_is_refused_with_400(client, entry, query):
    field = query.split("=")[0]
    refused(client, "GET", f"{entry}/revisions?{query}", status=400, fields=(field,))


# Missing and deleted entries -------------------------------------------------------------------


# A fixed id no entry has: collection must be the same in every process (pytest-xdist compares).
@pytest.mark.parametrize(
    "reference", ["0b5a3e0e-5c47-4f0e-9d2e-2f1c1c7a9e11", "no-such-entry", "NOT%20A%20SLUG"]
)
def test_an_entry_that_does_not_exist_is_404_for_every_method(client, token, entry, reference):
    path = f"{DATASETS}/{reference}"
    for method, kwargs in (
        ("GET", {}),
        ("PUT", {"json": valid_entry()}),
        ("PATCH", {"json": {"title": "Renamed"}}),
        ("DELETE", {}),
        ("GET", {"path": f"{path}/quality"}),
        ("PUT", {"path": f"{path}/quality", "json": {}}),
        ("GET", {"path": f"{path}/revisions"}),
    ):
        target = kwargs.pop("path", path)
        refused(client, method, target, status=404, token=token, **kwargs)


def test_a_deleted_entry_is_gone_for_get_put_patch_delete_and_quality(client, token, entry):
    api(client, "DELETE", entry, status=204, token=token)
    for method, kwargs in (
        ("GET", {}),
        ("PUT", {"json": valid_entry(title="Reported road casualties")}),
        ("PATCH", {"json": {"title": "Renamed"}}),
        ("DELETE", {}),
    ):
        problem = refused(client, method, entry, status=410, token=token, **kwargs)
        assert problem["title"] == "Gone"
    refused(client, "GET", f"{entry}/quality", status=410, token=token)
    refused(client, "PUT", f"{entry}/quality", status=410, token=token, json={"completeness": RATING})
    refused(client, "GET", entry, status=410)


# Quality ratings -------------------------------------------------------------------------------

QUALITY_VIOLATIONS = [
    ("rating 0", {"completeness": {**RATING, "rating": 0}}, "completeness.rating"),
    ("rating 6", {"completeness": {**RATING, "rating": 6}}, "completeness.rating"),
    ("rating as a string", {"completeness": {**RATING, "rating": "4"}}, "completeness.rating"),
    ("rating 4.5", {"completeness": {**RATING, "rating": 4.5}}, "completeness.rating"),
    ("rating missing", {"accuracy": {"assessed_on": "2025-03-01"}}, "accuracy.rating"),
    ("unknown dimension", {"loveliness": RATING}, "loveliness"),
    ("future assessed_on", {"timeliness": {**RATING, "assessed_on": TOMORROW}}, "timeliness.assessed_on"),
    (
        "assessed_on not ISO",
        {"timeliness": {**RATING, "assessed_on": "01/03/2025"}},
        "timeliness.assessed_on",
    ),
    (
        "action plan not a URL",
        {"validity": {**RATING, "action_plan_url": "see the wiki"}},
        "validity.action_plan_url",
    ),
    (
        "action plan ftp",
        {"validity": {**RATING, "action_plan_url": "ftp://dft.gov.uk/plan"}},
        "validity.action_plan_url",
    ),
    ("unknown rating field", {"accuracy": {**RATING, "colour": "red"}}, "accuracy.colour"),
    ("rating not an object", {"accuracy": 4}, "accuracy"),
]


@pytest.mark.parametrize(
    ("body", "field"), [case[1:] for case in QUALITY_VIOLATIONS], ids=[c[0] for c in QUALITY_VIOLATIONS]
)
def test_a_bad_quality_rating_is_refused_naming_the_dimension_and_field(client, token, entry, body, field):
    refused(client, "PUT", f"{entry}/quality", status=422, fields=(field,), token=token, json=body)


@pytest.mark.parametrize("raw", ["[]", '"good"', "4", "null"])
def test_a_quality_body_that_is_not_an_object_is_refused_with_422(client, token, entry, raw):
    refused(
        client,
        "PUT",
        f"{entry}/quality",
        status=422,
        token=token,
        data=raw,
        content_type="application/json",
    )


def test_a_quality_body_that_is_not_json_is_refused(client, token, entry):
    refused(
        client,
        "PUT",
        f"{entry}/quality",
        status=400,
        fields=("body",),
        token=token,
        data="{",
        content_type="application/json",
    )
    refused(
        client, "PUT", f"{entry}/quality", status=415, token=token, data="rating=4", content_type="text/plain"
    )


def test_bad_quality_inside_an_entry_body_is_refused_too(client, token, entry):
    refused(
        client,
        "PATCH",
        entry,
        status=422,
        fields=("quality.completeness.rating",),
        token=token,
        json={"quality": {"completeness": {**RATING, "rating": 9}}},
    )


def test_problem_documents_for_validation_list_every_field_in_the_detail(client, token):
    body = valid_entry(access_rights="PUBLIC", licence="MIT")
    response = api(client, "POST", DATASETS, status=422, token=token, json=body)
    problem = assert_problem(response, "access_rights", "licence")
    assert "access_rights" in problem["detail"] and "licence" in problem["detail"]
    assert problem["title"] == "Invalid data"


@pytest.mark.parametrize("tag", ['""', 'W/""', '"", W/""'])
def test_an_empty_entity_tag_in_if_match_matches_nothing_and_gets_412(client, token, entry, tag):
    problem = refused(client, "PATCH", entry, status=412, token=token, headers={"If-Match": tag}, json={})
    assert problem["code"] == "stale_etag"
    refused(client, "DELETE", entry, status=412, token=token, headers={"If-Match": tag})
