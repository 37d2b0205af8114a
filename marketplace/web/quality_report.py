"""The quality report (/quality and /quality.csv), and the quality tags every page shares.

The figures come from services.quality_report, the same function the API's
/api/v1/quality/summary serves, so the page, its CSV and the API always agree. The chart is
an SVG drawn here on the server (no JavaScript), with the same numbers in a table beside it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, render_template

from marketplace.auth.session import session_actor
from marketplace.models import Dataset
from marketplace.services.freshness import FRESHNESS_STATES, freshness_state
from marketplace.services.metadata_quality import BANDS
from marketplace.services.quality_report import UNSCORED, QualityFigures, QualitySummary, quality_summary
from marketplace.spreadsheet_cells import csv_writer

bp = Blueprint("quality_report", __name__)

CSV_FILENAME = "data-marketplace-quality-report.csv"
UNSCORED_LABEL = "Not scored yet"
# GOV.UK colours by meaning, from best to worst; white gaps between segments separate them.
BAND_COLOURS = {
    "excellent": "#00703c",
    "good": "#1d70b8",
    "sufficient": "#f47738",
    "bad": "#d4351c",
    UNSCORED: "#b1b4b6",
}
CHART_WIDTH = 960  # drawn at its natural size in the page's full width
BAR_LEFT = 0
BAR_WIDTH = 880  # leaves room for the total after the bar
BAR_HEIGHT = 24
LABEL_HEIGHT = 22
ROW_GAP = 14


@bp.app_template_global()
def band_label(band: str | None) -> str:
    """What people read for a metadata quality band."""
    return BANDS.get(band or "", UNSCORED_LABEL)


@bp.app_template_global()
def freshness_label(state: str) -> str:
    return FRESHNESS_STATES.get(state, FRESHNESS_STATES["unknown"])


@bp.app_template_global()
def freshness_of(dataset: Dataset, today: date | None = None) -> str:
    """The entry's freshness state today (worked out when read: it is never stored)."""
    return freshness_state(dataset.fresh_until, dataset.overdue_after, today or date.today())


@dataclass(frozen=True)
class Segment:
    band: str
    label: str
    count: int
    x: float
    width: float
    colour: str


@dataclass(frozen=True)
class ChartRow:
    title: str
    entries: int
    label_y: int
    bar_y: int
    segments: list[Segment]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_height: int
    rows: list[ChartRow]
    legend: list[tuple[str, str, str]]  # (band, label, colour)
    legend_y: int
    summary: str


def band_names(summary: QualitySummary) -> list[str]:
    """The bands a table or chart shows: every band, and "not scored" only when some are."""
    return [*BANDS, UNSCORED] if summary.totals.bands[UNSCORED] else list(BANDS)


def stacked_bars(summary: QualitySummary) -> Chart:
    """A bar per organisation, split by band, each as long as its count of entries (the
    longest bar is the largest organisation)."""
    bands = band_names(summary)
    largest = max((row.figures.entries for row in summary.organisations), default=0) or 1
    rows: list[ChartRow] = []
    y = 0
    for row in summary.organisations:
        x = float(BAR_LEFT)
        segments = []
        for band in bands:
            count = row.figures.bands[band]
            if count:
                width = BAR_WIDTH * count / largest
                segments.append(
                    Segment(band, band_label(band), count, round(x, 2), round(width, 2), BAND_COLOURS[band])
                )
                x += width
        rows.append(ChartRow(row.organisation.title, row.figures.entries, y + 16, y + LABEL_HEIGHT, segments))
        y += LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    legend = [(band, band_label(band), BAND_COLOURS[band]) for band in bands]
    return Chart(
        width=CHART_WIDTH,
        height=y + 30,
        bar_height=BAR_HEIGHT,
        rows=rows,
        legend=legend,
        legend_y=y + 4,
        summary=_summary_sentence(summary, bands),
    )


def _summary_sentence(summary: QualitySummary, bands: list[str]) -> str:
    totals = summary.totals
    if not totals.entries:
        return "There are no published entries to report on."
    parts = ", ".join(f"{totals.bands[band]} {band_label(band).lower()}" for band in bands)
    organisations = len(summary.organisations)
    return (
        f"Metadata quality of {_entries(totals.entries)} from {organisations} "
        f"{'organisation' if organisations == 1 else 'organisations'}, by band: {parts}."
    )


def _entries(count: int) -> str:
    return f"{count:,} {'entry' if count == 1 else 'entries'}"


def percentage(share: float) -> str:
    """A share (0 to 1) as people read it: 0.3333 → '33%'."""
    return f"{share * 100:.0f}%"


@bp.get("/quality")
def report() -> str:
    # The page takes no query parameters; any sent (tracking, old links) are ignored.
    summary = quality_summary(session_actor(), date.today())
    return render_template(
        "quality/report.html",
        summary=summary,
        bands=band_names(summary),
        states=list(FRESHNESS_STATES),
        chart=stacked_bars(summary),
        percentage=percentage,
    )


CSV_HEADER = [
    "organisation_slug",
    "organisation",
    "entries",
    *BANDS,
    "not_scored",
    *FRESHNESS_STATES,
    "declared",
    "declared_share",
]


def _csv_row(slug: str, title: str, figures: QualityFigures) -> list[str | int | float]:
    return [
        slug,
        title,
        figures.entries,
        *(figures.bands[band] for band in BANDS),
        figures.bands[UNSCORED],
        *(figures.freshness[state] for state in FRESHNESS_STATES),
        figures.declared,
        figures.declared_share,
    ]


@bp.get("/quality.csv")
def report_csv() -> Response:
    """The report's table, one row per organisation and a last row for them all."""
    summary = quality_summary(session_actor(), date.today())
    out = io.StringIO()
    writer = csv_writer(out)  # organisation titles are text others typed: no cell may be a formula
    writer.writerow(CSV_HEADER)
    for row in summary.organisations:
        writer.writerow(_csv_row(row.organisation.slug, row.organisation.title, row.figures))
    writer.writerow(_csv_row("", "All organisations", summary.totals))
    response = Response(
        out.getvalue().encode("utf-8-sig"),  # with a byte order mark, so Excel reads UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{CSV_FILENAME}"'},
    )
    # What it holds depends on who asks.
    response.vary.add("Cookie")
    response.cache_control.private = True
    return response
