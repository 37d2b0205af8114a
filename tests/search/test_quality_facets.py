"""Searching by metadata quality and freshness: the `quality` (band) and `freshness` facets,
filters and `sort=quality`, from the index and from the database alone, which must agree.

The computed columns are set here directly (then indexed), so these tests depend on the search
and not on the scoring rules; freshness is judged on the day asked for, never stored.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.queries.datasets import DatasetFilters, filtered_select
from marketplace.rules.actors import Actor
from marketplace.rules.freshness import FRESHNESS_STATES, freshness_state
from marketplace.search import Audience, SearchRequest, index_root, search_entries
from marketplace.search.facets import FRESHNESS, FacetArrays, freshness_states
from marketplace.search.store import FORMAT_FILE, POINTER
from tests.factories import create_dataset, create_organisation, create_token, create_user
from tests.helpers import api, assert_problem
from tests.search.searching import DATASETS, search, slugs

TODAY = date.today()
FRESH = (TODAY + timedelta(days=10), TODAY + timedelta(days=20))
DUE = (TODAY - timedelta(days=5), TODAY + timedelta(days=5))
OVERDUE = (TODAY - timedelta(days=30), TODAY - timedelta(days=10))
UNKNOWN = (None, None)

# slug -> (band, score, (fresh_until, overdue_after)); by score, then date: the quality order.
QUALITY = {
    "road-casualties": ("excellent", 380, FRESH),
    "rail-passenger-numbers": ("good", 300, DUE),
    "school-census": ("good", 300, OVERDUE),
    "road-safety-lessons": ("sufficient", 150, UNKNOWN),
    "bus-fares": ("bad", 50, FRESH),
    "cycle-counts": (None, None, UNKNOWN),
    "bathing-water-quality": ("excellent", 400, FRESH),  # INTERNAL
    "road-building-plans": ("excellent", 405, FRESH),  # a draft
}
ANONYMOUS_BY_QUALITY = [
    "road-casualties",
    "rail-passenger-numbers",  # 300, modified 2025-06-01
    "school-census",  # 300, modified 2025-03-01
    "road-safety-lessons",
    "bus-fares",
    "cycle-counts",  # no score: last
]


def set_quality(slug: str, band: str | None, score: int | None, dates: tuple) -> None:
    db.session.execute(
        update(Dataset)
        .where(Dataset.slug == slug)
        .values(metadata_band=band, metadata_score=score, fresh_until=dates[0], overdue_after=dates[1])
    )


@pytest.fixture
def catalogue(app) -> None:
    """Six published OPEN entries, one INTERNAL and a draft, over two departments."""
    dft = create_organisation()
    dfe = create_organisation(
        slug="department-for-education", title="Department for Education", abbreviation="DfE"
    )
    for organisation, title, modified, extra in (
        (dft, "Road casualties", "2025-09-01", {}),
        (dft, "Rail passenger numbers", "2025-06-01", {}),
        (dfe, "School census", "2025-03-01", {}),
        (dfe, "Road safety lessons", "2025-07-01", {}),
        (dft, "Bus fares", "2025-05-01", {}),
        (dft, "Cycle counts", "2025-04-01", {}),
        (dfe, "Bathing water quality", "2025-08-01", {"access_rights": "INTERNAL"}),
        (dft, "Road building plans", "2025-10-01", {"status": "draft"}),
    ):
        create_dataset(
            organisation=organisation,
            title=title,
            modified=modified,
            summary=None,
            description="Figures.",
            keywords=[],
            **{"status": "published", **extra},
        )
    for slug, values in QUALITY.items():
        set_quality(slug, *values)
    db.session.commit()


@pytest.fixture
def reader(catalogue) -> str:
    return create_token(user=create_user(email="carol@cabinetoffice.gov.uk", roles=()))


def reindex(runner) -> None:
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def indexed(catalogue, runner) -> None:
    reindex(runner)


def counts(body: dict, facet: str) -> dict[str, int]:
    return {f["value"]: f["count"] for f in body["facets"][facet]}


# Facets ----------------------------------------------------------------------------------------


def test_quality_and_freshness_facets_count_only_what_the_caller_may_list(client, indexed, reader):
    anonymous = search(client)
    assert counts(anonymous, "quality") == {"excellent": 1, "good": 2, "sufficient": 1, "bad": 1}
    assert counts(anonymous, "freshness") == {"fresh": 2, "due": 1, "overdue": 1, "unknown": 2}
    labels = {f["value"]: f["label"] for f in anonymous["facets"]["freshness"]}
    assert labels == {
        "fresh": "Up to date",
        "due": "Update due",
        "overdue": "Overdue",
        "unknown": "Not known",
    }
    assert {f["value"]: f["label"] for f in anonymous["facets"]["quality"]}["sufficient"] == "Sufficient"
    # The INTERNAL entry counts for a signed-in reader; the draft for nobody who did not ask for it.
    signed_in = search(client, token=reader)
    assert counts(signed_in, "quality")["excellent"] == 2
    assert counts(signed_in, "freshness")["fresh"] == 3


def test_each_quality_and_freshness_count_is_the_total_that_choosing_it_gives(client, indexed, reader):
    for token in (None, reader):
        for q in (None, "road"):
            body = search(client, q, token=token)
            for name in ("quality", "freshness"):
                for value, count in counts(body, name).items():
                    chosen = search(client, q, token=token, **{name: value})
                    assert chosen["total"] == count, (token, q, name, value)


def test_quality_and_freshness_count_as_if_their_own_selection_were_cleared(client, indexed):
    everything = search(client)
    good = search(client, quality="good")
    assert counts(good, "quality") == counts(everything, "quality")
    assert counts(good, "freshness") == {"due": 1, "overdue": 1}
    assert counts(good, "organisation") == {"department-for-transport": 1, "department-for-education": 1}
    good_and_due = search(client, quality="good", freshness="fresh,due")
    assert counts(good_and_due, "freshness") == counts(good, "freshness")
    # Bands count among the fresh and due entries: Road casualties, Bus fares, Rail passenger numbers.
    assert counts(good_and_due, "quality") == {"excellent": 1, "good": 1, "bad": 1}
    assert slugs(good_and_due) == ["rail-passenger-numbers"]


# Filters ---------------------------------------------------------------------------------------

FILTERS = [
    ({"quality": "excellent"}, {"road-casualties"}),
    ({"quality": "good"}, {"rail-passenger-numbers", "school-census"}),
    ({"quality": "sufficient"}, {"road-safety-lessons"}),
    ({"quality": "bad"}, {"bus-fares"}),
    ({"quality": "excellent,bad"}, {"road-casualties", "bus-fares"}),
    ({"quality": "Good"}, {"rail-passenger-numbers", "school-census"}),  # a label, any case
    ({"freshness": "fresh"}, {"road-casualties", "bus-fares"}),
    ({"freshness": "due"}, {"rail-passenger-numbers"}),
    ({"freshness": "overdue"}, {"school-census"}),
    ({"freshness": "unknown"}, {"road-safety-lessons", "cycle-counts"}),
    ({"freshness": ["due", "overdue"]}, {"rail-passenger-numbers", "school-census"}),
    ({"quality": "good", "freshness": "overdue"}, {"school-census"}),
    ({"quality": "excellent", "freshness": "overdue"}, set()),
    (
        {"quality": "good,sufficient", "organisation": "department-for-education"},
        {"school-census", "road-safety-lessons"},
    ),
    ({"freshness": "fresh", "organisation": "department-for-transport"}, {"road-casualties", "bus-fares"}),
    ({"freshness": "unknown", "q": "road"}, {"road-safety-lessons"}),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_filters_by_band_and_freshness_from_the_index_and_the_database(
    client, catalogue, runner, params, expected
):
    from_database = search(client, per_page=100, **params)
    assert from_database["facets"] is None
    reindex(runner)
    from_index = search(client, per_page=100, **params)
    assert from_index["facets"] is not None
    assert set(slugs(from_index)) == set(slugs(from_database)) == expected
    assert from_index["total"] == from_database["total"] == len(expected)


def test_the_internal_entry_and_the_draft_are_never_found_by_quality_for_anonymous_callers(
    client, indexed, reader
):
    assert "bathing-water-quality" not in slugs(search(client, quality="excellent", per_page=100))
    assert "bathing-water-quality" in slugs(search(client, quality="excellent", token=reader))
    assert "road-building-plans" not in slugs(search(client, quality="excellent", token=reader))
    assert search(client, freshness="fresh", status="draft")["total"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"quality": "great"}, "quality"),
        ({"quality": "good,best"}, "quality"),
        ({"freshness": "stale"}, "freshness"),
        ({"sort": "score"}, "sort"),
    ],
)
def test_unknown_bands_states_or_sorts_are_400_naming_the_parameter(client, indexed, params, field):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    body = assert_problem(api(client, "GET", f"{DATASETS}?{query}", status=400))
    assert [name for name in body["errors"] if name.split(".")[0] == field], body


# Sorting ---------------------------------------------------------------------------------------


def test_sort_by_quality_puts_the_highest_score_first_then_the_most_recently_updated(
    client, catalogue, runner
):
    from_database = slugs(search(client, sort="quality", per_page=100))
    reindex(runner)
    from_index = slugs(search(client, sort="quality", per_page=100))
    assert from_index == from_database == ANONYMOUS_BY_QUALITY
    # With words, and filtered: the same order among what matches.
    assert slugs(search(client, "road", sort="quality")) == ["road-casualties", "road-safety-lessons"]
    assert slugs(search(client, sort="quality", freshness="fresh,unknown")) == [
        "road-casualties",
        "road-safety-lessons",
        "bus-fares",
        "cycle-counts",
    ]


# Freshness is judged on the day ----------------------------------------------------------------


def test_freshness_moves_from_fresh_to_due_to_overdue_as_the_days_pass_without_reindexing(
    app, catalogue, runner
):
    reindex(runner)
    fresh_until, overdue_after = FRESH

    def state_in_index(today: date) -> str:
        hits = search_entries(index_root(), Audience(), SearchRequest(q="casualties", today=today))
        (state,) = (s for s, n in hits.facets["freshness"].items() if n)
        return state

    def state_in_database(today: date) -> str:
        found = [
            state
            for state in FRESHNESS
            if db.session.scalar(
                filtered_select(
                    Actor.anonymous(), DatasetFilters(q="casualties", freshness=[state], today=today)
                ).with_only_columns(Dataset.slug)
            )
        ]
        (state,) = found
        return state

    days = {
        TODAY: "fresh",
        fresh_until: "fresh",
        fresh_until + timedelta(days=1): "due",
        overdue_after: "due",
        overdue_after + timedelta(days=1): "overdue",
        overdue_after + timedelta(days=400): "overdue",
    }
    for today, expected in days.items():
        assert state_in_index(today) == state_in_database(today) == expected, today
        assert freshness_state(fresh_until, overdue_after, today) == expected
    # A filter follows the day too.
    later = SearchRequest(filters={"freshness": ["overdue"]}, today=overdue_after + timedelta(days=1))
    overdue = search_entries(index_root(), Audience(), later)
    assert overdue.total == 4  # every visible entry with dates: all are past them now


def test_the_index_judges_freshness_by_the_same_rule_as_the_service():
    assert tuple(FRESHNESS_STATES) == FRESHNESS
    start = date(2026, 1, 10)
    pairs = [(None, None), (start, None), (None, start)] + [
        (start, start + timedelta(days=grace)) for grace in (0, 1, 7)
    ]
    fresh_until = np.array([a.toordinal() if a else 0 for a, _ in pairs], dtype=np.int64)
    overdue_after = np.array([b.toordinal() if b else 0 for _, b in pairs], dtype=np.int64)
    size = len(pairs)
    arrays = FacetArrays(
        np.arange(size),
        np.ones(size, dtype=bool),
        {},
        np.zeros(size, np.int64),
        np.arange(size),
        np.zeros(size, np.int64),
        fresh_until,
        overdue_after,
    )
    for offset in range(-2, 10):
        today = start + timedelta(days=offset)
        states = freshness_states(arrays, today)
        got = [states.values[i] for i in states.ords]
        assert got == [freshness_state(a, b, today) for a, b in pairs], today


# The index format ------------------------------------------------------------------------------


def test_an_index_of_an_older_format_is_not_used_and_search_sync_rebuilds_it(app, client, indexed, runner):
    root = Path(app.config["SEARCH_INDEX_DIR"])
    generation = root / (root / POINTER).read_text().strip()
    (generation / FORMAT_FILE).unlink()  # as an index written before quality was indexed
    fallback = search(client, quality="good")
    assert fallback["facets"] is None and fallback["total"] == 2
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    rebuilt = search(client, quality="good")
    assert rebuilt["facets"] is not None and rebuilt["total"] == 2
    assert (root / POINTER).read_text().strip() != generation.name


def test_each_entry_is_indexed_with_its_stored_band_and_score(app, indexed):
    hits = search_entries(index_root(), Audience(signed_in=True), SearchRequest(sort="quality", per_page=100))
    stored = dict(db.session.execute(select(Dataset.id, Dataset.metadata_score)).all())
    scores = [stored[uuid.UUID(i)] for i in hits.ids]
    assert scores == sorted(scores, key=lambda s: -1 if s is None else s, reverse=True)


# The find page -------------------------------------------------------------------------------


def test_the_find_page_filters_by_quality_and_freshness_and_sorts_by_quality(client, indexed):
    response = client.get("/datasets?quality=good&sort=quality")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for legend in ("Metadata quality", "Freshness"):
        assert re.search(rf"<legend[^>]*>\s*{legend}\s*</legend>", page), legend
    assert re.search(r'name="quality" type="checkbox" value="good" checked', page)
    assert "Good (2)" in page and "Overdue (1)" in page and "Update due (1)" in page
    assert re.search(r'<option value="quality" selected>\s*Metadata quality\s*</option>', page)
    assert page.index("Rail passenger numbers") < page.index("School census")
    refused = client.get("/datasets?freshness=stale")
    assert refused.status_code == 400 and "Freshness: " in refused.get_data(as_text=True)
