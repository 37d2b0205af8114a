"""The /quality report's CSV: a row per organisation and one for them all, for what the visitor may
see; an organisation's title never becomes a spreadsheet formula, and ordinary titles are kept."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import update

from marketplace.extensions import db
from marketplace.models import Organisation
from tests.factories import create_dataset, create_organisation


def test_the_csv_has_a_row_per_organisation_and_one_for_them_all(catalogue, anonymous, reader):
    response = anonymous.get("/quality.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="data-marketplace-quality-report.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows == [
        [
            "organisation_slug", "organisation", "entries", "excellent", "good", "sufficient", "bad",
            "not_scored", "fresh", "due", "overdue", "unknown", "declared", "declared_share",
            "good_or_better_share",
        ],
        ["department-for-transport", "Department for Transport", "3",
         "1", "1", "0", "1", "0", "1", "1", "1", "0", "1", "0.3333", "0.6667"],
        ["home-office", "Home Office", "1", "0", "1", "0", "0", "0", "1", "0", "0", "0", "1", "1.0", "1.0"],
        ["", "All organisations", "4", "1", "2", "0", "1", "0", "2", "1", "1", "0", "2", "0.5", "0.75"],
    ]  # fmt: skip
    signed_in_rows = list(csv.reader(io.StringIO(reader.get("/quality.csv").get_data().decode("utf-8-sig"))))
    assert signed_in_rows[-1][:3] == ["", "All organisations", "6"]


# What a spreadsheet would run as a formula: the review's leading space and line break, the other
# blanks and invisible characters a spreadsheet skips, and full-width forms (issue 11, section 6).
FORMULA_TITLES = [
    "=HYPERLINK(1)",
    " =HYPERLINK(1)",
    "\n=HYPERLINK(1)",
    "\r\n+1+1",
    "\t-1+1",
    "\t@SUM(1)",
    "  @SUM(1)",
    "\u00a0-1+1",  # no-break space
    "\u3000=1+1",  # ideographic space
    "\u200b=1+1",  # zero-width space
    "\ufeff=1+1",  # byte order mark
    "|calc",
    "\uff1dHYPERLINK(1)",  # full-width =
    "\uff0b1+1",
    "\uff0d1+1",
    "\uff20SUM(1)",
    "\t",
    "\r",
]


@pytest.mark.parametrize("title", FORMULA_TITLES, ids=ascii)
def test_an_organisation_title_cannot_become_a_spreadsheet_formula(app, anonymous, title):
    organisation = create_organisation(slug="formula-office", title="Formula Office", abbreviation="FO")
    create_dataset(organisation=organisation)
    # Stored as it is: whatever the forms trim today, the file must be safe for any stored title.
    db.session.execute(update(Organisation).where(Organisation.id == organisation.id).values(title=title))
    db.session.commit()
    rows = list(csv.reader(io.StringIO(anonymous.get("/quality.csv").get_data().decode("utf-8-sig"))))
    assert rows[1][0] == "formula-office"
    assert rows[1][1] == "'" + title


@pytest.mark.parametrize("title", ["Office for Students", "H-M Treasury", "A = B", "1+1 Office"])
def test_an_ordinary_organisation_title_is_written_as_it_is(app, anonymous, title):
    organisation = create_organisation(slug="an-office", title=title, abbreviation="AO")
    create_dataset(organisation=organisation)
    rows = list(csv.reader(io.StringIO(anonymous.get("/quality.csv").get_data().decode("utf-8-sig"))))
    assert rows[1][1] == title
