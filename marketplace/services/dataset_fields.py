"""Copying validated entry data onto the model, keeping child rows (and their ids) where it can."""

from __future__ import annotations

from typing import Any

from marketplace.descriptions import RENDERING, description_html
from marketplace.models import Dataset, DatasetKeyword, DatasetTheme, Distribution, QualityRating
from marketplace.models.types import utcnow
from marketplace.services.metadata_quality import refresh_computed_quality

# JSON field -> column, for the plain fields.
SCALAR_FIELDS = (
    "title",
    "summary",
    "description",
    "access_rights",
    "security_classification",
    "licence",
    "modified",
    "issued",
    "created",
    "identifier",
    "version",
    "update_frequency",
    "spatial_coverage",
    "endpoint_url",
    "endpoint_description",
    "service_type",
    "service_kind",
    "service_status",
    "withdrawal_reason",
    "replaced_by",
)
LIST_FIELDS = ("alternative_titles", "creators", "related_resources", "serves_datasets")
DISTRIBUTION_FIELDS = (
    "title",
    "description",
    "access_url",
    "download_url",
    "media_type",
    "format",
    "byte_size",
    "licence",
    "issued",
    "modified",
)
DISTRIBUTION_LIST_FIELDS = ("access_services",)
RATING_FIELDS = ("rating", "assessed_on", "method", "action_plan_url")


def apply_entry(dataset: Dataset, data: dict[str, Any], *, keep_quality: bool = False) -> None:
    """Make `dataset` hold exactly `data` (a full, validated entry); absent fields are cleared."""
    if data.get("description") != dataset.description or dataset.description_rendering != RENDERING:
        dataset.description_html, dataset.description_rendering = description_html(data.get("description"))
    for name in SCALAR_FIELDS:
        setattr(dataset, name, data.get(name))
    for name in LIST_FIELDS:
        setattr(dataset, name, list(data.get(name) or []))
    contact = data.get("contact_point") or {}
    dataset.contact_name = contact.get("name")
    dataset.contact_email = contact.get("email")
    temporal = data.get("temporal_coverage") or {}
    dataset.temporal_start = temporal.get("start")
    dataset.temporal_end = temporal.get("end")
    _apply_keywords(dataset, data.get("keywords") or [])
    _apply_themes(dataset, data.get("themes") or [])
    _apply_distributions(dataset, data.get("distributions") or [])
    if not keep_quality:
        apply_quality(dataset, data.get("quality") or {})
    refresh_computed_quality(dataset)


def _apply_keywords(dataset: Dataset, keywords: list[str]) -> None:
    existing = {k.keyword: k for k in dataset.keywords}
    rows = []
    for position, keyword in enumerate(keywords):
        row = existing.get(keyword) or DatasetKeyword(keyword=keyword)
        row.position = position
        rows.append(row)
    dataset.keywords = rows


def _apply_themes(dataset: Dataset, themes: list[str]) -> None:
    existing = {t.theme: t for t in dataset.themes}
    dataset.themes = [existing.get(theme) or DatasetTheme(theme=theme) for theme in themes]


def _apply_distributions(dataset: Dataset, distributions: list[dict[str, Any]]) -> None:
    """Update in place by position, so a distribution keeps its id while it is edited."""
    rows = list(dataset.distributions)
    result = []
    for position, data in enumerate(distributions):
        row = rows[position] if position < len(rows) else Distribution()
        row.position = position
        for name in DISTRIBUTION_FIELDS:
            setattr(row, name, data.get(name))
        for name in DISTRIBUTION_LIST_FIELDS:
            setattr(row, name, list(data.get(name) or []))
        result.append(row)
    dataset.distributions = result


def apply_quality(dataset: Dataset, ratings: dict[str, dict[str, Any]]) -> None:
    """Make the declared ratings exactly `ratings` (dimension -> rating)."""
    existing = {r.dimension: r for r in dataset.quality_ratings}
    result = []
    for dimension in sorted(ratings):
        row = existing.get(dimension) or QualityRating(dimension=dimension)
        changed = any(getattr(row, name, None) != ratings[dimension].get(name) for name in RATING_FIELDS)
        for name in RATING_FIELDS:
            setattr(row, name, ratings[dimension].get(name))
        if changed:
            row.updated_at = utcnow()
        result.append(row)
    dataset.quality_ratings = result
