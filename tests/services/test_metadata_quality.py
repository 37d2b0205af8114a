"""Computed metadata quality (after data.europa.eu's MQA): every indicator's points and fix,
the bands, share-based scoring of distributions, reachability from stored link checks, and
recomputation whenever an entry changes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset, DatasetKeyword, DatasetTheme, Distribution, LinkCheck, OutboxEntry
from marketplace.models.types import utcnow
from marketplace.rules.quality import ADD_DISTRIBUTION, BANDS, DIMENSIONS, assess, band_for
from marketplace.seeding.load import load_seed
from marketplace.services.metadata_quality import recompute_all
from tests.factories import OGL, create_organisation, valid_entry
from tests.helpers import api

CSV_URL = "https://data.example.gov.uk/roads.csv"
PAGE_URL = "https://www.example.gov.uk/roads"
API_URL = "https://api.example.gov.uk/v1"
DATASETS = "/api/v1/datasets"

# indicator -> (dimension, points): REFERENCE §B.
POINTS = {
    "keywords": ("findability", 30),
    "themes": ("findability", 30),
    "spatial": ("findability", 20),
    "temporal": ("findability", 20),
    "access_url_reachable": ("accessibility", 50),
    "download_url": ("accessibility", 20),
    "download_url_reachable": ("accessibility", 30),
    "format": ("interoperability", 20),
    "media_type": ("interoperability", 10),
    "format_vocabulary": ("interoperability", 10),
    "non_proprietary": ("interoperability", 20),
    "machine_readable": ("interoperability", 20),
    "dcat_ap_compliance": ("interoperability", 30),
    "licence": ("reusability", 20),
    "licence_vocabulary": ("reusability", 10),
    "access_rights": ("reusability", 10),
    "access_rights_vocabulary": ("reusability", 5),
    "contact_point": ("reusability", 20),
    "publisher": ("reusability", 10),
    "rights": ("contextuality", 5),
    "byte_size": ("contextuality", 5),
    "issued": ("contextuality", 5),
    "modified": ("contextuality", 5),
}


def checked(
    url: str, *, ok: bool = True, status_code: int | None = 200, error: str | None = None
) -> LinkCheck:
    return LinkCheck(
        url=url,
        ok=ok,
        status_code=status_code,
        error=error,
        checked_at=datetime(2026, 11, 3, 2, 0, tzinfo=UTC),
        elapsed_ms=120,
    )


ALL_OK = {CSV_URL: checked(CSV_URL), PAGE_URL: checked(PAGE_URL), API_URL: checked(API_URL)}


def a_file(title: str = "Roads 2024", **overrides) -> Distribution:
    fields = {
        "title": title,
        "access_url": PAGE_URL,
        "download_url": CSV_URL,
        "media_type": "text/csv",
        "format": "CSV",
        "byte_size": 1024,
        "licence": OGL,
        "issued": date(2025, 1, 1),
        "modified": date(2025, 6, 1),
    }
    fields.update(overrides)
    return Distribution(**fields)


def perfect_entry(**overrides) -> Dataset:
    """An entry (not stored) that passes every indicator when its links are checked and work."""
    fields = {
        "type": "dataset",
        "title": "Road traffic counts",
        "description": "Counts of vehicles.",
        "organisation_id": uuid.uuid4(),
        "contact_name": "Roads team",
        "contact_email": "roads@dft.gov.uk",
        "access_rights": "OPEN",
        "security_classification": "OFFICIAL",
        "licence": OGL,
        "modified": date(2025, 6, 1),
        "issued": date(2020, 1, 1),
        "update_frequency": "annual",
        "spatial_coverage": "England",
        "temporal_start": date(2000, 1, 1),
        "temporal_end": None,
        "keywords": [DatasetKeyword(keyword="traffic")],
        "themes": [DatasetTheme(theme="transport-and-infrastructure")],
        "distributions": [a_file()],
    }
    fields.update(overrides)
    return Dataset(**fields)


def perfect_service(**overrides) -> Dataset:
    fields = {
        "type": "data_service",
        "endpoint_url": API_URL,
        "endpoint_description": "https://api.example.gov.uk/openapi.json",
        "service_type": "REST",
        "service_status": "LIVE",
        "distributions": [],
    }
    fields.update(overrides)
    return perfect_entry(**fields)


def indicator(assessment, name: str) -> dict:
    return next(i for i in assessment.indicators if i["indicator"] == name)


def test_the_indicators_and_their_points_are_the_mqa_s() -> None:
    assessment = assess(perfect_entry(), ALL_OK)

    got = {i["indicator"]: (i["dimension"], i["max_points"]) for i in assessment.indicators}
    assert got == POINTS
    assert sum(points for _, points in POINTS.values()) == 405
    assert list(assessment.dimensions) == list(DIMENSIONS)


def test_a_perfect_entry_scores_405_and_is_excellent_with_nothing_to_fix() -> None:
    assessment = assess(perfect_entry(), ALL_OK)

    assert assessment.score == 405
    assert assessment.band == "excellent"
    assert assessment.dimensions == {
        "findability": 100,
        "accessibility": 100,
        "interoperability": 110,
        "reusability": 75,
        "contextuality": 20,
    }
    assert assessment.fixes == []
    assert all(i["fix"] is None and i["points"] == i["max_points"] for i in assessment.indicators)
    assert all(
        set(i) == {"dimension", "indicator", "label", "points", "max_points", "fix"}
        for i in assessment.indicators
    )


# indicator -> (how to break a perfect entry, words the fix must contain)
FAILURES: dict[str, tuple[Callable[[Dataset], None], str]] = {
    "keywords": (lambda d: setattr(d, "keywords", []), "Add at least one keyword"),
    "themes": (lambda d: setattr(d, "themes", []), "Choose at least one theme"),
    "spatial": (lambda d: setattr(d, "spatial_coverage", None), "which area the data covers"),
    "temporal": (lambda d: setattr(d, "temporal_start", None), "period the data covers"),
    "download_url": (
        lambda d: setattr(d.distributions[0], "download_url", None),
        "Add a direct download link",
    ),
    "format": (lambda d: setattr(d.distributions[0], "format", None), "Give the format of “Roads 2024”"),
    "media_type": (
        lambda d: setattr(d.distributions[0], "media_type", None),
        "Give each file a media type from the IANA list, such as text/csv",
    ),
    "dcat_ap_compliance": (
        lambda d: setattr(d, "contact_name", None),
        "Fill in the fields every published entry needs: contact name",
    ),
    "access_rights_vocabulary": (
        lambda d: setattr(d, "access_rights", "PUBLIC"),
        "Choose the access rights from the list",
    ),
    "publisher": (lambda d: setattr(d, "organisation_id", None), "Set the publishing organisation"),
    "byte_size": (
        lambda d: setattr(d.distributions[0], "byte_size", None),
        "Give the size of each file in bytes",
    ),
    "issued": (lambda d: setattr(d.distributions[0], "issued", None), "first published"),
    "modified": (lambda d: setattr(d.distributions[0], "modified", None), "last updated"),
}


@pytest.mark.parametrize("name", FAILURES)
def test_each_missed_indicator_loses_its_points_and_says_how_to_fix_it(name: str) -> None:
    entry = perfect_entry()
    breaks, words = FAILURES[name]
    breaks(entry)

    assessment = assess(entry, ALL_OK)

    missed = indicator(assessment, name)
    assert missed["points"] == 0
    assert words in missed["fix"]
    assert missed["fix"] in assessment.fixes
    # With no download URL there is nothing to reach either.
    also_lost = 30 if name == "download_url" else 0
    assert assessment.score == 405 - POINTS[name][1] - also_lost


def test_a_distribution_without_its_own_licence_is_judged_with_the_entrys() -> None:
    # The form says a file's licence defaults to the entry's, so leaving it empty costs nothing.
    entry = perfect_entry()
    entry.distributions[0].licence = None
    assessment = assess(entry, ALL_OK)
    assert indicator(assessment, "rights")["points"] == indicator(assessment, "rights")["max_points"]
    assert assessment.score == 405
    assert not any("State the licence" in fix for fix in assessment.fixes)


def test_an_entry_with_no_licence_misses_the_licence_indicators_and_the_required_fields() -> None:
    entry = perfect_entry(licence=None, distributions=[a_file(licence=None)])

    assessment = assess(entry, ALL_OK)

    assert indicator(assessment, "licence")["points"] == 0
    assert indicator(assessment, "licence")["fix"] == "Choose a licence, such as the Open Government Licence"
    assert indicator(assessment, "licence_vocabulary")["points"] == 0
    assert indicator(assessment, "rights")["points"] == 0
    assert "licence" in indicator(assessment, "dcat_ap_compliance")["fix"]
    assert assessment.score == 405 - 20 - 10 - 5 - 30


def test_a_licence_outside_the_list_misses_only_the_vocabulary_indicator() -> None:
    entry = perfect_entry(distributions=[a_file(licence="Ask us")], licence=None)

    assessment = assess(entry, ALL_OK)

    assert indicator(assessment, "licence")["points"] == 20
    assert indicator(assessment, "licence_vocabulary")["points"] == 0
    assert "Choose the licence from the list" in indicator(assessment, "licence_vocabulary")["fix"]


def test_no_access_rights_misses_both_access_rights_indicators() -> None:
    assessment = assess(perfect_entry(access_rights=None), ALL_OK)

    assert indicator(assessment, "access_rights")["points"] == 0
    assert "Say who may access the data" in indicator(assessment, "access_rights")["fix"]
    assert indicator(assessment, "access_rights_vocabulary")["points"] == 0


def test_no_contact_email_misses_the_contact_point() -> None:
    assessment = assess(perfect_entry(contact_email=None), ALL_OK)

    assert indicator(assessment, "contact_point")["points"] == 0
    assert "contact point with an email address" in indicator(assessment, "contact_point")["fix"]


def test_a_pdf_is_open_but_not_machine_readable() -> None:
    entry = perfect_entry(distributions=[a_file(format="PDF", media_type="application/pdf")])

    assessment = assess(entry, ALL_OK)

    assert indicator(assessment, "non_proprietary")["points"] == 20
    assert indicator(assessment, "machine_readable")["points"] == 0
    assert indicator(assessment, "machine_readable")["fix"] == (
        "Use an open, machine-readable format such as CSV instead of PDF for “Roads 2024”"
    )


def test_a_spreadsheet_is_machine_readable_but_proprietary() -> None:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assessment = assess(perfect_entry(distributions=[a_file(format="XLSX", media_type=xlsx)]), ALL_OK)

    assert indicator(assessment, "machine_readable")["points"] == 20
    assert indicator(assessment, "non_proprietary")["points"] == 0
    assert "instead of XLSX" in indicator(assessment, "non_proprietary")["fix"]


def test_a_format_nobody_recognises_misses_the_vocabulary_and_the_format_judgements() -> None:
    entry = perfect_entry(distributions=[a_file(format="WIDGETDATA", media_type=None)])

    assessment = assess(entry, ALL_OK)

    assert indicator(assessment, "format")["points"] == 20
    assert indicator(assessment, "format_vocabulary")["points"] == 0
    assert "instead of WIDGETDATA" in indicator(assessment, "format_vocabulary")["fix"]
    assert indicator(assessment, "non_proprietary")["points"] == 0
    assert indicator(assessment, "machine_readable")["points"] == 0
    # The media type fix suggests a type; with no known format, the most common one.
    assert "such as text/csv" in indicator(assessment, "media_type")["fix"]


def test_the_media_type_fix_suggests_the_type_of_the_format_given() -> None:
    entry = perfect_entry(distributions=[a_file(format="JSON", media_type=None)])

    assert "such as application/json" in indicator(assess(entry, ALL_OK), "media_type")["fix"]


def test_distribution_indicators_score_by_the_share_of_distributions_that_pass() -> None:
    files = [
        a_file("Roads 2022"),
        a_file("Roads 2023"),
        a_file("Roads report", format="PDF", media_type="application/pdf", byte_size=None),
    ]
    assessment = assess(perfect_entry(distributions=files), ALL_OK)

    machine = indicator(assessment, "machine_readable")
    assert machine["points"] == 13  # 20 * 2/3
    assert "“Roads report”" in machine["fix"]
    assert indicator(assessment, "byte_size")["points"] == 3  # 5 * 2/3
    assert indicator(assessment, "non_proprietary")["points"] == 20
    assert assessment.score == 405 - 7 - 2


def test_a_dataset_with_no_distributions_scores_nothing_on_them_and_is_told_to_add_one() -> None:
    assessment = assess(perfect_entry(distributions=[]), {})

    for name in (
        "access_url_reachable",
        "download_url",
        "format",
        "media_type",
        "byte_size",
        "issued",
        "rights",
    ):
        assert indicator(assessment, name)["points"] == 0
        assert indicator(assessment, name)["fix"] == ADD_DISTRIBUTION
    # The licence is the entry's own, so it still counts.
    assert indicator(assessment, "licence")["points"] == 20
    assert assessment.fixes.count(ADD_DISTRIBUTION) == 1
    assert assessment.score == 405 - 50 - 20 - 30 - 20 - 10 - 10 - 20 - 20 - 5 - 5 - 5 - 5
    assert assessment.band == "sufficient"


def test_a_data_service_is_judged_by_its_endpoint_and_not_asked_for_files() -> None:
    assessment = assess(perfect_service(), {API_URL: checked(API_URL)})

    assert assessment.score == 405
    assert indicator(assessment, "access_url_reachable")["points"] == 50


def test_a_data_service_whose_endpoint_is_not_yet_checked_is_told_so() -> None:
    assessment = assess(perfect_service(), {})

    missed = indicator(assessment, "access_url_reachable")
    assert missed["points"] == 0
    assert missed["fix"].startswith(
        "Links are checked every night; the endpoint of “Road traffic counts” has not"
    )
    assert assessment.score == 355


def test_a_data_service_with_no_endpoint_is_asked_for_one() -> None:
    assessment = assess(perfect_service(endpoint_url=None), {})

    assert indicator(assessment, "access_url_reachable")["fix"] == "Add the service's endpoint URL"
    assert "endpoint URL" in indicator(assessment, "dcat_ap_compliance")["fix"]


def test_a_link_that_works_scores_and_a_link_that_answered_404_is_named_with_its_status() -> None:
    checks = {PAGE_URL: checked(PAGE_URL), CSV_URL: checked(CSV_URL, ok=False, status_code=404)}

    assessment = assess(perfect_entry(), checks)

    assert indicator(assessment, "access_url_reachable")["points"] == 50
    broken = indicator(assessment, "download_url_reachable")
    assert broken["points"] == 0
    assert broken["fix"] == (
        "Fix or replace the download link of “Roads 2024”: it answered 404 when checked on 3 November 2026"
    )


def test_a_link_that_could_not_be_reached_says_why() -> None:
    checks = {
        PAGE_URL: checked(PAGE_URL, ok=False, status_code=None, error="connection refused"),
        CSV_URL: checked(CSV_URL),
    }

    fix = indicator(assess(perfect_entry(), checks), "access_url_reachable")["fix"]

    assert fix == (
        "Fix or replace the link of “Roads 2024”: it failed (connection refused) "
        "when checked on 3 November 2026"
    )


def test_links_never_checked_score_nothing_yet_and_say_when_they_will_be() -> None:
    assessment = assess(perfect_entry(distributions=[a_file("A"), a_file("B")]), {})

    assert indicator(assessment, "access_url_reachable")["points"] == 0
    assert indicator(assessment, "access_url_reachable")["fix"] == (
        "Links are checked every night; 2 links have not been checked yet, so check back tomorrow"
    )
    assert indicator(assessment, "download_url_reachable")["points"] == 0


def test_a_file_with_only_a_download_url_uses_it_as_its_access_url() -> None:
    entry = perfect_entry(distributions=[a_file(access_url=None)])

    assessment = assess(entry, {CSV_URL: checked(CSV_URL)})

    assert assessment.score == 405


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (405, "excellent"),
        (351, "excellent"),
        (350, "good"),
        (221, "good"),
        (220, "sufficient"),
        (121, "sufficient"),
        (120, "bad"),
        (0, "bad"),
    ],
)
def test_band_boundaries(score: int, band: str) -> None:
    assert band_for(score) == band
    assert band in BANDS


# Through the services and the API, on the real database.


@pytest.fixture
def publisher_token(app) -> str:
    from tests.factories import create_token, create_user

    organisation = create_organisation()
    user = create_user(email="ann@dft.gov.uk", organisation=organisation, roles=("publisher",))
    return create_token(user=user)


def test_creating_an_entry_returns_its_score_fixes_and_freshness_at_once(client, publisher_token) -> None:
    today = utcnow().date()
    body = valid_entry(modified=(today - timedelta(days=3)).isoformat(), update_frequency="monthly")

    created = api(client, "POST", DATASETS, status=201, token=publisher_token, json=body).get_json()

    quality = created["quality"]
    assert set(quality) == {"declared", "metadata_score", "metadata_band", "metadata_dimensions", "fixes"}
    assert quality["declared"] == {}
    assert quality["metadata_band"] == band_for(quality["metadata_score"])
    assert sum(quality["metadata_dimensions"].values()) == quality["metadata_score"]
    assert list(quality["metadata_dimensions"]) == list(DIMENSIONS)
    assert any("has not been checked yet" in fix for fix in quality["fixes"])
    assert created["freshness"] == "fresh"
    stored = db.session.get(Dataset, uuid.UUID(created["id"]))
    assert stored.metadata_score == quality["metadata_score"]
    assert stored.fresh_until == today - timedelta(days=3) + timedelta(days=31)


def test_patch_and_put_recompute_the_score_and_freshness(client, publisher_token) -> None:
    created = api(client, "POST", DATASETS, status=201, token=publisher_token, json=valid_entry()).get_json()
    path = f"{DATASETS}/{created['id']}"
    before = created["quality"]["metadata_score"]

    patched = api(client, "PATCH", path, status=200, token=publisher_token, json={"keywords": []}).get_json()

    assert patched["quality"]["metadata_score"] == before - 30
    assert "Add at least one keyword" in patched["quality"]["fixes"]

    body = valid_entry(title=created["title"], update_frequency="irregular")
    replaced = api(client, "PUT", path, status=200, token=publisher_token, json=body).get_json()

    assert replaced["quality"]["metadata_score"] == before
    assert replaced["freshness"] == "unknown"
    fetched = api(client, "GET", path, status=200, token=publisher_token).get_json()
    assert fetched["quality"] == replaced["quality"]
    assert fetched["freshness"] == "unknown"
    assert (
        api(client, "GET", f"{path}/quality", status=200, token=publisher_token).get_json()
        == fetched["quality"]
    )


def test_an_entry_long_unmodified_is_overdue_in_the_api(client, publisher_token) -> None:
    body = valid_entry(modified="2020-01-01", update_frequency="monthly")

    created = api(client, "POST", DATASETS, status=201, token=publisher_token, json=body).get_json()

    assert created["freshness"] == "overdue"


def test_stored_link_checks_count_when_an_entry_is_saved(client, publisher_token) -> None:
    url = valid_entry()["distributions"][0]["download_url"]
    db.session.add(checked(url))
    db.session.commit()

    created = api(client, "POST", DATASETS, status=201, token=publisher_token, json=valid_entry()).get_json()

    assert not any("checked" in fix for fix in created["quality"]["fixes"])
    stored = db.session.get(Dataset, uuid.UUID(created["id"]))
    assert {i["indicator"]: i["points"] for i in stored.metadata_indicators}["download_url_reachable"] == 30


def test_recompute_all_takes_in_new_link_checks_and_tells_the_index(client, publisher_token) -> None:
    created = api(client, "POST", DATASETS, status=201, token=publisher_token, json=valid_entry()).get_json()
    url = valid_entry()["distributions"][0]["download_url"]
    db.session.add(checked(url, ok=False, status_code=404))
    db.session.commit()
    outbox_before = db.session.scalar(select(func.count()).select_from(OutboxEntry))

    assert recompute_all() == 1

    fetched = api(client, "GET", f"{DATASETS}/{created['id']}", status=200, token=publisher_token).get_json()
    assert any("answered 404" in fix for fix in fetched["quality"]["fixes"])
    assert db.session.scalar(select(func.count()).select_from(OutboxEntry)) == outbox_before + 1
    # Nothing changed since: no more outbox rows.
    recompute_all()
    assert db.session.scalar(select(func.count()).select_from(OutboxEntry)) == outbox_before + 1


def test_seed_gives_every_entry_a_score_and_a_band(app) -> None:
    load_seed()

    bands = dict(
        db.session.execute(select(Dataset.metadata_band, func.count()).group_by(Dataset.metadata_band)).all()
    )
    assert None not in bands
    assert set(bands) <= set(BANDS)
    assert db.session.scalar(select(func.count()).where(Dataset.metadata_score.is_(None))) == 0
    assert db.session.scalar(select(func.count()).where(Dataset.metadata_indicators.is_(None))) == 0


def test_seed_if_empty_scores_entries_stored_before_scores_existed(runner, app) -> None:
    load_seed()
    db.session.execute(Dataset.__table__.update().values(metadata_score=None, metadata_band=None))
    db.session.commit()

    result = runner.invoke(args=["seed", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert "Computed the metadata quality of" in result.output
    assert db.session.scalar(select(func.count()).where(Dataset.metadata_score.is_(None))) == 0
