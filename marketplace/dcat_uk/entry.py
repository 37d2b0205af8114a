"""A DCAT-UK record as the body our services take, and our errors under DCAT-UK's names.

Where the specification contradicts itself, both forms are accepted: `type` as a string (the
OpenAPI examples) or a one-item array (the schema); `contactPoint.role` present or not;
`issued`/`modified` as a date or a date-time (whose date, as written, is kept). Values outside
DCAT-UK's lists, or outside what our model can hold, are refused naming the DCAT-UK field.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import ValidationError as SchemaValidationError
from marshmallow.fields import Field
from sqlalchemy import select

from marketplace.dcat_uk.terms import (
    API_TYPE_VALUES,
    CONTACT_ROLES,
    CREATOR_SEPARATOR,
    DATA_SERVICE_FIELDS,
    DATASET_FIELDS,
    DELETED,
    DISTRIBUTION_FIELD_NAMES,
    DISTRIBUTION_FIELDS,
    FIELD_NAMES,
    SECURITY_CLASSIFICATIONS,
    SERVICE_KIND_VALUES,
    STATUSES,
    THEME_VALUES,
    TYPES,
    UNCARRIED_TYPES,
)
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.schemas.dataset import DatasetInputSchema, DistributionSchema
from marketplace.vocabularies import MEDIA_TYPES, find_licence

# Our own fields check the vocabularies DCAT-UK shares with us (access rights, frequencies,
# media types, the refused classifications), so their lists are not repeated here.
_ENTRY_FIELDS = DatasetInputSchema().fields
_DISTRIBUTION_FIELDS = DistributionSchema().fields
_TYPE_VALUES = {label: value for value, label in TYPES.items()}
_STATUS_VALUES = {label: value for value, label in STATUSES.items()}
# Fields whose value is ours unchanged.
_SAME = {"supplierIdentifier": "identifier", "title": "title", "description": "description"}
_SAME.update({"keyword": "keywords", "publisher": "publisher", "endpointURL": "endpoint_url"})


class _Errors(dict[str, list[str]]):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def entry_from_record(record: Any) -> dict[str, Any]:
    """The body services.datasets takes for the fields `record` gives (only those: a partial
    record maps to a partial body). ValidationError, naming DCAT-UK fields, for what cannot be."""
    if not isinstance(record, Mapping):
        raise ValidationError({"_schema": ["Send a JSON object describing the record."]})
    errors = _Errors()
    for name in sorted(set(record) - set(DATASET_FIELDS) - set(DATA_SERVICE_FIELDS)):
        errors.add(name, "Not a field of a DCAT-UK record.")
    entry: dict[str, Any] = {ours: record[theirs] for theirs, ours in _SAME.items() if theirs in record}
    for theirs, (ours, read) in _READERS.items():
        if theirs in record:
            entry[ours] = read(record[theirs], errors)
    if errors:
        raise ValidationError(dict(errors))
    return entry


def record_id(record: Mapping[str, Any]) -> uuid.UUID | None:
    """The id a new entry takes from the record's `identifier` (the catalogue's own, a UUID)."""
    value = record.get("identifier")
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError, AttributeError) as error:
        raise ValidationError({"identifier": ["Must be a UUID, as the catalogue gives it."]}) from error


def record_errors(errors: Mapping[str, list[str]] | None) -> dict[str, list[str]]:
    """Our validation errors (`distributions.0.media_type`) under DCAT-UK's names
    (`distribution.0.mediaType`)."""
    named: dict[str, list[str]] = {}
    for field, messages in (errors or {}).items():
        name = FIELD_NAMES.get(field)
        if name is None:
            head, _, rest = field.partition(".")
            if head == "distributions":
                index, _, sub = rest.partition(".")
                sub, _, item = sub.partition(".")  # access_services.0
                parts = ("distribution", index, DISTRIBUTION_FIELD_NAMES.get(sub, sub), item)
                name = ".".join(part for part in parts if part)
            else:
                name = ".".join(part for part in (FIELD_NAMES.get(head, head), rest) if part)
        named.setdefault(name, []).extend(messages)
    return named


def _not_one_of(value: Any, allowed: Any) -> str:
    return f"{value!r} is not one of: {', '.join(allowed)}."


def _term(name: str, table: Mapping[str, str], value: Any, errors: _Errors) -> str | None:
    if isinstance(value, str) and value in table:
        return table[value]
    errors.add(name, _not_one_of(value, table))
    return None


def _type(value: Any, errors: _Errors) -> str | None:
    # A string in the OpenAPI examples, an array in the 2025 schema.
    if isinstance(value, list):
        if len(value) != 1:
            errors.add("type", "Give one type: a record is a Data Set or a Data Service.")
            return None
        value = value[0]
    if value in UNCARRIED_TYPES:
        errors.add("type", f"{value} records are not kept here: only Data Set and Data Service.")
        return None
    return _term("type", _TYPE_VALUES, value, errors)


def _status(value: Any, errors: _Errors) -> str | None:
    if value == DELETED:
        errors.add("status", "A record is deleted with DELETE, not by giving it this status.")
        return None
    return _term("status", _STATUS_VALUES, value, errors)


def _themes(value: Any, errors: _Errors) -> Any:
    if not isinstance(value, list):
        errors.add("theme", "Must be a list of theme labels.")
        return None
    return [_term(f"theme.{index}", THEME_VALUES, label, errors) for index, label in enumerate(value)]


def _contact_point(value: Any, errors: _Errors) -> dict[str, Any] | None:
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        errors.add("contactPoint", "Must be a list of {name, email, role} objects.")
        return None
    if len(value) > 1:
        errors.add("contactPoint", "Give one contact point: an entry here keeps one.")
        return None
    if not value:
        return None
    contact = value[0]
    for name in sorted(set(contact) - {"name", "email", "role"}):
        errors.add(f"contactPoint.0.{name}", "Not a field of a contact point.")
    # `role` is required by the schema and optional in the OpenAPI document.
    if "role" in contact and contact["role"] not in CONTACT_ROLES:
        errors.add("contactPoint.0.role", _not_one_of(contact["role"], CONTACT_ROLES))
    return {"name": contact.get("name"), "email": contact.get("email")}


def _creators(value: Any, errors: _Errors) -> Any:
    if value is None:
        return []
    if not isinstance(value, str):
        errors.add("creator", "Must be text.")
        return None
    return [name.strip() for name in value.split(CREATOR_SEPARATOR.strip()) if name.strip()]


def _security_classification(value: Any, errors: _Errors) -> Any:
    if value is None:
        return None
    if value not in SECURITY_CLASSIFICATIONS:
        errors.add("securityClassification", _not_one_of(value, SECURITY_CLASSIFICATIONS))
        return None
    # Ours refuses SECRET and TOP_SECRET, saying why.
    return _ours("securityClassification", _ENTRY_FIELDS["security_classification"])(value, errors)


def _ours(name: str, field: Field) -> Callable[[Any, _Errors], Any]:
    def read(value: Any, errors: _Errors) -> Any:
        if value is None:
            return None
        try:
            return field.deserialize(value)
        except SchemaValidationError as error:
            for message in error.messages if isinstance(error.messages, list) else [str(error.messages)]:
                errors.add(name, message)
            return None

    return read


def _licence(value: Any, errors: _Errors) -> str | None:
    if value is None:
        return None
    url = value.get("licenseURL") if isinstance(value, Mapping) else None
    for name in sorted(set(value) - {"title", "licenseURL"}) if isinstance(value, Mapping) else ():
        errors.add(f"license.{name}", "Not a field of a licence.")
    if not isinstance(url, str):
        errors.add("license.licenseURL", "Give the licence's URL.")
        return None
    licence = find_licence(url)
    if licence is None:
        errors.add(
            "license.licenseURL", f"{url!r} is not a licence we list: GET /api/v1/licences lists them."
        )
        return None
    # Its title is the list's; the one sent is a label for the same URL.
    return licence.uri


def _dates(name: str) -> Callable[[Any, _Errors], Any]:
    def read(value: Any, errors: _Errors) -> str | None:
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            day = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value).date()
        except ValueError:
            errors.add(name, "Must be a date (YYYY-MM-DD) or a date-time (YYYY-MM-DDThh:mm:ss+00:00).")
            return None
        return day.isoformat()

    return read


def _blank_as_none(value: Any, errors: _Errors) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _api_type(value: Any, errors: _Errors) -> str | None:
    return None if value is None else _term("apiType", API_TYPE_VALUES, value, errors)


def _service_kind(value: Any, errors: _Errors) -> str | None:
    return None if value is None else _term("serviceType", SERVICE_KIND_VALUES, value, errors)


def _served(value: Any, errors: _Errors) -> Any:
    """Served entries named by DCAT-UK identifier (our id) become their slugs; anything else is
    passed on for the services to judge (a slug is accepted as it is)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors.add("servesDataset", "Must be a list of dataset identifiers.")
        return None
    ids = {item: found for item in value if (found := _uuid(item)) is not None}
    slugs = {}
    if ids:
        found = select(Dataset.id, Dataset.slug).where(Dataset.id.in_(set(ids.values())))
        slugs = dict(db.session.execute(found).all())
    return [slugs.get(ids[item], item) if item in ids else item for item in value]


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _distributions(value: Any, errors: _Errors) -> Any:
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        errors.add("distribution", "Must be a list of distribution objects.")
        return None
    return [_distribution(index, item, errors) for index, item in enumerate(value)]


def _distribution(index: int, value: Mapping[str, Any], errors: _Errors) -> dict[str, Any]:
    at = f"distribution.{index}"
    for name in sorted(set(value) - set(DISTRIBUTION_FIELDS)):
        errors.add(f"{at}.{name}", "Not a field of a distribution.")
    distribution = {
        ours: value[theirs] for ours, theirs in DISTRIBUTION_FIELD_NAMES.items() if theirs in value
    }
    media_types = value.get("mediaType")
    if media_types is not None:
        if isinstance(media_types, str):
            media_types = [media_types]
        if not isinstance(media_types, list) or len(media_types) > 1:
            errors.add(f"{at}.mediaType", "Give one media type: a distribution here has one.")
            media_type = None
        else:
            field = _DISTRIBUTION_FIELDS["media_type"]
            media_type = _ours(f"{at}.mediaType", field)(media_types[0] if media_types else None, errors)
        distribution["media_type"] = media_type
    access_service = value.get("accessService", [])
    if not isinstance(access_service, list) or not all(isinstance(item, str) for item in access_service):
        errors.add(f"{at}.accessService", "Must be a list of data service identifiers.")
        distribution.pop("access_services", None)
    if not distribution.get("title"):
        # The OpenAPI example's distributions have no title; ours need one: its format names it.
        media_type = distribution.get("media_type")
        distribution["title"] = distribution.get("format") or MEDIA_TYPES.get(media_type or "") or "Data"
    return distribution


# DCAT-UK field -> (our field, how its value becomes ours).
_READERS: dict[str, tuple[str, Callable[[Any, _Errors], Any]]] = {
    "type": ("type", _type),
    "status": ("status", _status),
    "theme": ("themes", _themes),
    "contactPoint": ("contact_point", _contact_point),
    "creator": ("creators", _creators),
    "securityClassification": ("security_classification", _security_classification),
    "accessRights": ("access_rights", _ours("accessRights", _ENTRY_FIELDS["access_rights"])),
    "updateFrequency": ("update_frequency", _ours("updateFrequency", _ENTRY_FIELDS["update_frequency"])),
    "license": ("licence", _licence),
    "issued": ("issued", _dates("issued")),
    "modified": ("modified", _dates("modified")),
    "distribution": ("distributions", _distributions),
    "endpointDescription": ("endpoint_description", _blank_as_none),
    "servesDataset": ("serves_datasets", _served),
    "apiType": ("service_type", _api_type),
    "serviceType": ("service_kind", _service_kind),
}
