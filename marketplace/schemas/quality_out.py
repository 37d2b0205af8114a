"""The quality figures of an entry as every interface shows them (REST API, CKAN, DCAT).

One place, so the REST API's `quality` and `freshness` and the CKAN and DCAT exports
always say the same thing. The fixes depend on who is looking (what the link checker found is
for the entry's publishers only); without a viewer, they are what anyone may read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from marketplace.models import Dataset
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.rules.freshness import freshness_state
from marketplace.rules.quality import fixes_for
from marketplace.schemas.quality import dump_declared_quality


def dump_quality(dataset: Dataset, viewer: Actor | None = None) -> dict[str, Any]:
    """`{"declared", "metadata_score", "metadata_band", "metadata_dimensions", "fixes"}` (DESIGN §4),
    the fixes as `viewer` (by default, anyone) may read them."""
    return {
        "declared": dump_declared_quality(dataset.quality_ratings),
        "metadata_score": dataset.metadata_score,
        "metadata_band": dataset.metadata_band,
        "metadata_dimensions": dataset.metadata_dimensions,
        "fixes": fixes_for(viewer or Actor.anonymous(), dataset),
    }


def dump_freshness(dataset: Dataset, today: date | None = None) -> str:
    """The entry's freshness state on `today` (by default, today in UTC)."""
    return freshness_state(dataset.fresh_until, dataset.overdue_after, today or utcnow().date())
