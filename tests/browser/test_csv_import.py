"""Bulk CSV import in the browser: a file with one bad row creates nothing; a good file creates all."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from tests.browser.checks import check_page

PUBLISHER = "publisher@dft.gov.uk"
TITLES = [
    "Lock gate openings on the Grand Union Canal",
    "Narrowboat licence counts by waterway",
    "Canal water levels at reservoir feeders",
]


def csv_file(rows: list[dict[str, str]]) -> dict:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["title", "summary", "status", "keywords"], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return {"name": "canal-entries.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode()}


def draft(title: str) -> dict[str, str]:
    return {
        "title": title,
        "summary": f"{title}, monthly.",
        "status": "draft",
        "keywords": "canals;waterways",
    }


def test_a_file_with_one_bad_row_creates_nothing_and_the_corrected_file_creates_every_row(page_as, catalogue):
    page = page_as(PUBLISHER)
    page.goto("/publish")
    page.get_by_role("button", name="Import from a CSV file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import entries from a CSV file")
    check_page(page, "csv-import-upload")

    # Nothing chosen: the upload form's own error.
    page.get_by_role("button", name="Check the file").click()
    expect(page).to_have_title(re.compile("^Error: Import entries"))
    expect(page.locator("#file-error")).to_contain_text("Select a CSV file")
    check_page(page, "csv-import-upload-error")

    # Row 3 has no title: the report names it, and nothing is created.
    bad = [draft(TITLES[0]), {**draft(""), "summary": "A row someone forgot to title."}, draft(TITLES[2])]
    page.locator("#file").set_input_files(csv_file(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your file")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("1 of 3 rows has errors, so nothing has been imported.")
    expect(summary.get_by_role("link", name=re.compile(r"^Row 3, title: "))).to_have_attribute(
        "href", "#row-3"
    )
    expect(page.locator("#row-3")).to_contain_text("title")
    expect(page.get_by_role("button", name=re.compile("^Confirm"))).to_have_count(0)
    check_page(page, "csv-import-error-report")
    assert all(catalogue.count(title=title) == 0 for title in TITLES)

    page.get_by_role("link", name="upload it again").click()
    page.locator("#file").set_input_files(csv_file([draft(title) for title in TITLES]))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#ready")).to_have_text("3 rows are ready to import.")
    check_page(page, "csv-import-check")
    assert all(catalogue.count(title=title) == 0 for title in TITLES), "created before confirming"

    page.get_by_role("button", name="Confirm and import 3 entries").click()
    expect(page.locator(".govuk-panel")).to_contain_text("3 entries created for Department for Transport")
    for title in TITLES:
        expect(page.get_by_role("link", name=title)).to_be_visible()
    check_page(page, "csv-import-done")
    assert all(catalogue.count(title=title, status="draft") == 1 for title in TITLES)
