"""Relevance, judged: queries as people type them over the seed catalogue, each with the entry a
person would want in the top three; and the visibility rules that every search obeys."""

from __future__ import annotations

import pytest

from tests.factories import create_dataset, create_organisation
from tests.search.searching import rank_of, ranked, search, slugs

ROAD_CASUALTIES = "reported-road-casualties-great-britain-stats19"
SCHOOL_CENSUS = "schools-pupils-and-their-characteristics-school-census"

JUDGED = [
    # plural and singular
    pytest.param("road casualties", ROAD_CASUALTIES, id="plural"),
    pytest.param("road casualty", ROAD_CASUALTIES, id="singular"),
    pytest.param("school", SCHOOL_CENSUS, id="singular-of-schools"),
    pytest.param("bus", "bus-statistics-local-bus-passenger-journeys-vehicle-miles-and-fares", id="bus"),
    pytest.param("homeless", "statutory-homelessness-in-england", id="homeless-for-homelessness"),
    pytest.param("exclusion", "suspensions-and-permanent-exclusions-in-england", id="exclusion"),
    # a department's name or abbreviation
    pytest.param("DfT road safety", ROAD_CASUALTIES, id="dft-abbreviation"),
    pytest.param(
        "Department for Transport buses",
        "bus-statistics-local-bus-passenger-journeys-vehicle-miles-and-fares",
        id="department-name",
    ),
    pytest.param(
        "Home Office crime", "police-recorded-crime-and-outcomes-open-data-tables", id="home-office"
    ),
    pytest.param("ONS population", "population-estimates-for-england-and-wales-mid-year", id="ons"),
    pytest.param("HMRC VAT", "value-added-tax-vat-annual-statistics", id="hmrc"),
    pytest.param("Defra air pollution", "emissions-of-air-pollutants-in-the-uk", id="defra"),
    pytest.param("DWP universal credit", "universal-credit-statistics", id="dwp"),
    pytest.param("Met Office rainfall", "midas-open-uk-land-surface-station-data", id="met-office"),
    pytest.param("land registry house prices", "price-paid-data", id="land-registry"),
    pytest.param("Office for National Statistics inflation", "consumer-price-inflation", id="ons-name"),
    # a word that is not in the title
    pytest.param("bird flu", "avian-influenza-confirmed-findings-in-great-britain", id="bird-flu"),
    pytest.param("sewage spills", "event-duration-monitoring-storm-overflow-annual-returns", id="sewage"),
    pytest.param("petrol prices", "weekly-road-fuel-prices", id="petrol"),
    pytest.param("trees", "national-forest-inventory-woodland-map-england", id="trees"),
    pytest.param("MMR", "childhood-vaccination-coverage-statistics-cover", id="mmr"),
    pytest.param("sea level rise", "uk-climate-projections-ukcp18", id="sea-level"),
    pytest.param("onshore wind", "renewable-energy-planning-database-repd", id="onshore-wind"),
    pytest.param("NHS waiting list", "referral-to-treatment-rtt-waiting-times", id="waiting-list"),
    pytest.param("electric vehicles", "vehicle-licensing-statistics", id="electric-vehicles"),
    pytest.param("hospital admissions", "a-e-attendances-and-emergency-admissions", id="hospital-admissions"),
    # another name the entry goes by (its alternative titles), and an acronym
    pytest.param("road accidents", ROAD_CASUALTIES, id="alternative-title"),
    # the NHS's own name for it
    pytest.param("A&E", "a-e-attendances-and-emergency-admissions", id="a-and-e"),
    # phrases
    pytest.param('"house price index"', "uk-house-price-index", id="phrase"),
    pytest.param('"stop and search"', "police-api-data-police-uk", id="phrase-with-stop-word"),
    pytest.param('"emergency admissions"', "a-e-attendances-and-emergency-admissions", id="phrase-2"),
    pytest.param(
        '"road traffic" counts',
        "road-traffic-statistics-count-point-and-annual-average-daily-flow-aadf-data",
        id="phrase-and-word",
    ),
    # exclusions and OR
    pytest.param("flood -warnings", "risk-of-flooding-from-rivers-and-sea", id="exclusion-flood"),
    pytest.param("gcse -ofqual", "key-stage-4-performance", id="exclusion-gcse"),
    pytest.param("prison OR probation", "offender-management-statistics-prison-population", id="or"),
    pytest.param("sanctions OR tariffs", "uk-sanctions-list", id="or-left"),
    pytest.param("sanctions OR tariffs", "uk-global-tariff", id="or-right"),
    # mixed case and extra spaces
    pytest.param("FLOOD Warnings", "flood-warning-areas", id="mixed-case"),
    pytest.param("Fuel Poverty", "fuel-poverty-statistics", id="title-case"),
    pytest.param("gcse RESULTS", "gcse-outcomes-by-subject-and-grade", id="shouting"),
    pytest.param("  school   census  ", SCHOOL_CENSUS, id="extra-spaces"),
    pytest.param("cancer   waiting times ", "cancer-waiting-times", id="extra-spaces-2"),
]


@pytest.mark.parametrize(("query", "expected"), JUDGED)
def test_the_entry_people_want_is_in_the_top_three(seeded, query, expected):
    ranking = ranked(seeded.client, query)
    assert expected in ranking[:3], f"{query!r}: {expected} came {rank_of(expected, ranking)}: {ranking[:5]}"


# Entries shared within government: judged as a signed-in civil servant sees the catalogue.
JUDGED_SIGNED_IN = [
    pytest.param("NPS", "national-polygon-service", id="acronym-alternative-title"),
    pytest.param("Land Registry NPS", "national-polygon-service", id="acronym-with-publisher"),
    pytest.param("HMLR-NPS", "national-polygon-service", id="identifier"),
    pytest.param("HES", "hospital-episode-statistics-hes", id="acronym-in-title"),
    pytest.param(
        "elective waiting list", "referral-to-treatment-rtt-waiting-times", id="alternative-title-2"
    ),
]


@pytest.mark.parametrize(("query", "expected"), JUDGED_SIGNED_IN)
def test_signed_in_the_entry_people_want_is_in_the_top_three(seeded, query, expected):
    ranking = ranked(seeded.client, query, token=seeded.reader)
    assert expected in ranking[:3], f"{query!r}: {expected} came {rank_of(expected, ranking)}: {ranking[:5]}"


MISSPELT = [
    (
        "unemploymnt",
        "unemployment",
        "labour-market-statistics-employment-unemployment-and-economic-inactivity",
    ),
    ("homelesness", "homelessness", "statutory-homelessness-in-england"),
    ("vacination", "vaccination", "childhood-vaccination-coverage-statistics-cover"),
    ("casualites", "casualties", ROAD_CASUALTIES),
    ("polution", "pollution", "emissions-of-air-pollutants-in-the-uk"),
    ("pupil absense", "pupil absence", "pupil-absence-in-schools-in-england"),
]


@pytest.mark.parametrize(("typed", "meant", "expected"), MISSPELT, ids=[m[0] for m in MISSPELT])
def test_a_misspelling_suggests_the_right_word_and_the_suggestion_finds_the_entry(
    seeded, typed, meant, expected
):
    body = search(seeded.client, typed)
    assert body["suggestion"] == meant, f"{typed!r}: suggested {body['suggestion']!r}"
    ranking = ranked(seeded.client, body["suggestion"])
    assert expected in ranking[:3], f"{meant!r}: {expected} came {rank_of(expected, ranking)}: {ranking[:5]}"


@pytest.mark.parametrize("query", ["DfT road safety", "DWP universal credit", "ONS API"])
def test_a_suggestion_never_replaces_a_word_the_catalogue_knows(seeded, query):
    # Department abbreviations are catalogue words (they are searched and they match): offering
    # "did you mean data road safety" for "DfT road safety" would send people away from the answer.
    body = search(seeded.client, query)
    assert body["total"] >= 1
    suggestion = body["suggestion"]
    kept = suggestion is None or query.split()[0].lower() in suggestion.lower().split()
    assert kept, f"{query!r} ({body['total']} found): did you mean {suggestion!r}?"


def test_case_and_spacing_do_not_change_the_results(seeded):
    for typed, plain in (
        ("FLOOD Warnings", "flood warnings"),
        ("  school   census  ", "school census"),
        ("Road\tCasualties", "road casualties"),
    ):
        assert ranked(seeded.client, typed) == ranked(seeded.client, plain), typed


def test_an_excluded_word_removes_every_entry_that_contains_it(seeded):
    flood = ranked(seeded.client, "flood")
    without = ranked(seeded.client, "flood -warnings")
    assert {"flood-warning-areas", "real-time-flood-monitoring-api"} <= set(flood)
    assert without and set(without) < set(flood)
    assert "flood-warning-areas" not in without and "real-time-flood-monitoring-api" not in without
    assert "gcse-outcomes-by-subject-and-grade" not in ranked(seeded.client, "gcse -ofqual")


def test_or_finds_the_entries_of_either_side_and_no_others(seeded):
    either = search(seeded.client, "sanctions OR tariffs", per_page=100)
    sides = set(ranked(seeded.client, "sanctions")) | set(ranked(seeded.client, "tariffs"))
    assert set(slugs(either)) == sides and either["total"] == len(sides)


def test_a_phrase_needs_its_words_together_and_in_order(seeded):
    assert "uk-house-price-index" in ranked(seeded.client, '"house price index"')
    assert "uk-house-price-index" in ranked(seeded.client, "index price house")
    assert "uk-house-price-index" not in ranked(seeded.client, '"index price house"')
    assert ranked(seeded.client, '"road traffic"') != ranked(seeded.client, "road traffic")


DESCRIPTIONS_MENTIONING_OTTERS = {
    "once": "Counts of otter spraint along the river banks of England, by month.",
    "three-times": "Counts of otter spraint along river banks. Otter holts are surveyed each spring, "
    "and otter road deaths are recorded.",
    "six-times": "Otter spraint, otter holts and otter sightings: otter, otter, otter.",
}


@pytest.mark.parametrize(
    "description", DESCRIPTIONS_MENTIONING_OTTERS.values(), ids=DESCRIPTIONS_MENTIONING_OTTERS
)
def test_a_title_match_outranks_a_description_only_match(client, runner, description):
    organisation = create_organisation(slug="natural-england", title="Natural England", abbreviation="NE")
    common = {"summary": None, "keywords": [], "distributions": []}
    # The description-only match is the more recently updated, so only relevance puts the title first.
    create_dataset(
        organisation=organisation,
        title="River survey",
        description=description,
        modified="2025-10-01",
        **common,
    )
    create_dataset(
        organisation=organisation,
        title="Otter sightings",
        description="Records from volunteers along every river in England.",
        modified="2020-01-01",
        **common,
    )
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    for query in ("otter", "otters", "Otter"):
        assert [item["title"] for item in search(client, query)["items"]] == [
            "Otter sightings",
            "River survey",
        ]


def found(seeded, q: str, token: str | None = None, **params) -> list[str]:
    return slugs(search(seeded.client, q, token=token, per_page=100, **params))


def test_withdrawn_and_draft_entries_never_appear_in_search(seeded):
    hidden = seeded.where(status="withdrawn") + seeded.where(status="draft")
    assert len(seeded.where(status="withdrawn")) >= 4 and len(seeded.where(status="draft")) >= 4
    leaks = [
        (entry.slug, who)
        for entry in hidden
        for who, token in (("anonymous", None), ("reader", seeded.reader), ("publisher", seeded.publisher))
        if entry.slug in found(seeded, entry.title, token)
    ]
    assert leaks == []
    # Words found only in withdrawn entries find nothing.
    for word in ("furlough", "chargepoints"):
        assert search(seeded.client, word, token=seeded.reader)["total"] == 0, word
    assert "ofsi-consolidated-list-of-financial-sanctions-targets" not in ranked(
        seeded.client, "sanctions", token=seeded.reader
    )


def test_anonymous_callers_find_only_published_open_entries(seeded):
    visible = {e.slug for e in seeded.where(status="published", access_rights="OPEN")}
    items = []
    for page in (1, 2):
        body = search(seeded.client, per_page=100, page=page)
        assert body["total"] == len(visible)
        items += body["items"]
    assert sorted(item["slug"] for item in items) == sorted(visible)
    assert {(item["status"], item["access_rights"]) for item in items} == {("published", "OPEN")}


def test_entries_that_are_not_open_are_found_only_with_a_token(seeded):
    closed = [e for e in seeded.where(status="published") if e.access_rights != "OPEN"]
    assert {e.access_rights for e in closed} == {"INTERNAL", "RESTRICTED", "COMMERCIAL"}
    leaked = [e.slug for e in closed if e.slug in found(seeded, e.title)]
    assert leaked == []
    missed = {}
    for entry in closed:
        ranking = found(seeded, entry.title, seeded.reader)
        if entry.slug not in ranking[:3]:
            missed[entry.slug] = rank_of(entry.slug, ranking)
    assert missed == {}
    weather = ranked(seeded.client, "weather forecasts", token=seeded.reader)
    assert "met-office-weather-datahub-site-specific-forecast-api" in weather[:3]
    # Signed out, no entry it may see holds both words: it is offered open ones holding one.
    signed_out = search(seeded.client, "weather forecasts", per_page=100)
    assert signed_out["all_words"] is False
    assert "met-office-weather-datahub-site-specific-forecast-api" not in slugs(signed_out)
    assert {item["access_rights"] for item in signed_out["items"]} == {"OPEN"}


def test_a_publisher_finds_its_own_drafts_only_when_asking_for_them(seeded):
    draft = "pupil-level-daily-attendance-data"
    query = "daily attendance"
    assert draft not in ranked(seeded.client, query, token=seeded.publisher)
    assert draft in found(seeded, query, seeded.publisher, status="draft")
    assert draft not in found(seeded, query, seeded.reader, status="draft")
    other_drafts = {
        e.slug for e in seeded.where(status="draft") if e.organisation != "department-for-education"
    }
    listed = set(slugs(search(seeded.client, token=seeded.publisher, status="draft", per_page=100)))
    assert draft in listed and not listed & other_drafts
