"""What the quality pages' tests share: freshness dates that put an entry in each state today,
storing the computed figures a test needs, declaring a rating, and reading band and freshness tags."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update

from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.services.datasets import patch_dataset
from marketplace.services.quality import rate_quality
from tests.factories import ADMIN, create_dataset

TODAY = date.today()


# Freshness dates that put an entry in each state today.
FRESH = {"fresh_until": TODAY + timedelta(days=10), "overdue_after": TODAY + timedelta(days=20)}


DUE = {"fresh_until": TODAY - timedelta(days=3), "overdue_after": TODAY + timedelta(days=5)}


OVERDUE = {"fresh_until": TODAY - timedelta(days=40), "overdue_after": TODAY - timedelta(days=30)}


UNKNOWN = {"fresh_until": None, "overdue_after": None}


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


def tags_of(html: str) -> list[str]:
    """Each band or freshness tag's text, with its visually hidden part, as a screen reader says it."""
    found = re.findall(
        r'<strong class="govuk-tag [^"]*app-tag--(?:band|freshness)">(.*?)</strong>', html, re.S
    )
    return [" ".join(re.sub(r"<[^>]+>", "", tag).split()) for tag in found]


def build_quality_catalogue(dft: Organisation, home_office: Organisation) -> None:
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
