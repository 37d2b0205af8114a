"""The quality report (/quality and /quality.csv), and the quality tags every page shares.

The figures come from services.quality_report, the same function the API's
/api/v1/quality/summary serves, so the page, its CSV and the API always agree. The chart is
an SVG drawn here on the server (no JavaScript), with the same numbers in a table beside it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, render_template, request

from marketplace.auth.session import session_actor
from marketplace.models import Dataset
from marketplace.rules.freshness import FRESHNESS_STATES, freshness_state
from marketplace.rules.quality import BANDS, band_ranges
from marketplace.services.quality_report import (
    UNSCORED,
    OrganisationFigures,
    QualityFigures,
    QualitySummary,
    quality_summary,
)
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
BAR_WIDTH = 800  # leaves room for "100% good or better" after the bar
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
    share: float
    x: float
    width: float
    colour: str


@dataclass(frozen=True)
class ChartRow:
    title: str
    entries: int
    good_or_better: float
    label_y: int
    bar_y: int
    segments: list[Segment]
    own: bool = False  # the signed-in person's organisation
    average: bool = False  # all organisations together


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_width: int
    bar_height: int
    rows: list[ChartRow]
    average_x: float  # where the average share good or better falls on every bar
    legend: list[tuple[str, str, str]]  # (band, label, colour)
    legend_y: int
    summary: str


# How the report may order organisations: by the share of entries good or better (the default),
# or by name.
SORTS = {"good": "Share good or better (highest first)", "name": "Name (A to Z)"}


def ordered(summary: QualitySummary, sort: str) -> list[OrganisationFigures]:
    rows = sorted(summary.organisations, key=lambda row: row.organisation.title.casefold())
    if sort == "good":  # stable, so organisations with the same share stay in name order
        rows.sort(key=lambda row: -row.figures.good_or_better_share)
    return rows


def band_names(summary: QualitySummary) -> list[str]:
    """The bands a table or chart shows: every band, and "not scored" only when some are."""
    return [*BANDS, UNSCORED] if summary.totals.bands[UNSCORED] else list(BANDS)


def _bar(title: str, figures: QualityFigures, bands: list[str], y: int, **flags: bool) -> ChartRow:
    """One organisation's bar, 100% long: each band's share of its entries, best first, so that
    the boundary after "good" is its share good or better."""
    x = float(BAR_LEFT)
    segments = []
    for band in bands:
        count = figures.bands[band]
        if count:
            share = count / figures.entries
            width = BAR_WIDTH * share
            label, colour = band_label(band), BAND_COLOURS[band]
            segments.append(Segment(band, label, count, share, round(x, 2), round(width, 2), colour))
            x += width
    return ChartRow(
        title, figures.entries, figures.good_or_better_share, y + 16, y + LABEL_HEIGHT, segments, **flags
    )


def stacked_bars(summary: QualitySummary, rows: list[OrganisationFigures], own: set) -> Chart:
    """A bar per organisation, each split by the share of its entries in each band (100%
    stacked, so a small organisation compares with a large one), with all organisations
    together first as the average, and a line at the average share good or better."""
    bands = band_names(summary)
    bars = [_bar("All organisations (average)", summary.totals, bands, 0, average=True)]
    y = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    for row in rows:
        bars.append(_bar(row.organisation.title, row.figures, bands, y, own=row.organisation.id in own))
        y += LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    legend = [(band, band_label(band), BAND_COLOURS[band]) for band in bands]
    return Chart(
        width=CHART_WIDTH,
        height=y + 30,
        bar_width=BAR_WIDTH,
        bar_height=BAR_HEIGHT,
        rows=bars,
        average_x=round(BAR_LEFT + BAR_WIDTH * summary.totals.good_or_better_share, 2),
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
        f"{'organisation' if organisations == 1 else 'organisations'}, by band: {parts}; "
        f"{percentage(totals.good_or_better_share)} good or better."
    )


def _entries(count: int) -> str:
    return f"{count:,} {'entry' if count == 1 else 'entries'}"


def percentage(share: float) -> str:
    """A share (0 to 1) as people read it: 0.3333 → '33%'."""
    return f"{share * 100:.0f}%"


@bp.get("/quality")
def report() -> tuple[str, int]:
    # The page takes one query parameter, the order; any others sent (tracking, old links) are
    # ignored.
    sort = request.args.get("sort") or "good"
    errors = {}
    if sort not in SORTS:
        errors["sort"] = [f"Order by: choose {' or '.join(repr(label) for label in SORTS.values())}."]
        sort = "good"
    actor = session_actor()
    summary = quality_summary(actor, date.today())
    rows = ordered(summary, sort)
    own = actor.organisation_ids()
    return render_template(
        "quality/report.html",
        summary=summary,
        rows=rows,
        own=own,
        sort=sort,
        sorts=SORTS,
        errors=errors,
        bands=band_names(summary),
        band_ranges=band_ranges(),
        states=list(FRESHNESS_STATES),
        chart=stacked_bars(summary, rows, own),
        percentage=percentage,
    ), 400 if errors else 200


CSV_HEADER = [
    "organisation_slug",
    "organisation",
    "entries",
    *BANDS,
    "not_scored",
    *FRESHNESS_STATES,
    "declared",
    "declared_share",
    "good_or_better_share",
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
        figures.good_or_better_share,
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
