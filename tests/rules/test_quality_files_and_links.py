"""Scoring an entry's files, endpoint and links: formats judged open and machine-readable, files
scored by the share that pass, a data service judged by its endpoint, and reachability from stored
link checks."""

from __future__ import annotations

from marketplace.rules.quality import ADD_DISTRIBUTION, assess
from tests.rules.quality_entries import (
    ALL_OK,
    API_URL,
    CSV_URL,
    PAGE_URL,
    a_file,
    checked,
    indicator,
    perfect_entry,
    perfect_service,
)


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
