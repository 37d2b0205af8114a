"""The /quality report: each band and freshness state counted per organisation for what the visitor
may see, the chart with the average first and the visitor's organisation marked, the order, bad
input, and the same figures in the API."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.factories import create_user
from tests.web.pages import TITLE_SUFFIX, h1_of, html_of, page, title_of

SUMMARY = "/api/v1/quality/summary"


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
    html = html_of(anonymous, "/quality")
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
    html = html_of(reader, "/quality")
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
    html = html_of(anonymous, "/quality")
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
    text = " ".join(re.sub(r"<[^>]+>", " ", html_of(anonymous, "/quality")).split())
    assert "not the quality of the data itself" in text
    for band, points in [
        ("Excellent", "351 to 405"),
        ("Good", "221 to 350"),
        ("Sufficient", "121 to 220"),
        ("Bad", "0 to 120"),
    ]:
        assert f"{band} {points} points" in text


def test_the_report_orders_by_name_when_asked(catalogue, anonymous):
    html = html_of(anonymous, "/quality?sort=name")
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
    html = html_of(signed_in(create_user(email="ann@dft.gov.uk", organisation=dft)), "/quality")
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
    html = html_of(anonymous, "/quality")
    assert "(your organisation)" not in html and "app-quality-table__own" not in html


def test_an_empty_catalogue_gets_a_report_that_says_so(app, anonymous):
    html = html_of(anonymous, "/quality")
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
    html = html_of(client, "/quality?sort=name")  # the API lists organisations by name
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
    plain = _table(html_of(anonymous, "/quality"), "bands-table")
    assert _table(html_of(anonymous, "/quality" + query), "bands-table") == plain
    assert anonymous.get("/quality.csv" + query).status_code == 200


def test_a_nul_character_in_the_query_gets_the_bad_request_page_as_everywhere_else(app, anonymous):
    page(anonymous, "/quality?x=%00", status=400)


def test_the_report_is_linked_from_the_home_page(app, anonymous):
    assert 'href="/quality">data quality report</a>' in html_of(anonymous, "/")


def test_only_get_reaches_the_report(app, anonymous):
    page(anonymous, "/quality", method="POST", status=405)
