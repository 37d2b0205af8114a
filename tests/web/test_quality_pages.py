"""Quality where people see it: band and freshness tags on results, the dataset page's panel
(score, band, a bar per dimension, the fixes for its own publishers only), the dashboard with
overdue entries first, and the /quality report with its chart, tables and CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.search import index_root, rebuild_index
from marketplace.search.store import close_searchers
from marketplace.services.datasets import patch_dataset
from marketplace.services.quality import rate_quality
from tests.factories import ADMIN, create_dataset, create_organisation, create_user
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of

SUMMARY = "/api/v1/quality/summary"
TODAY = date.today()
# Freshness dates that put an entry in each state today.
FRESH = {"fresh_until": TODAY + timedelta(days=10), "overdue_after": TODAY + timedelta(days=20)}
DUE = {"fresh_until": TODAY - timedelta(days=3), "overdue_after": TODAY + timedelta(days=5)}
OVERDUE = {"fresh_until": TODAY - timedelta(days=40), "overdue_after": TODAY - timedelta(days=30)}
UNKNOWN = {"fresh_until": None, "overdue_after": None}


def _indicator(dimension: str, name: str, points: int, max_points: int, fix: str | None = None) -> dict:
    label = name.replace("_", " ").capitalize()
    return {
        "dimension": dimension,
        "indicator": name,
        "label": label,
        "points": points,
        "max_points": max_points,
        "fix": fix,
    }


INDICATORS = [
    _indicator("findability", "keywords", 30, 30),
    _indicator("findability", "themes", 0, 30, "Add at least one theme"),
    _indicator("findability", "spatial", 20, 20),
    _indicator("findability", "temporal", 20, 20),
    _indicator("accessibility", "access_url", 50, 50),
    _indicator("accessibility", "download_url", 20, 20),
    _indicator("accessibility", "download_reachable", 0, 30, "Fix the broken download link of “Casualties”"),
    _indicator("interoperability", "format", 20, 20),
    _indicator("interoperability", "media_type", 10, 10),
    _indicator("interoperability", "vocabulary", 10, 10),
    _indicator("interoperability", "non_proprietary", 20, 20),
    _indicator("interoperability", "machine_readable", 20, 20),
    _indicator("interoperability", "dcat_ap", 30, 30),
    _indicator("reusability", "licence", 20, 20),
    _indicator("reusability", "licence_vocabulary", 10, 10),
    _indicator("reusability", "access_rights", 10, 10),
    _indicator("reusability", "access_rights_vocabulary", 5, 5),
    _indicator("reusability", "contact_point", 20, 20),
    _indicator("reusability", "publisher", 10, 10),
    _indicator("contextuality", "rights", 0, 5, "Give each file its own licence"),
    _indicator("contextuality", "byte_size", 5, 5),
    _indicator("contextuality", "issued", 5, 5),
    _indicator("contextuality", "modified", 5, 5),
]
DIMENSION_POINTS = {
    "findability": 70,
    "accessibility": 70,
    "interoperability": 110,
    "reusability": 75,
    "contextuality": 15,
}
FULL_MARKS = {
    "findability": 100,
    "accessibility": 100,
    "interoperability": 110,
    "reusability": 75,
    "contextuality": 20,
}
SCORE = 340  # the sum of DIMENSION_POINTS: "good"


def set_quality(dataset: Dataset, *, band: str | None, score: int | None = None, **values: Any) -> None:
    """Store the computed figures a test needs, whatever the scoring made of the entry."""
    db.session.execute(
        update(Dataset)
        .where(Dataset.id == dataset.id)
        .values(metadata_band=band, metadata_score=score if score is not None else _score_of(band), **values)
    )
    db.session.commit()


def _score_of(band: str | None) -> int | None:
    return {"excellent": 380, "good": 300, "sufficient": 150, "bad": 60}.get(band or "")


def declare(dataset: Dataset) -> None:
    rate_quality(ADMIN, str(dataset.id), {"completeness": {"rating": 4, "assessed_on": TODAY.isoformat()}})


@pytest.fixture
def dft(app):
    return create_organisation(email_domains=["dft.gov.uk"])


@pytest.fixture
def home_office(app):
    return create_organisation(
        slug="home-office", title="Home Office", abbreviation="HO", email_domains=["homeoffice.gov.uk"]
    )


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def reader(signed_in, app):
    """Signed in, with no roles: sees every published entry."""
    return signed_in(create_user(email="carol@cabinetoffice.gov.uk", roles=()))


def _html(client, path: str, status: int = 200) -> str:
    return page(client, path, status=status).get_data(as_text=True)


# Tags --------------------------------------------------------------------------------------------


def test_search_results_carry_band_and_freshness_tags(dft, anonymous):
    good = create_dataset(organisation=dft, title="Road casualties")
    set_quality(good, band="good", **OVERDUE)
    bad = create_dataset(organisation=dft, title="Port freight")
    set_quality(bad, band="bad", **FRESH)
    rebuild_index(index_root())
    try:
        html = _html(anonymous, "/datasets")
    finally:
        close_searchers()
    results = dict(
        re.findall(r'<a class="govuk-link" href="/datasets/([^"]+)">.*?</a>(.*?)</li>', html, re.S)
    )
    tags = {slug: _tags(section) for slug, section in results.items()}
    # Each its own row, named by the row, so a screen reader does not hear the name twice.
    assert tags[good.slug] == ["Good", "Overdue"] and tags[bad.slug] == ["Bad", "Up to date"]
    rows = {slug: " ".join(re.sub(r"<[^>]+>", " ", section).split()) for slug, section in results.items()}
    assert "Metadata quality: Good Updates: Overdue" in rows[good.slug]
    assert "Metadata quality: Bad Updates: Up to date" in rows[bad.slug]
    assert "govuk-tag--turquoise app-tag--band" in results[good.slug]
    assert "govuk-tag--red app-tag--freshness" in results[good.slug]


def _tags(html: str) -> list[str]:
    """Each band or freshness tag's text, with its visually hidden part, as a screen reader says it."""
    found = re.findall(
        r'<strong class="govuk-tag [^"]*app-tag--(?:band|freshness)">(.*?)</strong>', html, re.S
    )
    return [" ".join(re.sub(r"<[^>]+>", "", tag).split()) for tag in found]


def test_the_dataset_page_shows_the_freshness_tag_and_when_the_next_update_is_expected(dft, anonymous):
    dataset = create_dataset(organisation=dft)
    set_quality(dataset, band="good", **FRESH)
    html = _html(anonymous, f"/datasets/{dataset.slug}")
    section = html[html.index("How up to date it is") :]
    assert _tags(section[:600]) == ["Freshness: Up to date"]
    assert (
        f"The next update is expected by {FRESH['fresh_until'].day} {FRESH['fresh_until']:%B %Y}." in section
    )

    set_quality(dataset, band="good", **UNKNOWN)
    html = _html(anonymous, f"/datasets/{dataset.slug}")
    assert _tags(html[html.index("How up to date it is") :][:600]) == ["Freshness: Not known"]


# The dataset page's panel ------------------------------------------------------------------------


def _scored(organisation, **fields) -> Dataset:
    dataset = create_dataset(organisation=organisation, **fields)
    set_quality(
        dataset,
        band="good",
        score=SCORE,
        metadata_dimensions=DIMENSION_POINTS,
        metadata_indicators=INDICATORS,
        **DUE,
    )
    return dataset


def _panel(html: str) -> str:
    start = html.index('<h2 class="govuk-heading-m" id="metadata-quality">Metadata quality</h2>')
    return html[start : html.index("Publisher\u2019s rating of the data", start)]


def test_the_panel_shows_the_score_out_of_405_its_band_and_each_dimension_as_a_share(dft, anonymous):
    dataset = _scored(dft)
    panel = _panel(_html(anonymous, f"/datasets/{dataset.slug}"))
    assert re.search(r"340 out of 405</span>\s*<strong", panel)
    assert _tags(panel) == ["Metadata quality: Good"]
    dimensions = re.findall(
        r'app-quality-dimension__name">([^<]+)</dt>.*?'
        r'app-quality-bar__value--(\d+)"></span></span>\s*(\d+)%'
        r'<span class="govuk-visually-hidden"> \((\d+) of (\d+) points\)</span>',
        panel,
        re.S,
    )
    # Shares of each dimension's most, since the maxima (100, 110, 75, 20) differ.
    assert dimensions == [
        ("Findability", "70", "70", "70", "100"),
        ("Accessibility", "70", "70", "70", "100"),
        ("Interoperability", "100", "100", "110", "110"),
        ("Reusability", "100", "100", "75", "75"),
        ("Contextuality", "75", "75", "15", "20"),
    ]
    # The bars are decoration: the numbers beside them say it all.
    assert panel.count('class="app-quality-bar" aria-hidden="true"') == 5


def test_the_owning_publisher_sees_what_would_raise_the_score(dft, signed_in):
    dataset = _scored(dft)
    client = signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))
    panel = _panel(_html(client, f"/datasets/{dataset.slug}"))
    fixes = re.findall(r"<li>(.*?) <span[^>]*>\((.*?)\)</span></li>", panel)
    assert fixes == [
        ("Add at least one theme", "up to 30 more points"),
        ("Fix the broken download link of “Casualties”", "up to 30 more points"),
        ("Give each file its own licence", "up to 5 more points"),
    ]
    assert "The metadata misses" not in panel


@pytest.mark.parametrize("who", ["anonymous", "reader", "other publisher", "member without the role"])
def test_everyone_else_gets_a_short_summary_and_no_fixes(dft, home_office, anonymous, signed_in, who):
    dataset = _scored(dft)
    if who == "anonymous":
        client = anonymous
    elif who == "reader":
        client = signed_in(create_user(email="carol@cabinetoffice.gov.uk", roles=()))
    elif who == "other publisher":
        client = signed_in(
            create_user(email="sam@homeoffice.gov.uk", organisation=home_office, roles=("publisher",))
        )
    else:
        client = signed_in(create_user(email="max@dft.gov.uk", organisation=dft, roles=("member",)))
    panel = _panel(_html(client, f"/datasets/{dataset.slug}"))
    assert "The metadata misses 3 of 23 checks. Its publisher can see what would raise the score." in panel
    assert "Add at least one theme" not in panel and "What would raise the score" not in panel


def test_an_entry_passing_every_check_says_so_and_one_not_scored_says_that(dft, anonymous):
    perfect = create_dataset(organisation=dft)
    set_quality(
        perfect,
        band="excellent",
        score=405,
        metadata_dimensions=FULL_MARKS,
        metadata_indicators=[{**i, "points": i["max_points"], "fix": None} for i in INDICATORS],
    )  # fmt: skip
    panel = _panel(_html(anonymous, f"/datasets/{perfect.slug}"))
    assert "405 out of 405" in panel and "passes every check" in panel
    assert "app-quality-bar__value--100" in panel and "--95" not in panel

    unscored = create_dataset(organisation=dft)
    set_quality(unscored, band=None, metadata_dimensions=None, metadata_indicators=None)
    panel = _panel(_html(anonymous, f"/datasets/{unscored.slug}"))
    assert "has not been scored yet" in panel and "out of 405" not in panel


# The publish dashboard ---------------------------------------------------------------------------


def test_the_dashboard_lists_overdue_entries_first_then_due_then_by_last_change(dft, signed_in):
    states = [
        ("Fresh and old", FRESH),
        ("Overdue and old", OVERDUE),
        ("Unknown", UNKNOWN),
        ("Due", DUE),
        ("Overdue and recent", OVERDUE),
        ("Fresh and recent", FRESH),
    ]
    for title, dates in states:
        dataset = create_dataset(organisation=dft, title=title)
        patch_dataset(ADMIN, str(dataset.id), {"summary": f"Changed: {title}."})  # later is newer
        set_quality(dataset, band="sufficient", **dates)
    draft = create_dataset(organisation=dft, title="Overdue draft", status="draft")
    set_quality(draft, band="bad", **OVERDUE)
    client = signed_in(create_user(email="pat@dft.gov.uk", organisation=dft, roles=("publisher",)))

    html = _html(client, "/publish")
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', html.split("<tbody", 1)[1], re.S)
    titles = [re.search(r'/publish/datasets/[^"]+">([^<]+)<span', row).group(1) for row in rows]
    assert titles == [
        "Overdue draft",
        "Overdue and recent",
        "Overdue and old",
        "Due",
        "Fresh and recent",
        "Unknown",
        "Fresh and old",
    ]
    assert _tags(rows[1]) == ["Metadata quality: Sufficient", "Freshness: Overdue"]
    assert "150 out of 405" in rows[1]
    assert _tags(rows[4]) == ["Metadata quality: Sufficient", "Freshness: Up to date"]
    assert "overdue for an update first" in html


# The quality report ------------------------------------------------------------------------------


@pytest.fixture
def catalogue(dft, home_office) -> Iterator[None]:
    """DfT: three OPEN entries (excellent/fresh with ratings, good/due, bad/overdue), one
    INTERNAL (sufficient/unknown, with ratings), a draft and a withdrawn entry (never counted).
    Home Office: one OPEN entry (good/fresh, with ratings) and one INTERNAL (not scored)."""
    excellent = create_dataset(organisation=dft, title="Excellent and fresh")
    set_quality(excellent, band="excellent", **FRESH)
    declare(excellent)
    set_quality(create_dataset(organisation=dft, title="Good and due"), band="good", **DUE)
    set_quality(create_dataset(organisation=dft, title="Bad and overdue"), band="bad", **OVERDUE)
    internal = create_dataset(organisation=dft, title="Internal", access_rights="INTERNAL")
    set_quality(internal, band="sufficient", **UNKNOWN)
    declare(internal)
    draft = create_dataset(organisation=dft, title="A draft", status="draft")
    set_quality(draft, band="bad", **OVERDUE)
    withdrawn = create_dataset(organisation=dft, title="Withdrawn")
    patch_dataset(ADMIN, str(withdrawn.id), {"status": "withdrawn"})
    set_quality(withdrawn, band="bad", **OVERDUE)
    ho = create_dataset(organisation=home_office, title="Home Office entry")
    set_quality(ho, band="good", **FRESH)
    declare(ho)
    ho_internal = create_dataset(organisation=home_office, title="Not scored", access_rights="INTERNAL")
    set_quality(ho_internal, band=None, **DUE)
    yield


def _table(html: str, table_id: str) -> list[list[str]]:
    table = html[html.index(f'id="{table_id}"') : html.index("</table>", html.index(f'id="{table_id}"'))]
    rows = re.findall(r'<tr class="govuk-table__row[^"]*">(.*?)</tr>', table, re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", "", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def test_the_report_counts_each_band_and_freshness_state_per_organisation_for_anonymous_visitors(
    catalogue, anonymous
):
    html = _html(anonymous, "/quality")
    assert title_of(html) == "Data quality report" + TITLE_SUFFIX
    assert h1_of(html) == "Data quality report"
    # Highest share good or better first.
    assert _table(html, "bands-table") == [
        ["Organisation", "Excellent", "Good", "Sufficient", "Bad", "Entries", "Good or better"],
        ["Home Office", "0", "1", "0", "0", "1", "100%"],
        ["Department for Transport", "1", "1", "0", "1", "3", "67%"],
        ["All organisations", "1", "2", "0", "1", "4", "75%"],
    ]
    assert _table(html, "freshness-table") == [
        ["Organisation", "Up to date", "Update due", "Overdue", "Not known", "With declared ratings"],
        ["Home Office", "1", "0", "0", "0", "100% (1 of 1)"],
        ["Department for Transport", "1", "1", "1", "0", "33% (1 of 3)"],
        ["All organisations", "2", "1", "1", "0", "50% (2 of 4)"],
    ]


def test_signed_in_visitors_count_entries_shared_within_government_too(catalogue, reader):
    html = _html(reader, "/quality")
    # Both at 50% good or better: then by name.
    assert _table(html, "bands-table") == [
        [
            "Organisation",
            "Excellent",
            "Good",
            "Sufficient",
            "Bad",
            "Not scored yet",
            "Entries",
            "Good or better",
        ],
        ["Department for Transport", "1", "1", "1", "1", "0", "4", "50%"],
        ["Home Office", "0", "1", "0", "0", "1", "2", "50%"],
        ["All organisations", "1", "2", "1", "1", "1", "6", "50%"],
    ]
    assert _table(html, "freshness-table")[1:] == [
        ["Department for Transport", "1", "1", "1", "1", "50% (2 of 4)"],
        ["Home Office", "1", "1", "0", "0", "50% (1 of 2)"],
        ["All organisations", "2", "2", "1", "1", "50% (3 of 6)"],
    ]


def _svg(html: str) -> str:
    start = html.index('<svg class="app-quality-chart__svg"')
    return html[start : html.index("</svg>", start)]


def test_the_chart_shows_each_organisations_share_in_each_band_with_the_average_first(catalogue, anonymous):
    html = _html(anonymous, "/quality")
    svg = _svg(html)
    assert 'role="img"' in svg and 'aria-labelledby="quality-chart-title quality-chart-desc"' in svg
    title = "Share of each organisation\N{RIGHT SINGLE QUOTATION MARK}s entries in each metadata quality band"
    assert f'<title id="quality-chart-title">{title}</title>' in svg
    description = re.search(r'<desc id="quality-chart-desc">(.*?)</desc>', svg).group(1)
    assert "4 entries from 2 organisations, by band: 1 excellent, 2 good, 0 sufficient, 1 bad;" in description
    assert "; 75% good or better. The table below the chart gives each organisation" in description
    # Each segment names its share and count; the average comes first, then the report's order.
    segments = re.findall(r"<rect [^>]*><title>([^<]+)</title></rect>", svg)
    assert segments == [
        "All organisations (average): 25% excellent (1)",
        "All organisations (average): 50% good (2)",
        "All organisations (average): 25% bad (1)",
        "Home Office: 100% good (1)",
        "Department for Transport: 33% excellent (1)",
        "Department for Transport: 33% good (1)",
        "Department for Transport: 33% bad (1)",
    ]
    # 100% stacked: every bar is as long as every other, whatever the organisation's size.
    bars: dict[int, float] = {}
    for y, width in re.findall(r'<rect x="[\d.]+" y="(\d+)" width="([\d.]+)" height="24"', svg):
        bars[int(y)] = bars.get(int(y), 0) + float(width)
    assert list(bars.values()) == pytest.approx([800, 800, 800], abs=0.05)
    labels = re.findall(r"<text [^>]*>([^<]+)</text>", svg)
    assert [label for label in labels if "good or better" in label] == [
        "75% good or better",
        "100% good or better",
        "67% good or better",
    ]
    # The average's line is where 75% falls on the bars.
    assert re.search(r'<line x1="600.0" x2="600.0"', svg)
    assert "<script" not in html[html.index("<main") : html.index("</main>")]


def test_the_bands_are_explained_with_their_points(catalogue, anonymous):
    text = " ".join(re.sub(r"<[^>]+>", " ", _html(anonymous, "/quality")).split())
    assert "not the quality of the data itself" in text
    for band, points in [
        ("Excellent", "351 to 405"),
        ("Good", "221 to 350"),
        ("Sufficient", "121 to 220"),
        ("Bad", "0 to 120"),
    ]:
        assert f"{band} {points} points" in text


def test_the_report_orders_by_name_when_asked(catalogue, anonymous):
    html = _html(anonymous, "/quality?sort=name")
    assert [row[0] for row in _table(html, "bands-table")[1:]] == [
        "Department for Transport",
        "Home Office",
        "All organisations",
    ]
    assert re.search(r'<option value="name" selected>', html)


def test_a_bad_order_gets_the_error_summary_and_the_usual_order(catalogue, anonymous):
    html = page(anonymous, "/quality?sort=best", status=400).text
    assert title_of(html).startswith("Error: ")
    assert '<a href="#sort">Order by: choose' in html
    assert [row[0] for row in _table(html, "bands-table")[1:3]] == ["Home Office", "Department for Transport"]


def test_a_signed_in_persons_organisation_stands_out(catalogue, dft, signed_in):
    html = _html(signed_in(create_user(email="ann@dft.gov.uk", organisation=dft)), "/quality")
    assert "Department for Transport (your organisation)" in _svg(html)
    assert re.search(
        r'<g class="app-quality-chart__own">\s*<text x="0" y="\d+" font-weight="bold">Department', _svg(html)
    )
    rows = re.findall(
        r'<tr class="govuk-table__row app-quality-table__own">\s*<th[^>]*>(.*?)</th>', html, re.S
    )
    assert [re.sub(r"<[^>]+>", "", row) for row in rows] == [
        "Department for Transport (your organisation)"
    ] * 2
    assert "Your organisation is in bold." in html


def test_anonymous_visitors_have_no_organisation_marked(catalogue, anonymous):
    html = _html(anonymous, "/quality")
    assert "(your organisation)" not in html and "app-quality-table__own" not in html


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


def test_an_empty_catalogue_gets_a_report_that_says_so(app, anonymous):
    html = _html(anonymous, "/quality")
    assert "There are no published entries to report on yet." in html and "<svg class" not in html
    rows = list(csv.reader(io.StringIO(anonymous.get("/quality.csv").get_data().decode("utf-8-sig"))))
    assert rows[1:] == [
        ["", "All organisations", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0.0", "0.0"]
    ]


@pytest.mark.parametrize("signed_in_as", [None, "carol@cabinetoffice.gov.uk"])
def test_the_api_figures_are_the_pages_and_the_csvs(catalogue, app, signed_in, signed_in_as):
    client = signed_in(create_user(email=signed_in_as, roles=())) if signed_in_as else app.test_client()
    body = client.get(SUMMARY).get_json()
    rows = list(csv.DictReader(io.StringIO(client.get("/quality.csv").get_data().decode("utf-8-sig"))))
    for organisation, row in zip([*body["organisations"], body["totals"]], rows, strict=True):
        assert int(row["entries"]) == organisation["entries"]
        for band, count in organisation["bands"].items():
            assert int(row["not_scored" if band == "unscored" else band]) == count
        for state, count in organisation["freshness"].items():
            assert int(row[state]) == count
        assert float(row["declared_share"]) == organisation["declared_share"]
    html = _html(client, "/quality?sort=name")  # the API lists organisations by name
    bands, freshness = _table(html, "bands-table"), _table(html, "freshness-table")
    shown = [*body["organisations"], {"title": "All organisations", **body["totals"]}]
    unscored = body["totals"]["bands"]["unscored"]
    assert [row[0] for row in bands[1:]] == [organisation["title"] for organisation in shown]
    for organisation, band_row, freshness_row in zip(shown, bands[1:], freshness[1:], strict=True):
        # The page shows "Not scored yet" only when some entry is.
        counts = [n for band, n in organisation["bands"].items() if band != "unscored" or unscored]
        share = f"{organisation['good_or_better_share'] * 100:.0f}%"
        assert band_row[1:] == [str(n) for n in [*counts, organisation["entries"]]] + [share]
        assert freshness_row[1:-1] == [str(n) for n in organisation["freshness"].values()]
        assert freshness_row[-1].endswith(f"({organisation['declared']} of {organisation['entries']})")


@pytest.mark.parametrize("query", ["?organisation=nobody", "?page=-1", "?utm_source=newsletter", "?sort="])
def test_query_parameters_the_report_does_not_use_are_ignored(catalogue, anonymous, query):
    plain = _table(_html(anonymous, "/quality"), "bands-table")
    assert _table(_html(anonymous, "/quality" + query), "bands-table") == plain
    assert anonymous.get("/quality.csv" + query).status_code == 200


def test_a_nul_character_in_the_query_gets_the_bad_request_page_as_everywhere_else(app, anonymous):
    page(anonymous, "/quality?x=%00", status=400)


def test_the_report_is_linked_from_the_home_page(app, anonymous):
    assert 'href="/quality">data quality report</a>' in _html(anonymous, "/")


def test_only_get_reaches_the_report(app, anonymous):
    page(anonymous, "/quality", method="POST", status=405)


def test_an_update_due_says_by_when_in_words_on_the_dataset_page(dft, anonymous):
    dataset = create_dataset(organisation=dft)
    set_quality(dataset, band="good", **DUE)
    html = _html(anonymous, f"/datasets/{dataset.slug}")
    summary = html[html.index("Published by") : html.index("How to get this data")]
    due_by = DUE["fresh_until"]
    # The summary's row names each tag ("Updates", "Metadata quality"), so the tags do not.
    assert _tags(summary) == [f"Update due by {due_by.day} {due_by:%B %Y}", "Good"]
