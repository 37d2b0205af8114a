"""Our stored entry as a DCAT-UK record, in the schema's form: `type` an array, `contactPoint`
items with their `role`, dates as YYYY-MM-DD, and only properties the schema knows.

Where a value of ours is longer than DCAT-UK allows, text is shortened (ending "…") and a
reference (a web address, an identifier, a slug, an e-mail address) is left out, since a cut one
would point somewhere else; every record so stays valid against the schema.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select

from marketplace.dcat_uk.terms import (
    CONTACT_ROLE,
    CREATOR_SEPARATOR,
    DATE_PATTERN,
    DELETED,
    EMAIL_PATTERN,
    MAX_LENGTHS,
    SECURITY_CLASSIFICATION_OUT,
    STATUSES,
    TYPES,
)
from marketplace.extensions import db
from marketplace.models import Dataset, Distribution
from marketplace.vocabularies import SERVICE_KINDS, SERVICE_TYPES, THEMES, find_licence


def record_from_entry(dataset: Dataset) -> dict[str, Any]:
    """The entry as a DCAT-UK dataset or data service record."""
    record: dict[str, Any] = {
        "identifier": str(dataset.id),
        "title": dataset.title,
        # DCAT-UK requires a description; a draft's summary (or title) stands in for a missing one.
        "description": _text(dataset.description or dataset.summary or dataset.title, "description"),
        "type": [TYPES[dataset.type]],
        "status": DELETED if dataset.is_deleted else STATUSES[dataset.status],
        "theme": [THEMES[theme.theme] for theme in dataset.themes],
        "keyword": [_text(keyword.keyword, "keyword") for keyword in dataset.keywords],
        "contactPoint": _contact_points(dataset),
        "created": _date(dataset.created_at.date()),
    }
    optional = {
        "supplierIdentifier": _whole(dataset.identifier, "supplierIdentifier"),
        "publisher": _whole(dataset.organisation.slug, "publisher"),
        "creator": _whole(CREATOR_SEPARATOR.join(dataset.creators), "creator"),
        "securityClassification": SECURITY_CLASSIFICATION_OUT.get(
            dataset.security_classification or "", dataset.security_classification
        ),
        "accessRights": dataset.access_rights,
        "license": _license(dataset.licence),
        "issued": _date(dataset.issued),
        "modified": _date(dataset.modified),
        "updateFrequency": dataset.update_frequency,
    }
    record.update({name: value for name, value in optional.items() if value})
    if dataset.type == "data_service":
        record.update(_service(dataset))
    else:
        record["distribution"] = [_distribution(d) for d in dataset.distributions]
    return record


def _service(dataset: Dataset) -> dict[str, Any]:
    service: dict[str, Any] = {
        # Required by the schema; "" says there is none (and reads back as none).
        "endpointDescription": _whole(dataset.endpoint_description, "endpointDescription") or "",
        "servesDataset": served_identifiers(dataset.serves_datasets),
    }
    endpoint_url = _whole(dataset.endpoint_url, "endpointURL")
    if endpoint_url:
        service["endpointURL"] = endpoint_url
    if dataset.service_type:
        service["apiType"] = SERVICE_TYPES[dataset.service_type]
    if dataset.service_kind:
        service["serviceType"] = SERVICE_KINDS[dataset.service_kind]
    return service


def served_identifiers(slugs: list[str]) -> list[str]:
    """The DCAT-UK identifiers (our ids) of the entries a data service serves, named by slug; a
    slug that names no entry is given as it is."""
    if not slugs:
        return []
    ids = dict(db.session.execute(select(Dataset.slug, Dataset.id).where(Dataset.slug.in_(slugs))).all())
    return [str(ids[slug]) if slug in ids else slug for slug in slugs]


def _distribution(distribution: Distribution) -> dict[str, Any]:
    fields = {
        "title": distribution.title,
        "description": _text(distribution.description, "distribution.description"),
        "accessURL": _whole(distribution.access_url, "distribution.accessURL"),
        "downloadURL": _whole(distribution.download_url, "distribution.downloadURL"),
        "format": distribution.format,
        "mediaType": [distribution.media_type] if distribution.media_type else None,
        "accessService": list(distribution.access_services or []),
    }
    return {name: value for name, value in fields.items() if value}


def _contact_points(dataset: Dataset) -> list[dict[str, str]]:
    name = dataset.contact_name or dataset.organisation.title
    email = dataset.contact_email
    # An address the schema's pattern refuses (our check is the e-mail standard's) cannot be told.
    if not email or not re.match(EMAIL_PATTERN, email):
        return []
    return [{"name": _text(name, "contactPoint.name"), "email": email, "role": CONTACT_ROLE}]


def _license(value: str | None) -> dict[str, str] | None:
    licence = find_licence(value) if value else None
    if licence is None:
        return None
    return {"title": licence.title, "licenseURL": licence.uri}


def _date(value: date | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    # The schema's YYYY-MM-DD pattern takes only this century's dates; an older one is told as
    # its other form, a date-time (midnight UTC).
    return text if re.match(DATE_PATTERN, text) else f"{text}T00:00:00+00:00"


def _text(value: str | None, name: str) -> str | None:
    limit = MAX_LENGTHS[name]
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def _whole(value: str | None, name: str) -> str | None:
    return value if value is not None and len(value) <= MAX_LENGTHS[name] else None
