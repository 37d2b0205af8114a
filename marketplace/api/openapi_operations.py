"""What each /api/v1 endpoint does, for the OpenAPI document (openapi.py builds it from this).

One `Operation` per endpoint: a summary, who may call it, the schemas of its query, body and
answer, and the statuses it can answer with besides success. The schemas are marshmallow's
(schemas/, schemas/api_docs.py); nothing here is JSON Schema written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import Schema, fields, validate

from marketplace.api.datasets import MAX_SUGGEST_LENGTH, RelatedParamsSchema
from marketplace.rules.freshness import FRESHNESS_STATES
from marketplace.rules.quality import BANDS
from marketplace.schemas import api_docs
from marketplace.schemas.access_request import (
    AccessRequestInputSchema,
    AccessRequestListParamsSchema,
    AccessRequestPatchSchema,
    AccessRequestSchema,
    CommentInputSchema,
    OrganisationParamSchema,
    RequestEventSchema,
    TransitionInputSchema,
)
from marketplace.schemas.dataset import DatasetInputSchema
from marketplace.schemas.listing import ApiListParamsSchema, BulkParamsSchema
from marketplace.schemas.revision import PageParamsSchema
from marketplace.vocabularies import ACCESS_RIGHTS, DATASET_STATUSES, ENTRY_TYPES, THEMES

SuggestParamsSchema = Schema.from_dict(
    {
        "q": fields.String(
            validate=validate.Length(max=MAX_SUGGEST_LENGTH),
            metadata={"description": "The start of a title."},
        )
    },
    name="SuggestParamsSchema",
)

RelatedListSchema = Schema.from_dict(
    {
        "items": fields.List(fields.Nested(api_docs.DatasetListItemSchema), required=True),
        "count": fields.Integer(required=True, metadata={"description": "How many items."}),
    },
    name="RelatedListSchema",
)

PUBLIC = "anyone"


def _one_of(terms: dict[str, str]) -> str:
    return "One of: " + ", ".join(terms) + " (or their labels)."


# What each query parameter means, wherever it is taken (the schemas give names and types).
QUERY_PARAMETERS = {
    "q": 'Search words: "phrases", -exclude, OR.',
    "organisation": "Publishers' slugs.",
    "theme": _one_of(THEMES),
    "format": "File formats, such as CSV.",
    "licence": "Licence URIs or ids (GET /api/v1/licences lists them).",
    "access_rights": _one_of(ACCESS_RIGHTS),
    "type": _one_of(ENTRY_TYPES),
    "quality": "Metadata quality bands. " + _one_of(BANDS),
    "freshness": _one_of(FRESHNESS_STATES),
    "status": _one_of(DATASET_STATUSES) + " Drafts are your organisation's only; the default is published.",
    "sort": "relevance (with q), updated, title, quality; metadata_modified walks the change feed.",
    "page": "The page number, from 1 (not with a cursor).",
    "per_page": "Entries a page, 1 to 100.",
    "cursor": "The next page of the change feed, as given in next_cursor or links.next.",
    "modified_since": "Only entries whose record changed since then (ISO 8601), with tombstones.",
}


@dataclass(frozen=True)
class Operation:
    summary: str
    audience: str
    # The schema of the success response's body (None: no body), its status and media type.
    answer: type[Schema] | Schema | None
    status: int = 200
    answer_type: str = "application/json"
    # Statuses besides success, each answered with a problem document.
    problems: tuple[int, ...] = ()
    description: str = ""
    tags: tuple[str, ...] = ("datasets",)
    query: type[Schema] | None = None
    body: type[Schema] | Schema | None = None
    # Body media types besides application/json, and an example of the body.
    body_types: tuple[str, ...] = ()
    body_example: dict | None = None
    # Writes need a bearer token; reads take a token, the session cookie or nothing.
    write: bool = False
    signed_in: bool = False
    # GET: answers 301 to an old slug's new address.
    moved: bool = False
    # Writes: honour If-Match (412 when stale). Reads: honour If-None-Match (304).
    if_match: bool = False
    created_location: bool = False
    # Header parameters besides If-Match and If-None-Match (components in openapi.py).
    headers: tuple[str, ...] = ()
    also: dict[int, str] = field(default_factory=dict)


READ = (400, 401)
REQUESTS = "its requester, the owning organisation's reviewers and org admins, site admins"
ENTRY_READ = (400, 401, 404, 410)
WRITE = (400, 401, 403, 404, 410, 413, 415, 422)

OPERATIONS: dict[str, Operation] = {
    "list_datasets": Operation(
        "Search and list entries, with filters, facets, highlights and paging.",
        PUBLIC,
        api_docs.DatasetListSchema,
        query=ApiListParamsSchema,
        problems=READ,
        description=(
            "Values of one filter combine with OR (repeat it or separate values with commas), "
            "different filters with AND. Anonymous callers see published OPEN entries; "
            "with a token or a session, every published entry and their organisation's drafts.\n\n"
            "With `cursor`, `modified_since` or `sort=metadata_modified` the list is the change "
            "feed: entries in the order their records last changed, paged by cursor (follow "
            "`links.next`, or send `next_cursor` as `cursor`; `page` is null, and search words "
            "are refused). With `modified_since`, items include tombstones for entries that "
            "no longer match."
        ),
    ),
    "download_datasets": Operation(
        "Every entry you may list, one JSON object a line (or, with modified_since, every change).",
        PUBLIC,
        None,
        answer_type="application/x-ndjson",
        query=BulkParamsSchema,
        problems=READ,
        description=(
            "Streamed in change order, gzip-compressed when Accept-Encoding allows; each line is "
            "an entry as in `GET /api/v1/datasets`, or with modified_since a tombstone."
        ),
    ),
    "suggest": Operation(
        "Title completion for a search box.",
        PUBLIC,
        api_docs.SuggestionsSchema,
        query=SuggestParamsSchema,
        problems=READ,
    ),
    "create_dataset": Operation(
        'Create an entry (a draft unless the body says "status": "published").',
        "publishers, with a token",
        api_docs.DatasetEntrySchema,
        status=201,
        body=DatasetInputSchema,
        body_example={"title": "Road safety statistics: draft", "publisher": "department-for-transport"},
        write=True,
        created_location=True,
        headers=("Idempotency-Key",),
        problems=(400, 401, 403, 409, 413, 415, 422),
        description=(
            "Drafts need only `title` and `publisher`; publishing needs the required fields. "
            "With an `Idempotency-Key`, a retry of the same request gets the first answer again "
            "(marked `Idempotent-Replayed: true`); the key with another body is refused (422), "
            "and while the first request runs a retry gets 409 with Retry-After."
        ),
    ),
    "get_dataset": Operation(
        "One entry, by id or slug.",
        "anyone who can see it",
        api_docs.DatasetEntrySchema,
        moved=True,
        problems=ENTRY_READ,
    ),
    "replace_dataset": Operation(
        "Replace an entry.",
        "its publishers, with a token",
        api_docs.DatasetEntrySchema,
        body=DatasetInputSchema,
        write=True,
        if_match=True,
        problems=(*WRITE, 409, 412),
    ),
    "patch_dataset": Operation(
        'Change some fields; {"status": "published"} publishes, "withdrawn" withdraws.',
        "its publishers, with a token",
        api_docs.DatasetEntrySchema,
        body=DatasetInputSchema(partial=True),
        body_types=("application/merge-patch+json",),
        body_example={"summary": "Casualties in reported road collisions, by severity."},
        write=True,
        if_match=True,
        problems=(*WRITE, 409, 412),
        description=(
            "As `application/merge-patch+json` the body is a JSON Merge Patch (RFC 7396) of the "
            "entry as GET shows it: null removes a member, an object merges into the one it "
            "names (so a nested object may be partial), an array replaces. As `application/json` "
            "each field given replaces the stored one whole, and null clears it (a list too). "
            "Either way the result must be a valid entry, or nothing changes (422)."
        ),
    ),
    "delete_dataset": Operation(
        "Delete an entry (then 410 Gone).",
        "its publishers, with a token",
        None,
        status=204,
        write=True,
        if_match=True,
        problems=(400, 401, 403, 404, 410, 412),
    ),
    "get_quality": Operation(
        "An entry's quality: declared Data Quality Framework ratings and metadata quality.",
        "anyone who can see it",
        api_docs.QualitySchema,
        moved=True,
        problems=ENTRY_READ,
        tags=("quality",),
    ),
    "put_quality": Operation(
        "Declare the entry's Data Quality Framework ratings.",
        "its publishers, with a token",
        api_docs.QualitySchema,
        body=api_docs.DeclaredQualityInputSchema,
        write=True,
        if_match=True,
        problems=(*WRITE, 412),
        tags=("quality",),
    ),
    "list_related": Operation(
        "The published entries most like this one in title, keywords, summary, description and themes.",
        "anyone who can see it; lists only entries the caller may see",
        RelatedListSchema,
        query=RelatedParamsSchema,
        moved=True,
        problems=ENTRY_READ,
    ),
    "list_revisions": Operation(
        "An entry's history: who changed which fields, when.",
        "anyone who can see it",
        api_docs.RevisionListSchema,
        query=PageParamsSchema,
        moved=True,
        problems=ENTRY_READ,
    ),
    "list_organisations": Operation(
        "Organisations, with how many entries you can see.",
        PUBLIC,
        api_docs.OrganisationListSchema,
        problems=(401,),
        tags=("organisations",),
    ),
    "get_organisation": Operation(
        "One organisation.",
        PUBLIC,
        api_docs.OrganisationSchema,
        problems=(400, 401, 404),
        tags=("organisations",),
    ),
    "list_organisation_members": Operation(
        "An organisation's people and their roles.",
        "its org admins",
        api_docs.MemberListSchema,
        signed_in=True,
        problems=(400, 401, 403, 404),
        tags=("organisations",),
    ),
    "grant_organisation_role": Operation(
        "Give a member the publisher, reviewer or org_admin role (201 when it is new, 200 if they had it).",
        "its org admins, with a token",
        api_docs.MemberSchema,
        write=True,
        problems=(400, 401, 403, 404, 409, 422),
        also={201: "The role was granted."},
        tags=("organisations",),
    ),
    "revoke_organisation_role": Operation(
        "Take a role away from a member.",
        "its org admins, with a token",
        None,
        status=204,
        write=True,
        problems=(400, 401, 403, 404, 409, 422),
        tags=("organisations",),
    ),
    "list_organisation_role_changes": Operation(
        "Who gave or took away which role, when.",
        "its org admins",
        api_docs.RoleChangeListSchema,
        query=PageParamsSchema,
        signed_in=True,
        problems=(400, 401, 403, 404),
        tags=("organisations",),
    ),
    "get_quality_summary": Operation(
        "The quality report: per organisation, entries by metadata quality band and freshness.",
        "anyone (counts what you can see)",
        api_docs.QualitySummarySchema,
        problems=(401,),
        tags=("quality",),
    ),
    "licences": Operation(
        "The licences an entry may carry.", PUBLIC, api_docs.LicenceListSchema, tags=("reference",)
    ),
    "me": Operation(
        "Who you are: e-mail, organisation, roles, and the token's scopes.",
        "signed in or with a token",
        api_docs.MeSchema,
        signed_in=True,
        problems=(401,),
        tags=("reference",),
    ),
    "list_access_requests": Operation(
        "Data share requests you may see: your own, and those sent to organisations you review.",
        REQUESTS,
        api_docs.AccessRequestListSchema,
        query=AccessRequestListParamsSchema,
        signed_in=True,
        problems=(400, 401, 403),
        tags=("access requests",),
        description=(
            "A draft is its requester's own; once submitted, the owning organisation's reviewers and "
            "org admins (and site admins) see it too. `status` may repeat; `organisation` opens that "
            "organisation's inbox (403 unless you review for it)."
        ),
    ),
    "create_access_request": Operation(
        "Start a draft request for an entry's data, with any answers.",
        "signed-in people, with a token",
        AccessRequestSchema,
        status=201,
        body=AccessRequestInputSchema,
        body_example={
            "dataset": "universal-credit-operational-management-information",
            "answers": {"purpose": "Planning local employment support."},
        },
        write=True,
        created_location=True,
        problems=(400, 401, 403, 404, 409, 410, 413, 415, 422),
        tags=("access requests",),
        description="409 `not_requestable` when the entry's data can be downloaded or it is not published.",
    ),
    "get_access_request_summary": Operation(
        "Figures: open requests now, decisions and days to decision over the last 90 days.",
        "reviewers and org admins",
        api_docs.AccessRequestSummarySchema,
        query=OrganisationParamSchema,
        signed_in=True,
        problems=(400, 401, 403),
        tags=("access requests",),
        description="Without `organisation`, every organisation you review (all of them for site admins).",
    ),
    "export_access_requests": Operation(
        "The submitted requests of the organisations you review, as CSV (no cell is a formula).",
        "reviewers and org admins",
        None,
        answer_type="text/csv",
        query=OrganisationParamSchema,
        signed_in=True,
        problems=(400, 401, 403),
        tags=("access requests",),
    ),
    "get_access_request": Operation(
        "One data share request, with its answers, sections, timeline and the moves you may make.",
        REQUESTS,
        AccessRequestSchema,
        signed_in=True,
        problems=(400, 401, 403, 404),
        tags=("access requests",),
    ),
    "patch_access_request": Operation(
        "Change answers (null clears one) and which sections are complete, while draft or returned.",
        "its requester, with a token",
        AccessRequestSchema,
        body=AccessRequestPatchSchema,
        body_example={"answers": {"needed_by": "2030-01-31"}},
        write=True,
        if_match=True,
        problems=(400, 401, 403, 404, 409, 412, 413, 415, 422),
        tags=("access requests",),
        description="409 `request_not_editable` once submitted; a changed section is no longer complete.",
    ),
    "move_access_request": Operation(
        "Move the request: submit, start review, accept, reject, return for changes, cancel.",
        "its requester or the owning organisation's reviewers, with a token",
        AccessRequestSchema,
        body=TransitionInputSchema,
        body_example={"to": "returned", "comment": "Say which fields you need.", "sections": ["purpose"]},
        write=True,
        if_match=True,
        problems=(400, 401, 403, 404, 409, 412, 413, 415, 422),
        tags=("access requests",),
        description=(
            "draft and returned go to submitted (the requester, with every section complete and "
            '`"declaration": true`, else 422 `request_incomplete`); submitted to in_review, and '
            "in_review to accepted, rejected or returned (reviewers; rejecting and returning need a "
            "`comment`); draft, submitted and in_review to cancelled (the requester). Any other "
            "move is 409 `invalid_transition`, with `allowed`; a change made at the same moment "
            "as another is 409 `request_changed`."
        ),
    ),
    "list_access_request_comments": Operation(
        "The comments on a request, oldest first.",
        REQUESTS,
        api_docs.AccessRequestCommentListSchema,
        signed_in=True,
        problems=(400, 401, 403, 404),
        tags=("access requests",),
    ),
    "add_access_request_comment": Operation(
        "Comment on a request; the other side is told by e-mail (without the text).",
        "its requester or the owning organisation's reviewers, with a token",
        RequestEventSchema,
        status=201,
        body=CommentInputSchema,
        body_example={"comment": "Could you say which years you need?"},
        write=True,
        problems=(400, 401, 403, 404, 413, 415, 422),
        tags=("access requests",),
    ),
    "openapi_json": Operation(
        "This document: the API described in OpenAPI 3.1.",
        PUBLIC,
        api_docs.OpenAPIDocumentSchema,
        tags=("reference",),
    ),
}
