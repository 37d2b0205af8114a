"""The dataset page: everything about one entry, for judging whether to use it.

Visibility is the services' business: `resolve_dataset` answers 404 for what the viewer may
not see and 410 for what was deleted, the history comes through `list_revisions`, and related
entries through the same search every list uses, so this page never shows more than they allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, make_response, redirect, render_template, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from marketplace.auth.session import session_actor
from marketplace.dcat.views import FORMATS, entry_response, rdf_extension_wanted
from marketplace.descriptions import shown_description
from marketplace.errors import NotFoundError, error_response
from marketplace.models import Dataset, Revision
from marketplace.rules.actors import Actor
from marketplace.rules.freshness import freshness_state
from marketplace.rules.permissions import can_publish_for
from marketplace.rules.quality import (
    DIMENSION_HINTS,
    DIMENSIONS,
    MAX_SCORE,
    BandRange,
    band_ranges,
    indicators_for,
)
from marketplace.schemas.quality import RATING_LABELS
from marketplace.schemas.revision import RevisionOutSchema
from marketplace.services.access_request_reading import find_open_request, is_requestable
from marketplace.services.catalogue import list_revisions
from marketplace.services.datasets import resolve_dataset
from marketplace.services.related import related_datasets
from marketplace.vocabularies import ACCESS_RIGHTS_EXPLAINED, QUALITY_DIMENSIONS, find_licence
from marketplace.vocabularies.formats import format_label

bp = Blueprint("dataset_page", __name__)


@bp.app_template_filter("description")
def description_filter(dataset) -> Markup:
    """An entry's description as the HTML kept when it was saved (Markdown is not parsed per view)."""
    return shown_description(dataset.description_html, dataset.description_rendering, dataset.description)


bp.add_app_template_global(format_label)
bp.add_app_template_global(ACCESS_RIGHTS_EXPLAINED, "access_rights_explained")

HISTORY_LENGTH = 10
RELATED_LENGTH = 5
# A declared rating older than this is flagged: the data may have changed since.
STALE_ASSESSMENT = timedelta(days=365)

# What people read for each field an entry's history names (the JSON names otherwise).
FIELD_LABELS = {
    "type": "Type",
    "status": "Status",
    "slug": "Web address",
    "title": "Title",
    "summary": "Summary",
    "description": "Description",
    "publisher": "Organisation",
    "contact_point": "Contact",
    "access_rights": "Access rights",
    "security_classification": "Security classification",
    "licence": "Licence",
    "modified": "Data last updated",
    "issued": "Issued",
    "created": "Created",
    "identifier": "Identifier",
    "alternative_titles": "Alternative titles",
    "creators": "Creators",
    "version": "Version",
    "keywords": "Keywords",
    "themes": "Themes",
    "update_frequency": "Update frequency",
    "spatial_coverage": "Geographical coverage",
    "temporal_coverage": "Time period covered",
    "related_resources": "Related resources",
    "distributions": "Data files and links",
    "endpoint_url": "Endpoint URL",
    "endpoint_description": "Endpoint description",
    "service_type": "Service type",
    "service_kind": "Kind of service",
    "service_status": "Service status",
    "serves_datasets": "Serves datasets",
    "quality": "Quality ratings",
    "deleted": "Deleted",
}
FIELD_ORDER = {name: position for position, name in enumerate(FIELD_LABELS)}
ACTION_LABELS = {
    "create": "Created",
    "update": "Updated",
    "patch": "Updated",
    "publish": "Published",
    "withdraw": "Withdrawn",
    "rate_quality": "Quality ratings changed",
    "delete": "Deleted",
}
SIZE_UNITS = ("KB", "MB", "GB", "TB", "PB")
RDF_NAMES = {"ttl": "Turtle", "jsonld": "JSON-LD", "rdf": "RDF/XML"}


@dataclass(frozen=True)
class Change:
    """One line of the history as this viewer may read it."""

    when: Any
    action: str
    who: str
    fields: list[str]


@dataclass(frozen=True)
class DeclaredRating:
    dimension: str
    rating: int
    label: str
    assessed_on: date
    assessed_long_ago: bool
    method: str | None
    action_plan_url: str | None


@dataclass(frozen=True)
class DimensionScore:
    label: str
    points: int
    max_points: int
    hint: str = ""

    @property
    def percent(self) -> int:
        """The points as a share of the dimension's most: the maxima differ (100, 110, 75…), so
        raw points compare badly across dimensions."""
        return round(100 * self.points / self.max_points) if self.max_points else 0

    @property
    def width_step(self) -> int:
        """The bar's length in steps of 5%: the CSP allows no style attribute, so app.css has
        a class per step."""
        return round(20 * self.points / self.max_points) * 5 if self.max_points else 0


@dataclass(frozen=True)
class Fix:
    text: str
    points: int  # what doing it would add, at most


@dataclass(frozen=True)
class ComputedQuality:
    """The stored metadata quality as the dataset page shows it."""

    score: int
    band: str
    dimensions: list[DimensionScore]
    fixes: list[Fix]
    missed: int  # indicators not passed in full
    checks: int
    max_score: int = MAX_SCORE
    bands: tuple[BandRange, ...] = ()


def computed_quality(dataset: Dataset, actor: Actor) -> ComputedQuality | None:
    """The entry's metadata score, its points per dimension and what would raise it (each fix
    once, with the points it would add, as `actor` may read it); None before the entry is first
    scored."""
    if dataset.metadata_score is None:
        return None
    indicators = indicators_for(actor, dataset)
    points = dataset.metadata_dimensions or {}
    most: dict[str, int] = {}
    gains: dict[str, int] = {}
    for indicator in indicators:
        most[indicator["dimension"]] = most.get(indicator["dimension"], 0) + indicator["max_points"]
        if indicator.get("fix"):
            gain = indicator["max_points"] - (indicator.get("points") or 0)
            gains[indicator["fix"]] = gains.get(indicator["fix"], 0) + gain
    return ComputedQuality(
        score=dataset.metadata_score,
        band=dataset.metadata_band or "",
        dimensions=[
            DimensionScore(label, points.get(name, 0), most.get(name, 0), DIMENSION_HINTS[name])
            for name, label in DIMENSIONS.items()
        ],
        fixes=[Fix(text, gain) for text, gain in gains.items()],
        missed=sum(1 for indicator in indicators if indicator.get("fix")),
        checks=len(indicators),
        bands=band_ranges(),
    )


@bp.get("/datasets/<slug>")
def show_dataset(slug: str) -> Response:
    """The entry by slug; an id or an old slug redirects, permanently, to the current slug. A
    client whose Accept prefers Turtle, JSON-LD or RDF/XML gets the entry as DCAT-AP instead."""
    response = _negotiated(slug)
    response.vary.add("Accept")
    return response


def _negotiated(slug: str) -> Response:
    actor = session_actor()
    rdf_extension = rdf_extension_wanted()
    try:
        dataset, moved = resolve_dataset(actor, slug)
    except NotFoundError as error:
        if actor.is_authenticated:
            raise
        # Signed out, an entry shared within government looks like one that does not exist:
        # the same page for both, naming nothing of the entry, so nothing leaks.
        return error_response(404, error.title, error.detail, template="errors/sign_in_to_see.html")
    if moved or slug != dataset.slug:
        return redirect(url_for("dataset_page.show_dataset", slug=dataset.slug), 301)
    if rdf_extension is not None:
        return entry_response(actor, dataset, rdf_extension)
    history = list_revisions(actor, dataset.slug, 1, HISTORY_LENGTH)
    today = date.today()
    html = render_template(
        "dataset/show.html",
        dataset=dataset,
        licence=find_licence(dataset.licence) if dataset.licence else None,
        can_edit=can_publish_for(actor, dataset.organisation),
        ratings=declared_ratings(dataset, today=today),
        computed=computed_quality(dataset, actor),
        freshness=freshness_state(dataset.fresh_until, dataset.overdue_after, today),
        changes=_changes(dataset, history.page.items, history.show_editors),
        total_changes=history.page.total,
        related=related_entries(actor, dataset),
        rdf_versions=[(ext, media_type) for ext, (_, media_type) in FORMATS.items()],
        rdf_names=RDF_NAMES,
        requestable=is_requestable(dataset),
        own_request=find_open_request(actor, dataset) if actor.user and actor.client is None else None,
    )
    return make_response(html)


def declared_ratings(dataset: Dataset, *, today: date) -> list[DeclaredRating]:
    """The publisher's ratings in the framework's order, each flagged when over a year old."""
    by_dimension = {rating.dimension: rating for rating in dataset.quality_ratings}
    return [
        DeclaredRating(
            dimension=label,
            rating=rating.rating,
            label=RATING_LABELS[rating.rating],
            assessed_on=rating.assessed_on,
            assessed_long_ago=today - rating.assessed_on > STALE_ASSESSMENT,
            method=rating.method,
            action_plan_url=rating.action_plan_url,
        )
        for dimension, label in QUALITY_DIMENSIONS.items()
        if (rating := by_dimension.get(dimension)) is not None
    ]


def _changes(dataset: Dataset, revisions: list[Revision], show_editors: bool) -> list[Change]:
    # The API's rule for who made a change: an e-mail only for the entry's own organisation.
    who = RevisionOutSchema(context_organisation=dataset.organisation.title, show_editors=show_editors)
    return [
        Change(
            when=revision.created_at,
            action=ACTION_LABELS.get(revision.action, revision.action.replace("_", " ").capitalize()),
            who=who.dump_actor(revision),
            fields=_changed_fields(revision),
        )
        for revision in revisions
    ]


def _changed_fields(revision: Revision) -> list[str]:
    # A new entry "changes" every field it was given, and a lifecycle move says all in its name.
    if revision.action in {"create", "publish", "withdraw", "delete"}:
        return []
    names = sorted(revision.changes, key=lambda name: (FIELD_ORDER.get(name, len(FIELD_ORDER)), name))
    return [FIELD_LABELS.get(name, name) for name in names]


def related_entries(actor: Actor, dataset: Dataset) -> list[Dataset]:
    """Up to five published entries most like `dataset` by content that `actor` may see."""
    return related_datasets(actor, dataset, RELATED_LENGTH)


@bp.app_template_filter("human_size")
def human_size(byte_size: int | None) -> str:
    """A size as people read it, in decimal units: 38211022 → '38.2 MB'."""
    if byte_size is None:
        return ""
    if byte_size < 1000:
        return "1 byte" if byte_size == 1 else f"{byte_size} bytes"
    value = float(byte_size)
    for unit in SIZE_UNITS:  # noqa: B007  (the unit the loop stops at is the one wanted)
        value /= 1000
        if float(f"{value:.3g}") < 1000:
            break
    text = f"{value:.3g}" if value < 1000 else f"{value:,.0f}"
    return f"{text} {unit}"
