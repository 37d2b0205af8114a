"""The DCAT-UK record's names, labels and codes (CDDO's Data Marketplace metadata schema, used by
its Metadata Management API 3.1.2), and which of our fields each one carries. Defined here once:
the /dm/v1 API, the JSON export and the CKAN extras read them from this module.

Where DCAT-UK's list is ours under another spelling, ours is reused rather than repeated: the 13
theme labels are vocabularies.THEMES' labels, `apiType` is SERVICE_TYPES' labels, and
`accessRights` codes are ACCESS_RIGHTS' values.
"""

from __future__ import annotations

from marketplace.vocabularies import SERVICE_KINDS as KINDS_OF_SERVICE
from marketplace.vocabularies import SERVICE_TYPES, THEMES

# Our entry type -> DCAT-UK `type`. DCAT-UK also lists "Data Group" and "Data Share", which have
# no place in our model (see UNCARRIED_TYPES).
TYPES: dict[str, str] = {"dataset": "Data Set", "data_service": "Data Service"}
UNCARRIED_TYPES = ("Data Group", "Data Share")

# Our status -> DCAT-UK `status`; "Deleted" is what a deleted entry answers with, never a status
# one can be given (deleting is its own operation).
STATUSES: dict[str, str] = {"draft": "Draft", "published": "Published", "withdrawn": "Withdrawn"}
DELETED = "Deleted"

# DCAT-UK theme label -> our theme value.
THEME_VALUES: dict[str, str] = {label: value for value, label in THEMES.items()}

# DCAT-UK `apiType` -> our service_type (our labels are DCAT-UK's codes).
API_TYPE_VALUES: dict[str, str] = {label: value for value, label in SERVICE_TYPES.items()}

# DCAT-UK `serviceType` label -> our `service_kind` (its labels are DCAT-UK's).
SERVICE_KIND_VALUES: dict[str, str] = {label: value for value, label in KINDS_OF_SERVICE.items()}

# `contactPoint.role`. We keep one contact point, the one people write to: "contact".
CONTACT_ROLES = ("owner", "contact", "approver")
CONTACT_ROLE = "contact"

# DCAT-UK's classifications. Ours add OFFICIAL_SENSITIVE, which is the OFFICIAL tier with a
# handling marking, so it answers as OFFICIAL; SECRET and TOP_SECRET are ours to refuse.
SECURITY_CLASSIFICATIONS = ("OFFICIAL", "SECRET", "TOP_SECRET", "NOT_APPLICABLE")
SECURITY_CLASSIFICATION_OUT = {"OFFICIAL_SENSITIVE": "OFFICIAL"}

# The properties of a record (cataloged_resource_schema.json and its two extensions).
COMMON_FIELDS = (
    "identifier",
    "supplierIdentifier",
    "title",
    "description",
    "type",
    "status",
    "theme",
    "keyword",
    "contactPoint",
    "publisher",
    "creator",
    "securityClassification",
    "accessRights",
    "license",
    "issued",
    "modified",
    "created",
    "updateFrequency",
)
DATASET_FIELDS = (*COMMON_FIELDS, "distribution")
DATA_SERVICE_FIELDS = (
    *COMMON_FIELDS,
    "endpointURL",
    "endpointDescription",
    "servesDataset",
    "apiType",
    "serviceType",
)
DISTRIBUTION_FIELDS = (
    "title",
    "description",
    "accessURL",
    "downloadURL",
    "format",
    "mediaType",
    "accessService",
)

# DCAT-UK fields a record may carry that our model has no place for: checked on the way in, then
# not kept. None since migration 0010 (serviceType and distribution.accessService are carried);
# kept so that one the model loses again is listed, never dropped unsaid.
UNCARRIED_FIELDS: tuple[str, ...] = ()
# DCAT-UK fields the catalogue assigns: `identifier` is our entry's id (record_id reads it for
# creation), `created` is when the record was added here.
CATALOGUE_FIELDS = ("identifier", "created")

# Our field (or dotted path) -> the DCAT-UK field that carries it, for naming errors.
FIELD_NAMES: dict[str, str] = {
    "type": "type",
    "status": "status",
    "title": "title",
    "description": "description",
    "publisher": "publisher",
    "identifier": "supplierIdentifier",
    "keywords": "keyword",
    "themes": "theme",
    "creators": "creator",
    "contact_point": "contactPoint",
    "contact_point.name": "contactPoint.0.name",
    "contact_point.email": "contactPoint.0.email",
    "access_rights": "accessRights",
    "security_classification": "securityClassification",
    "licence": "license.licenseURL",
    "issued": "issued",
    "modified": "modified",
    "update_frequency": "updateFrequency",
    "distributions": "distribution",
    "endpoint_url": "endpointURL",
    "endpoint_description": "endpointDescription",
    "service_type": "apiType",
    "serves_datasets": "servesDataset",
    "service_kind": "serviceType",
}
DISTRIBUTION_FIELD_NAMES: dict[str, str] = {
    "title": "title",
    "description": "description",
    "access_url": "accessURL",
    "download_url": "downloadURL",
    "format": "format",
    "media_type": "mediaType",
    "access_services": "accessService",
}
# Our fields with no DCAT-UK home: a record neither shows nor sets them.
OUR_FIELDS_WITHOUT_DCAT_UK = (
    "slug",
    "summary",
    "created",
    "alternative_titles",
    "version",
    "spatial_coverage",
    "temporal_coverage",
    "related_resources",
    "service_status",
    "withdrawal_reason",
    "replaced_by",
    "quality",
    "distributions.byte_size",
    "distributions.licence",
    "distributions.issued",
    "distributions.modified",
)

# A creator list travels as one `creator` string, joined with this.
CREATOR_SEPARATOR = "; "

# maxLength of each DCAT-UK string we fill from a longer field of ours.
MAX_LENGTHS: dict[str, int] = {
    "supplierIdentifier": 50,
    "description": 4096,
    "keyword": 75,
    "publisher": 75,
    "creator": 75,
    "contactPoint.name": 50,
    "distribution.description": 4096,
    "distribution.accessURL": 250,
    "distribution.downloadURL": 250,
    "endpointURL": 250,
    "endpointDescription": 4096,
}
# The schema's own patterns: a YYYY-MM-DD date of this century, and a contact's e-mail address.
DATE_PATTERN = r"^20\d{2}\-[0-1]\d\-[0-3]\d$"
EMAIL_PATTERN = r"^[a-zA-Z0-9_.+\-]+@[a-zA-Z0-9\-]+\.[a-zA-Z0-9\-.]+$"

# Where the schemas live; their `$ref`s name one another under it.
SCHEMA_BASE = "https://co-cddo.github.io/data-catalogue-metadata/schema/"
