"""CKAN's package dict and our entry, both ways: the one place the two models meet.

Out: CKAN's own fields are filled from ours (name from slug, notes from description, tags from
keywords, groups from themes, resources from distributions); every field CKAN has no home for
goes in `extras` under the keys of EXTRAS, which /api lists. In: a package dict (including one
that package_show returned) becomes the body our services take, so that a package_show result
sent to package_update changes nothing.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select

from marketplace.ckan.records import group_dict, organization_dict, timestamp
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import Dataset, Organisation
from marketplace.rules.actors import Actor
from marketplace.schemas.dataset_out import dump_dataset
from marketplace.services.dataset_fields import LIST_FIELDS, SCALAR_FIELDS
from marketplace.vocabularies import find_licence

# extras key -> what it holds. Scalars are our field of the same name; `json` ones are JSON text
# (CKAN extras are strings); `read-only` ones are ignored when sent back.
EXTRAS: dict[str, str] = {
    "entry_type": "dataset or data_service (our `type`; CKAN's `type` is always dataset)",
    "status": "draft, published or withdrawn (CKAN's `state` says only active or draft)",
    "summary": "one-line summary",
    "access_rights": "OPEN, INTERNAL, COMMERCIAL or RESTRICTED (`private` is true unless OPEN)",
    "security_classification": "OFFICIAL or OFFICIAL_SENSITIVE",
    "update_frequency": "how often it is updated (Dublin Core frequency word)",
    "contact_name": "contact point's name",
    "contact_email": "contact point's e-mail address",
    "issued": "date first issued (YYYY-MM-DD)",
    "modified": "date the data last changed (YYYY-MM-DD)",
    "created": "date the data was created (YYYY-MM-DD)",
    "identifier": "the publisher's own identifier",
    "spatial_coverage": "place the data covers",
    "temporal_start": "start of the period covered (YYYY-MM-DD)",
    "temporal_end": "end of the period covered (YYYY-MM-DD)",
    "alternative_titles": "JSON list of other titles",
    "creators": "JSON list of creators",
    "related_resources": "JSON list of related web addresses",
    "quality": "JSON of the declared quality ratings",
    "endpoint_url": "data services: the endpoint",
    "endpoint_description": "data services: the endpoint's description",
    "service_type": "data services: the style of its API (REST, SOAP, EVENT, GRAPHQL or RPC)",
    "service_kind": "data services: the kind of service (BULK, TRANSACTIONAL or INFORMATION)",
    "service_status": "data services: its status",
    "serves_datasets": "data services: JSON list of the slugs of the entries served",
    "withdrawal_reason": "why it was withdrawn",
    "replaced_by": "slug of the entry replacing a withdrawn one",
    "freshness": "read-only: fresh, due or overdue against the update frequency",
    "metadata_quality_score": "read-only: metadata quality score (out of the maximum under Quality, above)",
    "metadata_quality_band": "read-only: metadata quality band",
    "harvested_from": "read-only: JSON of the catalogue it was harvested from",
}
# Our plain fields that CKAN has no home for travel as extras under their own names; the rest
# (title, notes, version, license_id) are CKAN's own fields.
_CKAN_HOMES = frozenset({"title", "description", "version", "licence"})
_SCALARS = tuple(field for field in SCALAR_FIELDS if field not in _CKAN_HOMES)
_JSON_LISTS = LIST_FIELDS
# Keys of a package dict that describe the stored record and are ignored when sent back.
READ_ONLY_KEYS = frozenset(
    {
        "id",
        "type",
        "state",
        "private",
        "organization",
        "license_title",
        "license_url",
        "isopen",
        "metadata_created",
        "metadata_modified",
        "num_tags",
        "num_resources",
        "creator_user_id",
        "revision_id",
        "url",
        "author",
        "author_email",
        "maintainer",
        "maintainer_email",
        "relationships_as_object",
        "relationships_as_subject",
        "tracking_summary",
    }
)
WRITABLE_KEYS = frozenset(
    {"name", "title", "notes", "owner_org", "tags", "groups", "resources", "license_id", "version", "extras"}
)
# Our field -> CKAN's name for it, for validation errors.
_CKAN_FIELD = {
    "slug": "name",
    "description": "notes",
    "publisher": "owner_org",
    "keywords": "tags",
    "themes": "groups",
    "distributions": "resources",
    "licence": "license_id",
    "type": "entry_type",
    "contact_point.name": "contact_name",
    "contact_point.email": "contact_email",
    "contact_point": "contact_email",
    "temporal_coverage.start": "temporal_start",
    "temporal_coverage.end": "temporal_end",
    "temporal_coverage": "temporal_start",
}
_RESOURCE_FIELD = {
    "title": "name",
    "media_type": "mimetype",
    "byte_size": "size",
    "modified": "last_modified",
}


def package_dict(dataset: Dataset, viewer: Actor) -> dict[str, Any]:
    """The entry as CKAN's package_show returns it, as `viewer` may read it."""
    ours = dump_dataset(dataset, viewer)
    licence = find_licence(dataset.licence) if dataset.licence else None
    extras = {
        "entry_type": ours["type"],
        "status": ours["status"],
        **{name: ours[name] for name in _SCALARS},
        "contact_name": (ours["contact_point"] or {}).get("name"),
        "contact_email": (ours["contact_point"] or {}).get("email"),
        "temporal_start": (ours["temporal_coverage"] or {}).get("start"),
        "temporal_end": (ours["temporal_coverage"] or {}).get("end"),
        **{name: json.dumps(ours[name]) for name in _JSON_LISTS if ours[name]},
        "quality": _declared_quality(ours["quality"]),
        "freshness": ours["freshness"],
        "metadata_quality_score": ours["quality"]["metadata_score"],
        "metadata_quality_band": ours["quality"]["metadata_band"],
        "harvested_from": json.dumps(ours["harvested_from"]) if ours["harvested_from"] else None,
    }
    keywords = ours["keywords"]
    resources = [_resource_dict(d, str(dataset.id), i) for i, d in enumerate(ours["distributions"])]
    return {
        "id": str(dataset.id),
        "name": dataset.slug,
        "title": dataset.title,
        "notes": dataset.description,
        "type": "dataset",
        "state": "draft" if dataset.status == "draft" else "active",
        "private": dataset.access_rights != "OPEN",
        "owner_org": str(dataset.organisation.id),
        "organization": organization_dict(dataset.organisation),
        "url": None,
        "version": dataset.version,
        "license_id": licence.ckan_id if licence else None,
        "license_title": licence.title if licence else None,
        "license_url": licence.uri if licence else None,
        "isopen": bool(licence and licence.is_open),
        "metadata_created": timestamp(dataset.created_at),
        "metadata_modified": timestamp(dataset.updated_at),
        "tags": [{"name": k, "display_name": k, "state": "active", "vocabulary_id": None} for k in keywords],
        "num_tags": len(keywords),
        "groups": [group_dict(theme) for theme in ours["themes"]],
        "extras": [{"key": k, "value": str(v)} for k, v in extras.items() if v not in (None, "")],
        "resources": resources,
        "num_resources": len(resources),
    }


def _declared_quality(quality: dict[str, Any]) -> str | None:
    declared = {
        dimension: {k: v for k, v in rating.items() if k != "label"}
        for dimension, rating in (quality.get("declared") or {}).items()
    }
    return json.dumps(declared) if declared else None


def _resource_dict(distribution: dict[str, Any], package_id: str, position: int) -> dict[str, Any]:
    return {
        "id": str(distribution["id"]),
        "package_id": package_id,
        "position": position,
        "name": distribution["title"],
        "description": distribution["description"],
        "url": distribution["download_url"] or distribution["access_url"],
        "format": distribution["format"],
        "mimetype": distribution["media_type"],
        "size": distribution["byte_size"],
        "created": distribution["issued"],
        "last_modified": distribution["modified"],
        "state": "active",
        "url_type": None,
        # Ours, kept beside CKAN's (CKAN resources take any extra key).
        "access_url": distribution["access_url"],
        "download_url": distribution["download_url"],
        "license": distribution["licence"],
        "issued": distribution["issued"],
        "modified": distribution["modified"],
        "access_services": distribution["access_services"],
    }


def entry_from_package(package: dict[str, Any]) -> dict[str, Any]:
    """The body our services take for the CKAN keys in `package` (only those sent: a patch
    changes only what it names). ValidationError, in CKAN's field names, for what cannot be read."""
    unknown = set(package) - WRITABLE_KEYS - READ_ONLY_KEYS
    if unknown:
        raise ValidationError({key: ["Not a field of a package here: see /api."] for key in sorted(unknown)})
    entry: dict[str, Any] = {}
    if "name" in package:
        entry["slug"] = package["name"] or None
    for ours, theirs in (("title", "title"), ("description", "notes"), ("version", "version")):
        if theirs in package:
            entry[ours] = package[theirs]
    if "owner_org" in package:
        entry["publisher"] = _publisher_slug(package["owner_org"], package.get("organization"))
    if "license_id" in package:
        entry["licence"] = package["license_id"] or None
    if "tags" in package:
        entry["keywords"] = _names(package["tags"], "tags")
    if "groups" in package:
        entry["themes"] = _names(package["groups"], "groups")
    if "resources" in package:
        entry["distributions"] = _distributions(package["resources"])
    if "extras" in package:
        entry.update(_from_extras(package["extras"]))
    elif "state" in package and isinstance(package["state"], str):
        # Without our own status, CKAN's state says it: draft, or else published.
        entry["status"] = "draft" if package["state"] == "draft" else "published"
    return _blanks_as_none(entry)


def _blanks_as_none(value: Any) -> Any:
    """CKAN writes an empty field as "", we as null. (Also: schemas.fields.Text turns a blank into
    None before its length check, which then raises TypeError; this keeps CKAN clients clear of it.)"""
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, dict):
        return {k: _blanks_as_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blanks_as_none(v) for v in value]
    return value


def organisation_slug(reference: str) -> str:
    """The slug of the organisation CKAN names by id or name (the reference itself if unknown)."""
    try:
        key = uuid.UUID(reference)
    except ValueError:
        return reference
    return db.session.scalar(select(Organisation.slug).where(Organisation.id == key)) or reference


def _publisher_slug(owner_org: Any, organization: Any) -> Any:
    """An organisation named by id or name, as CKAN allows; a dict from another catalogue names it
    by `organization.name` when its id is unknown here."""
    if not isinstance(owner_org, str) or not owner_org:
        return owner_org
    try:
        uuid.UUID(owner_org)
    except ValueError:
        return owner_org
    slug = organisation_slug(owner_org)
    if slug == owner_org and isinstance(organization, dict) and isinstance(organization.get("name"), str):
        return organization["name"]
    return slug


def _names(items: Any, field: str) -> Any:
    if not isinstance(items, list):
        raise ValidationError({field: ["Must be a list."]})
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str):
            raise ValidationError({field: ["Each must be an object with a name."]})
        names.append(name)
    return names


def _distributions(resources: Any) -> Any:
    if not isinstance(resources, list):
        raise ValidationError({"resources": ["Must be a list."]})
    distributions = []
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            raise ValidationError({f"resources.{index}": ["Must be an object."]})
        distribution = {
            "title": resource.get("name"),
            "description": resource.get("description"),
            "format": resource.get("format") or None,
            "media_type": resource.get("mimetype") or None,
            "byte_size": resource.get("size"),
            "licence": resource.get("license") or None,
            "issued": resource.get("issued") or None,
            "modified": resource.get("modified", resource.get("last_modified")) or None,
            "access_url": resource.get("access_url"),
            "download_url": resource.get("download_url"),
            # A resource from elsewhere names no data service of ours.
            "access_services": resource.get("access_services") or [],
        }
        url = resource.get("url")
        # A resource from elsewhere has only CKAN's url, which is most often the data itself.
        if url and url not in (distribution["access_url"], distribution["download_url"]):
            distribution["download_url"] = url
        distributions.append(distribution)
    return distributions


def _from_extras(extras: Any) -> dict[str, Any]:
    if not isinstance(extras, list) or not all(
        isinstance(e, dict) and isinstance(e.get("key"), str) for e in extras
    ):
        raise ValidationError({"extras": ['Must be a list of {"key": …, "value": …} objects.']})
    given = {e["key"]: e.get("value") for e in extras}
    unknown = set(given) - set(EXTRAS)
    if unknown:
        raise ValidationError({k: ["Not an extras key here: /api lists them."] for k in sorted(unknown)})
    entry: dict[str, Any] = {name: given.get(name) or None for name in _SCALARS}
    entry["type"] = given.get("entry_type") or "dataset"
    if given.get("status"):
        entry["status"] = given["status"]
    if given.get("contact_name") or given.get("contact_email"):
        entry["contact_point"] = {"name": given.get("contact_name"), "email": given.get("contact_email")}
    else:
        entry["contact_point"] = None
    if given.get("temporal_start") or given.get("temporal_end"):
        entry["temporal_coverage"] = {
            "start": given.get("temporal_start") or None,
            "end": given.get("temporal_end") or None,
        }
    else:
        entry["temporal_coverage"] = None
    for name in (*_JSON_LISTS, "quality"):
        entry[name] = _json_extra(name, given.get(name))
    return entry


def _json_extra(name: str, value: Any) -> Any:
    if value in (None, ""):
        return {} if name == "quality" else []
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as error:
        raise ValidationError({name: ["Must be JSON text (see /api)."]}) from error


def ckan_errors(errors: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """Our validation errors (`distributions.0.title`) under CKAN's names (`resources.0.name`)."""
    named: dict[str, list[str]] = {}
    for field, messages in (errors or {}).items():
        name = _CKAN_FIELD.get(field)
        if name is None:
            head, _, rest = field.partition(".")
            if head == "distributions":
                index, _, sub = rest.partition(".")
                name = ".".join(p for p in ("resources", index, _RESOURCE_FIELD.get(sub, sub)) if p)
            else:
                name = _CKAN_FIELD.get(head, field)
        named.setdefault(name, []).extend(messages)
    return named
