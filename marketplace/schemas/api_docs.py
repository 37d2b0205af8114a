"""What the REST API answers, as marshmallow schemas: the source of the OpenAPI document.

Entries, organisations and revisions are dumped by their own schemas (dataset_out.py,
organisation.py, revision.py); these subclass them only to give a type to the fields those
compute (`fields.Function`, `fields.Method`), and describe the bodies that are built in the
views or services as plain dicts: list envelopes, the problem document, /me, licences, the
quality summary, members and role changes, and data share requests' lists and figures (a
request itself is dumped by schemas/access_request.py).
"""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, fields, validate

from marketplace.rules.access_request_states import DECIDED_STATUSES
from marketplace.rules.freshness import FRESHNESS_STATES
from marketplace.rules.quality import BANDS
from marketplace.schemas.access_request import AccessRequestSchema, RequestEventSchema
from marketplace.schemas.dataset_out import DatasetOutSchema
from marketplace.schemas.organisation import OrganisationOutSchema
from marketplace.schemas.quality import QualityRatingSchema
from marketplace.schemas.revision import RevisionOutSchema
from marketplace.vocabularies import ACCESS_RIGHTS, DATASET_STATUSES, ENTRY_TYPES, QUALITY_DIMENSIONS

# Every machine name a problem body's `code` may carry, its usual status, and when it is sent.
PROBLEM_CODES: dict[str, tuple[int, str]] = {
    "bad_request": (400, "A malformed request: bad JSON, or a query parameter that cannot be read."),
    "validation_failed": (422, "The body cannot be accepted; `errors` names each field and why."),
    "unsupported_media_type": (415, "The body is not JSON (send Content-Type: application/json)."),
    "authentication_required": (401, "No credentials, or a token that is unknown, revoked or expired."),
    "forbidden": (403, "The caller may not do this (a read-only token, or another organisation's entry)."),
    "not_found": (404, "Nothing at that address, or nothing the caller may see."),
    "gone": (410, "The entry was deleted."),
    "conflict": (409, "The change conflicts with the current state."),
    "slug_taken": (409, "Another entry already has that slug."),
    "identifier_taken": (409, "Another entry of the organisation and type already has that identifier."),
    "stale_etag": (412, "If-Match named a version that is no longer current; `current_etag` is."),
    "rate_limited": (429, "Too many requests; `retry_after` (and Retry-After) say how many seconds to wait."),
    "method_not_allowed": (405, "The address does not take that method (Allow lists those it does)."),
    "not_acceptable": (406, "Accept asks for something other than JSON."),
    "payload_too_large": (413, "The body is over 1 MB."),
    "internal_error": (500, "Something went wrong on the server; it has been logged."),
    "unavailable": (503, "The service is unavailable for a while."),
    "csrf_failed": (400, "A form was not sent from this service (web pages only)."),
    "idempotency_key_reused": (422, "The Idempotency-Key was used before with a different body."),
    "idempotency_key_in_use": (409, "A request with the same Idempotency-Key is still being processed."),
    "invalid_idempotency_key": (400, "The Idempotency-Key is not 1 to 255 printable ASCII characters."),
    "cursor_invalid": (400, "The cursor is not one this API gave out."),
    "cursor_expired": (400, "The cursor is over 24 hours old: carry on with the modified_since in detail."),
    "cursor_mismatch": (400, "The cursor was given out for a listing with other parameters."),
    "invalid_transition": (409, "A data share request cannot make that move from its status, or not by you."),
    "request_not_editable": (
        409,
        "A data share request's answers change only while it is a draft or returned.",
    ),
    "not_requestable": (
        409,
        "The entry's data can be downloaded, or it is not published: nothing to request.",
    ),
    "request_incomplete": (422, "The request is not ready to submit; `errors` names what is missing."),
    "request_changed": (412, "Someone else changed the data share request (409 when it happened at once)."),
}


def _enum(values: Any) -> validate.OneOf:
    # Validators on these dump schemas are never run: apispec turns them into `enum`.
    return validate.OneOf(list(values))


class ProblemSchema(Schema):
    """An RFC 9457 problem document (application/problem+json); some problems add members."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"description": "A URI naming the kind of problem."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "What went wrong, for a person."})
    code = fields.String(
        required=True,
        validate=_enum(PROBLEM_CODES),
        metadata={"description": "A stable machine name for the problem."},
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Each field (a dotted path) and what is wrong with it."},
    )
    current_etag = fields.String(metadata={"description": "With stale_etag: the entry's current tag."})
    retry_after = fields.Integer(metadata={"description": "With rate_limited: seconds to wait."})
    available = fields.List(
        fields.String(), metadata={"description": "With not_acceptable: the types the resource comes in."}
    )


class PageLinksSchema(Schema):
    self = fields.String(required=True)
    first = fields.String()
    last = fields.String(allow_none=True)
    next = fields.String(allow_none=True)
    prev = fields.String(allow_none=True)


class EntryLinksSchema(Schema):
    self = fields.String(required=True)
    quality = fields.String(required=True)
    revisions = fields.String(required=True)


class DeclaredRatingSchema(Schema):
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    label = fields.String(required=True)
    assessed_on = fields.Date(required=True)
    method = fields.String(allow_none=True)
    action_plan_url = fields.String(allow_none=True)


class QualitySchema(Schema):
    """An entry's quality: the publisher's declared ratings and the computed metadata quality."""

    declared = fields.Dict(
        keys=fields.String(validate=_enum(QUALITY_DIMENSIONS)),
        values=fields.Nested(DeclaredRatingSchema),
        required=True,
    )
    metadata_score = fields.Integer(allow_none=True, required=True)
    metadata_band = fields.String(allow_none=True, required=True)
    metadata_dimensions = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)
    fixes = fields.List(fields.String(), required=True)


# The body of ``PUT /api/v1/datasets/{reference}/quality``: a rating for any of the dimensions.
DeclaredQualityInputSchema = Schema.from_dict(
    {dimension: fields.Nested(QualityRatingSchema) for dimension in QUALITY_DIMENSIONS},
    name="DeclaredQualityInputSchema",
)


class ContactPointOutSchema(Schema):
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class TemporalCoverageOutSchema(Schema):
    start = fields.Date(allow_none=True)
    end = fields.Date(allow_none=True)


class HarvestedFromSchema(Schema):
    source = fields.String()
    catalogue = fields.String(allow_none=True)
    identifier = fields.String(allow_none=True)
    harvested_at = fields.DateTime()


class DatasetSchema(DatasetOutSchema):
    """An entry (a dataset or a data service) as the API returns it."""

    type = fields.String(validate=_enum(ENTRY_TYPES))
    status = fields.String(validate=_enum(DATASET_STATUSES))
    access_rights = fields.String(allow_none=True, validate=_enum(ACCESS_RIGHTS))
    publisher = fields.String(metadata={"description": "The organisation's slug."})
    contact_point = fields.Nested(ContactPointOutSchema, allow_none=True)
    licence_title = fields.String(allow_none=True)
    keywords = fields.List(fields.String())
    themes = fields.List(fields.String())
    temporal_coverage = fields.Nested(TemporalCoverageOutSchema, allow_none=True)
    harvested_from = fields.Nested(HarvestedFromSchema, allow_none=True)
    quality = fields.Nested(QualitySchema)
    freshness = fields.String(validate=_enum(FRESHNESS_STATES))
    metadata_modified = fields.DateTime(
        metadata={"description": "When the record last changed here (the change feed's order)."}
    )


class DatasetEntrySchema(DatasetSchema):
    """One entry, with links to its quality and history."""

    links = fields.Nested(EntryLinksSchema, required=True)


class DatasetListItemSchema(DatasetSchema):
    highlights = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "With q: the matched words marked in title, summary, description."},
    )


class TombstoneSchema(Schema):
    """In the change feed (modified_since): an entry the caller could list before that no longer
    matches (withdrawn, deleted, restricted, or out of the filters)."""

    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    status = fields.String(required=True, validate=_enum([*DATASET_STATUSES, "deleted"]))
    metadata_modified = fields.DateTime(required=True)
    tombstone = fields.Boolean(required=True, validate=validate.Equal(True))


class ChangeField(fields.Field):
    """An entry of the change feed: the entry itself, or its tombstone."""

    def __init__(self, **kwargs: Any) -> None:
        entry = {"$ref": "#/components/schemas/DatasetListItem"}
        tombstone = {"$ref": "#/components/schemas/Tombstone"}
        super().__init__(metadata={"oneOf": [entry, tombstone]}, **kwargs)


class FacetValueSchema(Schema):
    value = fields.String(required=True)
    label = fields.String(required=True)
    count = fields.Integer(required=True)


class ExpansionSchema(Schema):
    typed = fields.String(required=True, metadata={"example": "A&E"})
    including = fields.List(
        fields.String(),
        required=True,
        metadata={"example": ["accident and emergency", "emergency department"]},
    )


class DatasetListSchema(Schema):
    """A page of a search (by page number), or of the change feed (by cursor: with `cursor`,
    `modified_since` or sort=metadata_modified), whose items may include tombstones."""

    items = fields.List(ChangeField(), required=True)
    total = fields.Integer(
        required=True,
        metadata={
            "description": "Results in all; paged by cursor, the rows the walk held when it began "
            "(counted on its first page)."
        },
    )
    page = fields.Integer(allow_none=True, metadata={"description": "null when paged by cursor."})
    per_page = fields.Integer()
    facets = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(FacetValueSchema)),
        allow_none=True,
        metadata={"description": "Counts per filter value; null when the search index is unavailable."},
    )
    suggestion = fields.String(allow_none=True, metadata={"description": "Did you mean…"})
    expanded = fields.List(
        fields.Nested(ExpansionSchema),
        allow_none=True,
        metadata={
            "description": "Words typed that the thesaurus knows, and what else was searched for "
            "(ranked below entries matching the words as typed); empty with expand=false, null "
            "when the search index did not answer."
        },
    )
    all_words = fields.Boolean(
        metadata={
            "description": "false when no entry holds every word searched for: the items then "
            "hold at least half of them, those holding most first."
        }
    )
    next_cursor = fields.String(
        allow_none=True,
        metadata={"description": "Paged by cursor: the next page's cursor (also in links.next), or null."},
    )
    links = fields.Nested(PageLinksSchema, required=True)


class TitleSuggestionSchema(Schema):
    title = fields.String(required=True)
    slug = fields.String(required=True)


class SuggestionsSchema(Schema):
    q = fields.String(required=True)
    items = fields.List(fields.Nested(TitleSuggestionSchema), required=True)


class RevisionSchema(RevisionOutSchema):
    actor = fields.String(metadata={"description": "Who made the change (or their organisation)."})


class RevisionListSchema(Schema):
    items = fields.List(fields.Nested(RevisionSchema(context_organisation="", show_editors=False)))
    total = fields.Integer(required=True)
    page = fields.Integer()
    per_page = fields.Integer()
    links = fields.Nested(PageLinksSchema, required=True)


class OrganisationLinksSchema(Schema):
    self = fields.String(required=True)
    datasets = fields.String(required=True)


class OrganisationSchema(OrganisationOutSchema):
    dataset_count = fields.Integer(metadata={"description": "Entries the caller can see."})
    links = fields.Nested(OrganisationLinksSchema)


class OrganisationListSchema(Schema):
    items = fields.List(fields.Nested(OrganisationSchema), required=True)
    total = fields.Integer(required=True)


class MembershipSchema(Schema):
    organisation = fields.String(required=True)
    role = fields.String(required=True)


class MeClientSchema(Schema):
    client_id = fields.String(required=True)
    name = fields.String(required=True)


class MeSchema(Schema):
    # A person has an e-mail; a machine client (OAuth client credentials) has `client` instead.
    email = fields.String(metadata={"description": "A person's e-mail; absent for a machine client."})
    client = fields.Nested(MeClientSchema, metadata={"description": "A machine client; absent for a person."})
    organisation = fields.String(allow_none=True, required=True)
    roles = fields.List(fields.String(), required=True)
    memberships = fields.List(fields.Nested(MembershipSchema))
    scopes = fields.List(fields.String())


class LicenceSchema(Schema):
    id = fields.String(required=True)
    uri = fields.String(required=True)
    title = fields.String(required=True)
    is_open = fields.Boolean(required=True)


class LicenceListSchema(Schema):
    items = fields.List(fields.Nested(LicenceSchema), required=True)
    total = fields.Integer(required=True)


class QualityFiguresSchema(Schema):
    entries = fields.Integer(required=True)
    bands = fields.Dict(
        keys=fields.String(validate=_enum([*BANDS, "unscored"])), values=fields.Integer(), required=True
    )
    freshness = fields.Dict(
        keys=fields.String(validate=_enum(FRESHNESS_STATES)), values=fields.Integer(), required=True
    )
    declared = fields.Integer(required=True)
    declared_share = fields.Float(required=True)
    good_or_better_share = fields.Float(required=True)


class OrganisationQualityFiguresSchema(QualityFiguresSchema):
    slug = fields.String(required=True)
    title = fields.String(required=True)


class QualitySummarySchema(Schema):
    organisations = fields.List(fields.Nested(OrganisationQualityFiguresSchema), required=True)
    totals = fields.Nested(QualityFiguresSchema, required=True)


class MemberSchema(Schema):
    email = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    signed_in = fields.Boolean(required=True)
    last_signed_in_at = fields.DateTime(allow_none=True)
    member_since = fields.DateTime(allow_none=True)


class MemberListSchema(Schema):
    items = fields.List(fields.Nested(MemberSchema), required=True)
    total = fields.Integer(required=True)


class RoleChangeSchema(Schema):
    email = fields.String(required=True)
    role = fields.String(required=True)
    action = fields.String(required=True)
    by = fields.String(required=True)
    at = fields.DateTime(allow_none=True)


class RoleChangeListSchema(Schema):
    items = fields.List(fields.Nested(RoleChangeSchema), required=True)
    total = fields.Integer(required=True)
    links = fields.Nested(PageLinksSchema, required=True)


class AccessRequestListSchema(Schema):
    items = fields.List(fields.Nested(AccessRequestSchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    links = fields.Nested(PageLinksSchema, required=True)


class AccessRequestCommentListSchema(Schema):
    items = fields.List(fields.Nested(RequestEventSchema), required=True)
    total = fields.Integer(required=True)


class DaysToDecisionSchema(Schema):
    count = fields.Integer(required=True)
    median = fields.Float(allow_none=True, required=True)
    p90 = fields.Float(allow_none=True, required=True)


class AccessRequestSummarySchema(Schema):
    """Open requests now; decisions and days from submission to decision over the window."""

    organisation = fields.String(allow_none=True, required=True)
    open = fields.Integer(required=True)
    submitted = fields.Integer(required=True)
    in_review = fields.Integer(required=True)
    window_days = fields.Integer(required=True)
    decisions = fields.Dict(
        keys=fields.String(validate=_enum(DECIDED_STATUSES)), values=fields.Integer(), required=True
    )
    days_to_decision = fields.Nested(DaysToDecisionSchema, required=True)


class OpenAPIDocumentSchema(Schema):
    openapi = fields.String(required=True)
    info = fields.Dict(required=True)
    paths = fields.Dict(required=True)
    components = fields.Dict()
