"""GET /api/v1/quality/summary: the quality report's figures as JSON, counting only what the
caller may see, and equal to what the /quality page shows."""

from __future__ import annotations

import pytest

from tests.factories import create_organisation, create_token, create_user
from tests.helpers import api
from tests.web.quality import build_quality_catalogue

PATH = "/api/v1/quality/summary"


# The catalogue of the /quality page's tests (tests/web), so that the figures can be held equal.
@pytest.fixture
def dft(app):
    return create_organisation(email_domains=["dft.gov.uk"])


@pytest.fixture
def home_office(app):
    return create_organisation(
        slug="home-office", title="Home Office", abbreviation="HO", email_domains=["homeoffice.gov.uk"]
    )


@pytest.fixture
def catalogue(dft, home_office) -> None:
    build_quality_catalogue(dft, home_office)


def test_anonymous_callers_get_the_figures_of_open_published_entries(catalogue, client):
    body = api(client, "GET", PATH, status=200).get_json()
    assert body == {
        "organisations": [
            {
                "slug": "department-for-transport",
                "title": "Department for Transport",
                "entries": 3,
                "bands": {"excellent": 1, "good": 1, "sufficient": 0, "bad": 1, "unscored": 0},
                "freshness": {"fresh": 1, "due": 1, "overdue": 1, "unknown": 0},
                "declared": 1,
                "declared_share": 0.3333,
                "good_or_better_share": 0.6667,
            },
            {
                "slug": "home-office",
                "title": "Home Office",
                "entries": 1,
                "bands": {"excellent": 0, "good": 1, "sufficient": 0, "bad": 0, "unscored": 0},
                "freshness": {"fresh": 1, "due": 0, "overdue": 0, "unknown": 0},
                "declared": 1,
                "declared_share": 1.0,
                "good_or_better_share": 1.0,
            },
        ],
        "totals": {
            "entries": 4,
            "bands": {"excellent": 1, "good": 2, "sufficient": 0, "bad": 1, "unscored": 0},
            "freshness": {"fresh": 2, "due": 1, "overdue": 1, "unknown": 0},
            "declared": 2,
            "declared_share": 0.5,
            "good_or_better_share": 0.75,
        },
    }


def test_a_token_counts_every_published_entry_and_entries_not_yet_scored_are_named(
    catalogue,
    client,
    dft,
):
    token = create_token(user=create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",)))
    body = api(client, "GET", PATH, status=200, token=token).get_json()
    assert [o["entries"] for o in body["organisations"]] == [4, 2]
    assert body["totals"]["bands"] == {"excellent": 1, "good": 2, "sufficient": 1, "bad": 1, "unscored": 1}
    assert body["totals"]["freshness"] == {"fresh": 2, "due": 2, "overdue": 1, "unknown": 1}
    # Drafts and withdrawn entries are not counted, even for their own publishers.
    assert body["totals"]["entries"] == 6


def test_an_empty_catalogue_has_no_organisations_and_zero_totals(app, client):
    body = api(client, "GET", PATH, status=200).get_json()
    assert body["organisations"] == []
    assert body["totals"]["entries"] == 0 and body["totals"]["declared_share"] == 0.0


def test_unknown_query_parameters_are_ignored_and_writes_are_refused(catalogue, client):
    plain = api(client, "GET", PATH, status=200).get_json()
    assert api(client, "GET", PATH + "?organisation=nobody&page=-1", status=200).get_json() == plain
    api(client, "POST", PATH, status=405, json={})


def test_a_nul_character_in_the_query_is_refused_as_everywhere_else(app, client):
    api(client, "GET", PATH + "?x=%00", status=400)


def test_a_bad_token_is_refused(app, client):
    api(client, "GET", PATH, status=401, token="not-a-token")


def test_the_summary_has_an_etag_and_answers_304_when_unchanged(catalogue, client):
    first = api(client, "GET", PATH, status=200)
    api(client, "GET", PATH, status=304, headers={"If-None-Match": first.headers["ETag"]})
