"""An entry as the REST API returns it: `dump_dataset` for a given viewer."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from marketplace.models import Dataset, Distribution
from marketplace.queries.changes import Change
from marketplace.rules.actors import Actor
from marketplace.schemas.quality_out import dump_freshness, dump_quality
from marketplace.vocabularies import find_licence


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class DistributionOutSchema(Schema):
    id = fields.UUID()
    title = fields.String()
    description = fields.String(allow_none=True)
    access_url = fields.String(allow_none=True)
    download_url = fields.String(allow_none=True)
    media_type = fields.String(allow_none=True)
    format = fields.String(allow_none=True)
    byte_size = fields.Integer(allow_none=True)
    licence = fields.String(allow_none=True)
    issued = fields.Date(allow_none=True)
    modified = fields.Date(allow_none=True)
    # The ids of the data services that give this distribution's data (DCAT-UK accessService).
    access_services = fields.List(fields.String())


class OrganisationRefSchema(Schema):
    slug = fields.String()
    title = fields.String()
    abbreviation = fields.String(allow_none=True)


class DatasetOutSchema(Schema):
    """An entry as anyone who may read it may see it; `dump_dataset` adds what only some
    viewers may read."""

    id = fields.UUID()
    type = fields.String()
    slug = fields.String()
    status = fields.String()
    title = fields.String()
    summary = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    publisher = fields.Function(lambda d: d.organisation.slug)
    organisation = fields.Nested(OrganisationRefSchema)
    contact_point = fields.Method("dump_contact_point")
    access_rights = fields.String(allow_none=True)
    security_classification = fields.String(allow_none=True)
    licence = fields.String(allow_none=True)
    licence_title = fields.Method("dump_licence_title")
    modified = fields.Date(allow_none=True)
    issued = fields.Date(allow_none=True)
    created = fields.Date(allow_none=True)
    identifier = fields.String(allow_none=True)
    alternative_titles = fields.List(fields.String())
    creators = fields.List(fields.String())
    version = fields.String(allow_none=True)
    keywords = fields.Function(lambda d: [k.keyword for k in d.keywords])
    themes = fields.Function(lambda d: [t.theme for t in d.themes])
    update_frequency = fields.String(allow_none=True)
    spatial_coverage = fields.String(allow_none=True)
    temporal_coverage = fields.Method("dump_temporal_coverage")
    related_resources = fields.List(fields.String())
    distributions = fields.List(fields.Nested(DistributionOutSchema))
    endpoint_url = fields.String(allow_none=True)
    endpoint_description = fields.String(allow_none=True)
    service_type = fields.String(allow_none=True)
    service_kind = fields.String(allow_none=True)
    service_status = fields.String(allow_none=True)
    serves_datasets = fields.List(fields.String())
    withdrawal_reason = fields.String(allow_none=True)
    replaced_by = fields.String(allow_none=True)
    harvested_from = fields.Method("dump_harvested_from")
    quality = fields.Function(dump_quality)
    freshness = fields.Function(lambda d: dump_freshness(d))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    # When the record itself last changed here (any edit, publication, withdrawal or rating),
    # as CKAN names it; `modified` is the publisher's date for the data.
    metadata_modified = fields.Function(lambda d: d.updated_at.isoformat() if d.updated_at else None)
    published_at = fields.DateTime(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)

    def dump_contact_point(self, dataset: Dataset) -> dict[str, str] | None:
        if not dataset.contact_name and not dataset.contact_email:
            return None
        return {"name": dataset.contact_name, "email": dataset.contact_email}

    def dump_licence_title(self, dataset: Dataset) -> str | None:
        licence = find_licence(dataset.licence) if dataset.licence else None
        return licence.title if licence else None

    def dump_harvested_from(self, dataset: Dataset) -> dict[str, Any] | None:
        """The catalogue an entry was brought in from, and its identifier there; an imported
        file is named but not located (its path is the server's business)."""
        harvested = dataset.harvested
        if harvested is None:
            return None
        source = harvested.source
        return {
            "source": source.name,
            "catalogue": source.url if source.type != "ckan-dump" else None,
            "identifier": harvested.source_identifier,
            "harvested_at": harvested.harvested_at.isoformat(),
        }

    def dump_temporal_coverage(self, dataset: Dataset) -> dict[str, str | None] | None:
        if dataset.temporal_start is None and dataset.temporal_end is None:
            return None
        return {"start": _date(dataset.temporal_start), "end": _date(dataset.temporal_end)}


_OUT_SCHEMA = DatasetOutSchema()


def dump_dataset(dataset: Dataset, viewer: Actor) -> dict[str, Any]:
    """The entry as `viewer` may read it: its quality fixes tell what the link checker found only
    to the entry's publishers. (One schema for every viewer: building a schema costs more than
    dumping an entry with it.)"""
    body = _OUT_SCHEMA.dump(dataset)
    body["quality"] = dump_quality(dataset, viewer)
    return body


def dump_change(change: Change, viewer: Actor) -> dict[str, Any]:
    """A row of the change feed: the entry, or a tombstone saying that an entry the caller could
    once list no longer matches (withdrawn, deleted, restricted, or out of the filters)."""
    if change.matching:
        return dump_dataset(change.dataset, viewer)
    dataset = change.dataset
    return {
        "id": str(dataset.id),
        "slug": dataset.slug,
        "status": "deleted" if dataset.is_deleted else dataset.status,
        "metadata_modified": dataset.updated_at.isoformat(),
        "tombstone": True,
    }


def editable_view(dataset: Dataset) -> dict[str, Any]:
    """The entry in the shape a client sends: what PATCH merges into, and what revisions compare."""
    dumped = _OUT_SCHEMA.dump(dataset)
    editable = {k: v for k, v in dumped.items() if k in EDITABLE_FIELDS}
    editable["quality"] = {
        dimension: {k: v for k, v in rating.items() if k != "label"}
        for dimension, rating in dumped["quality"]["declared"].items()
    }
    editable["distributions"] = [{k: v for k, v in d.items() if k != "id"} for d in dumped["distributions"]]
    return editable


EDITABLE_FIELDS = frozenset(
    {
        "type",
        "status",
        "slug",
        "title",
        "summary",
        "description",
        "publisher",
        "contact_point",
        "access_rights",
        "security_classification",
        "licence",
        "modified",
        "issued",
        "created",
        "identifier",
        "alternative_titles",
        "creators",
        "version",
        "keywords",
        "themes",
        "update_frequency",
        "spatial_coverage",
        "temporal_coverage",
        "related_resources",
        "distributions",
        "endpoint_url",
        "endpoint_description",
        "service_type",
        "service_kind",
        "service_status",
        "serves_datasets",
        "withdrawal_reason",
        "replaced_by",
        "quality",
    }
)

__all__ = ["DatasetOutSchema", "Distribution", "dump_dataset", "editable_view"]
