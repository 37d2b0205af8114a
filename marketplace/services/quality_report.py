"""The quality report: per organisation, how many entries fall in each metadata quality band
and each freshness state, and how many carry declared ratings.

One function for the /quality page, its CSV and ``GET /api/v1/quality/summary``, so the three
always agree. Only published entries count, and only those the caller may see (anonymous
callers: OPEN ones), by the same rule as every list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, exists, func, select

from marketplace.extensions import db
from marketplace.models import Dataset, Organisation, QualityRating
from marketplace.queries.datasets import listable_condition
from marketplace.rules.actors import Actor
from marketplace.rules.freshness import FRESHNESS_STATES, freshness_state
from marketplace.rules.quality import BANDS

# Entries not scored yet (saved before scoring began) are counted, but in no band of their own.
UNSCORED = "unscored"


@dataclass
class QualityFigures:
    """The counts for one organisation, or for all of them together."""

    entries: int = 0
    bands: Counter[str] = field(default_factory=Counter)
    freshness: Counter[str] = field(default_factory=Counter)
    declared: int = 0

    @property
    def declared_share(self) -> float:
        """The share of entries with at least one declared rating, 0 to 1 (0 when there are none)."""
        return round(self.declared / self.entries, 4) if self.entries else 0.0

    @property
    def good_or_better_share(self) -> float:
        """The share of entries whose metadata is good or excellent, 0 to 1: how an organisation
        compares, whatever its size (the report's order and its chart's reference line)."""
        good = self.bands["excellent"] + self.bands["good"]
        return round(good / self.entries, 4) if self.entries else 0.0

    def add(self, band: str, state: str, declared: bool, count: int) -> None:
        self.entries += count
        self.bands[band] += count
        self.freshness[state] += count
        self.declared += count if declared else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            # Always every key, "unscored" too (entries saved before scoring began), so a
            # client can rely on the shape.
            "bands": {band: self.bands[band] for band in (*BANDS, UNSCORED)},
            "freshness": {state: self.freshness[state] for state in FRESHNESS_STATES},
            "declared": self.declared,
            "declared_share": self.declared_share,
            "good_or_better_share": self.good_or_better_share,
        }


@dataclass
class OrganisationFigures:
    organisation: Organisation
    figures: QualityFigures

    def as_dict(self) -> dict[str, Any]:
        return {"slug": self.organisation.slug, "title": self.organisation.title, **self.figures.as_dict()}


@dataclass
class QualitySummary:
    organisations: list[OrganisationFigures]
    totals: QualityFigures
    today: date

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisations": [row.as_dict() for row in self.organisations],
            "totals": self.totals.as_dict(),
        }


def quality_summary(actor: Actor, today: date) -> QualitySummary:
    """The quality report's figures for the published entries `actor` may see, judged on `today`.

    Organisations with no such entries are left out; the rest come by title.
    """
    declared = exists().where(QualityRating.dataset_id == Dataset.id)
    rows = (
        select(
            Dataset.organisation_id.label("organisation_id"),
            Dataset.metadata_band.label("band"),
            Dataset.fresh_until.label("fresh_until"),
            Dataset.overdue_after.label("overdue_after"),
            case((declared, 1), else_=0).label("declared"),
        )
        .where(listable_condition(actor, ["published"]))
        .subquery()
    )
    # Grouped by the two freshness dates rather than the state, so the rule stays in
    # services.freshness: entries updated on the same schedule share a group.
    grouped = db.session.execute(select(rows, func.count().label("count")).group_by(*rows.columns)).all()
    by_organisation: dict[Any, QualityFigures] = {}
    totals = QualityFigures()
    for organisation_id, band, fresh_until, overdue_after, is_declared, count in grouped:
        band = band if band in BANDS else UNSCORED
        state = freshness_state(fresh_until, overdue_after, today)
        by_organisation.setdefault(organisation_id, QualityFigures()).add(
            band, state, bool(is_declared), count
        )
        totals.add(band, state, bool(is_declared), count)
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.id.in_(by_organisation)).order_by(Organisation.title)
    ).all()
    return QualitySummary(
        organisations=[OrganisationFigures(o, by_organisation[o.id]) for o in organisations],
        totals=totals,
        today=today,
    )
