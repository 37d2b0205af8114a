"""What an entry looks like coming in (validated) and going out (dumped)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from marketplace.descriptions import MAX_MARKDOWN_CHARACTERS, MAX_TABLE_CELLS, table_cells_at_most
from marketplace.rules.text import unstorable_text
from marketplace.schemas.fields import (
    AnyDate,
    LicenceField,
    PastDate,
    Text,
    Vocabulary,
    list_of,
)
from marketplace.schemas.quality import DeclaredQualityField
from marketplace.schemas.web_address import WebAddress
from marketplace.vocabularies import (
    ACCESS_RIGHTS,
    DATASET_STATUSES,
    ENTRY_TYPES,
    LISTED_SECURITY_CLASSIFICATIONS,
    MEDIA_TYPES,
    REFUSED_SECURITY_CLASSIFICATIONS,
    SERVICE_KINDS,
    SERVICE_STATUSES,
    SERVICE_TYPES,
    THEMES,
    UPDATE_FREQUENCIES,
)
from marketplace.vocabularies.formats import media_type_for

MAX_KEYWORDS = 50
MAX_DISTRIBUTIONS = 100
MAX_ACCESS_SERVICES = 20
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SERVED_DATASET_MESSAGE = (
    "Must be the web address name (slug) of an entry in this catalogue, such as road-traffic-estimates."
)
ACCESS_SERVICE_MESSAGE = "Must be the id (a UUID) of a data service in this catalogue."
# The fields only a data service has.
SERVICE_ONLY_FIELDS = (
    "endpoint_url",
    "endpoint_description",
    "service_type",
    "service_kind",
    "service_status",
)

# Fields an entry must have before it can be published; drafts may lack them.
REQUIRED_TO_PUBLISH = (
    "description",
    "contact_point",
    "access_rights",
    "security_classification",
    "licence",
    "modified",
)
# What GET returns but a client cannot set; accepted and ignored on input so that a
# representation fetched with GET can be changed and sent back with PUT.
READ_ONLY_FIELDS = frozenset(
    {
        "id",
        "organisation",
        "licence_title",
        "created_at",
        "updated_at",
        "metadata_modified",
        "published_at",
        "withdrawn_at",
        "links",
        "etag",
        "freshness",
        "harvested_from",
    }
)

FREQUENCY_URI = "http://purl.org/cld/freq/"


class ContactPointSchema(Schema):
    name = Text(required=True, max_length=200)
    email = fields.Email(
        required=True,
        validate=validate.Length(max=254),
        error_messages={"invalid": "Not a valid e-mail address."},
    )


class TemporalCoverageSchema(Schema):
    start = AnyDate(allow_none=True)
    end = AnyDate(allow_none=True)

    @validates_schema
    def start_before_end(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("Must be on or before the end date.", "start")


class DistributionSchema(Schema):
    title = Text(required=True, max_length=200)
    description = Text(max_length=5000, single_line=False, allow_none=True)
    access_url = WebAddress(allow_none=True)
    download_url = WebAddress(allow_none=True)
    media_type = Vocabulary(MEDIA_TYPES, name="media type (IANA)", allow_none=True)
    format = Text(max_length=50, allow_none=True)
    byte_size = fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(
            min=0, max=2**63 - 1, error="Must be a whole number of bytes from 0 to 2^63-1."
        ),
    )
    licence = LicenceField(allow_none=True)
    issued = PastDate(allow_none=True)
    modified = PastDate(allow_none=True)
    # DCAT-UK's accessService: the data services that give this distribution's data, by id.
    # That each names a data service is checked by the services (services.served_datasets).
    access_services = list_of(
        fields.UUID(error_messages={"invalid_uuid": ACCESS_SERVICE_MESSAGE}),
        max_items=MAX_ACCESS_SERVICES,
        noun="access services",
    )

    @validates_schema
    def check(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        if not data.get("access_url") and not data.get("download_url"):
            errors["access_url"] = ["Give an access URL or a download URL."]
        if data.get("issued") and data.get("modified") and data["issued"] > data["modified"]:
            errors["issued"] = ["Must be on or before the modified date."]
        if errors:
            raise ValidationError(errors)

    @post_load
    def normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # DCAT requires an access URL; a direct download is also a way to access the data.
        if not data.get("access_url") and data.get("download_url"):
            data["access_url"] = data["download_url"]
        if "access_services" in data:
            # Stored as text, in the one spelling (lower case), each once.
            data["access_services"] = list(dict.fromkeys(str(id_) for id_ in data["access_services"]))
        if data.get("format"):
            data["format"] = data["format"].upper()
        elif data.get("media_type"):
            data["format"] = MEDIA_TYPES[data["media_type"]]
        # A format picked by name brings its media type (a publisher knows "Excel spreadsheet",
        # rarely application/vnd.openxmlformats-officedocument.spreadsheetml.sheet).
        if data.get("format") and not data.get("media_type"):
            data["media_type"] = media_type_for(data["format"])
        return data


class SecurityClassificationField(Vocabulary):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and value.strip().upper().replace("-", "_").replace(" ", "_") in (
            REFUSED_SECURITY_CLASSIFICATIONS
        ):
            raise ValidationError(
                f"{value.strip()} data may not be listed in the Data Marketplace. Only OFFICIAL "
                "(including OFFICIAL-SENSITIVE) entries may be listed."
            )
        return super()._deserialize(value, attr, data, **kwargs)


def _tables_within_budget(text: str | None) -> None:
    """Tables small enough to show (marketplace/descriptions.py says why), the refusal saying
    what to change."""
    cells = table_cells_at_most(text or "")
    if cells > MAX_TABLE_CELLS:
        raise ValidationError(
            f"Tables in a description can have at most {MAX_TABLE_CELLS:,} cells in all, counting "
            f"each row as wide as its header. The tables in this description could have {cells:,}: "
            "shorten or split them, or publish the data as a file."
        )


class DatasetInputSchema(Schema):
    """An entry as a client sends it (POST, PUT, and PATCH after merging with the stored entry)."""

    type = Vocabulary(ENTRY_TYPES, name="entry type", load_default="dataset")
    status = Vocabulary(DATASET_STATUSES, name="status")
    slug = fields.String(
        validate=[
            validate.Length(min=1, max=100, error="Must be between 1 and 100 characters."),
            validate.Regexp(SLUG_PATTERN, error="Use lower-case letters, digits and single hyphens only."),
        ],
        allow_none=True,
    )
    title = Text(required=True, max_length=200)
    summary = Text(max_length=250, allow_none=True)
    description = Text(
        max_length=MAX_MARKDOWN_CHARACTERS,
        single_line=False,
        allow_none=True,
        validate=[_tables_within_budget],
    )
    publisher = fields.String(required=True, validate=validate.Length(min=1, max=100))
    contact_point = fields.Nested(ContactPointSchema, allow_none=True)
    access_rights = Vocabulary(ACCESS_RIGHTS, name="access right", allow_none=True)
    security_classification = SecurityClassificationField(
        LISTED_SECURITY_CLASSIFICATIONS,
        name="security classification",
        allow_none=True,
        aliases={"OFFICIAL-SENSITIVE": "OFFICIAL_SENSITIVE", "OFFICIAL SENSITIVE": "OFFICIAL_SENSITIVE"},
    )
    licence = LicenceField(allow_none=True)
    modified = PastDate(allow_none=True)
    issued = PastDate(allow_none=True)
    created = PastDate(allow_none=True)
    identifier = Text(max_length=255, allow_none=True)
    alternative_titles = list_of(Text(max_length=200), max_items=20, noun="alternative titles")
    creators = list_of(Text(max_length=200), max_items=50, noun="creators")
    version = Text(max_length=50, allow_none=True)
    keywords = list_of(Text(max_length=100), max_items=MAX_KEYWORDS, noun="keywords")
    themes = list_of(Vocabulary(THEMES, name="theme"), max_items=len(THEMES), noun="themes")
    update_frequency = Vocabulary(
        {k: v[0] for k, v in UPDATE_FREQUENCIES.items()},
        name="update frequency",
        allow_none=True,
        aliases={FREQUENCY_URI + k: k for k in UPDATE_FREQUENCIES},
    )
    spatial_coverage = Text(max_length=255, allow_none=True)
    temporal_coverage = fields.Nested(TemporalCoverageSchema, allow_none=True)
    related_resources = list_of(WebAddress(), max_items=50, noun="related resources")
    distributions = list_of(
        fields.Nested(DistributionSchema), max_items=MAX_DISTRIBUTIONS, noun="distributions"
    )
    endpoint_url = WebAddress(allow_none=True)
    endpoint_description = WebAddress(allow_none=True)
    service_type = Vocabulary(SERVICE_TYPES, name="service type", allow_none=True)
    # What the service is for (DCAT-UK serviceType), beside service_type, its API's style.
    service_kind = Vocabulary(SERVICE_KINDS, name="kind of service", allow_none=True)
    service_status = Vocabulary(SERVICE_STATUSES, name="service status", allow_none=True)
    # Slugs, shown as links to /datasets/<slug>: a slug cannot lead anywhere else on the site.
    # That each names an entry is checked by the services (services.served_datasets).
    serves_datasets = list_of(
        fields.String(
            validate=[
                validate.Length(min=1, max=100, error="Must be between 1 and 100 characters."),
                validate.Regexp(SLUG_PATTERN, error=SERVED_DATASET_MESSAGE),
            ]
        ),
        max_items=100,
        noun="served datasets",
    )
    # While withdrawn: why, and the slug of the entry that replaces it (services.datasets checks
    # that it names an entry the caller may see).
    withdrawal_reason = Text(max_length=500, allow_none=True)
    replaced_by = fields.String(
        allow_none=True,
        validate=[
            validate.Length(min=1, max=100, error="Must be between 1 and 100 characters."),
            validate.Regexp(SLUG_PATTERN, error=SERVED_DATASET_MESSAGE),
        ],
    )
    quality = DeclaredQualityField()

    @pre_load
    def drop_read_only(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, dict):
            return data
        unstorable = unstorable_text(data)
        if unstorable:
            raise ValidationError(unstorable)
        data = {k: v for k, v in data.items() if k not in READ_ONLY_FIELDS}
        if isinstance(data.get("distributions"), list):
            data["distributions"] = [
                {k: v for k, v in d.items() if k != "id"} if isinstance(d, dict) else d
                for d in data["distributions"]
            ]
        quality = data.get("quality")
        if isinstance(quality, dict):
            # Only the declared part of `quality` can be set; the computed parts are read-only.
            quality = quality.get("declared", quality)
            data["quality"] = quality
            if isinstance(quality, dict):
                data["quality"] = {
                    dimension: {k: v for k, v in rating.items() if k != "label"}
                    if isinstance(rating, dict)
                    else rating
                    for dimension, rating in quality.items()
                }
        return data

    @validates_schema(skip_on_field_errors=False)
    def check_entry(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        if data.get("issued") and data.get("modified") and data["issued"] > data["modified"]:
            errors["issued"] = ["Must be on or before the modified date."]
        if data.get("type") == "data_service":
            if data.get("distributions"):
                errors["distributions"] = [
                    "Only datasets have distributions; describe a data service with endpoint_url."
                ]
        elif data.get("type") == "dataset":
            for name in SERVICE_ONLY_FIELDS:
                if data.get(name):
                    errors[name] = ["Only data services have this field; set type to data_service."]
            if data.get("serves_datasets"):
                errors["serves_datasets"] = ["Only data services serve datasets."]
        if data.get("status") in {"published", "withdrawn"}:
            required = list(REQUIRED_TO_PUBLISH)
            if data.get("type") == "data_service":
                # A service's use is governed by its own terms (its endpoint description): DCAT-AP
                # and DCAT-UK leave a data service's licence optional, and the Data Marketplace's
                # own sample service is published without one. Datasets still need one.
                required.remove("licence")
                required.append("endpoint_url")
            for name in required:
                if data.get(name) in (None, "", []) and name not in errors:
                    errors[name] = ["Required before the entry can be published."]
        if errors:
            raise ValidationError(errors)

    @post_load
    def normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "keywords" in data:
            data["keywords"] = _unique_keywords(data["keywords"])
        if "themes" in data:
            data["themes"] = sorted(set(data["themes"]))
        return data


def _unique_keywords(keywords: list[str | None]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for keyword in keywords:
        if keyword and keyword.lower() not in seen:
            seen.add(keyword.lower())
            unique.append(keyword)
    return unique
