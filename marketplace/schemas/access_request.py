"""Data share requests in the REST API: the bodies it takes and the request as it answers it.

The answers themselves are checked by the service (rules/access_request_questions.py), one
set of rules for the question pages and the API; the schemas here take them as an object and
describe each question for the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, pre_dump, validate
from marshmallow import ValidationError as SchemaValidationError
from werkzeug.datastructures import MultiDict

from marketplace.errors import BadRequestError, ValidationError
from marketplace.models import AccessRequest, AccessRequestEvent
from marketplace.models.access_request import ACCESS_REQUEST_STATUSES
from marketplace.rules.access_request_questions import (
    QUESTIONS,
    SECTION_NAMES,
    SECTIONS,
    Question,
    section_status,
)
from marketplace.rules.access_request_states import STATUS_LABELS

SORTS = ("updated", "oldest")
MAX_STATUS_VALUES = len(ACCESS_REQUEST_STATUSES)


def _answer_property(question: Question) -> dict[str, Any]:
    described = {"description": question.label + (f" {question.hint}" if question.hint else "")}
    if question.kind == "yes_no":
        return {**described, "type": ["boolean", "null"]}
    if question.kind == "date":
        return {**described, "type": ["string", "null"], "format": "date"}
    if question.kind == "choice":
        return {**described, "enum": [choice[0] for choice in question.choices] + [None]}
    return {**described, "type": ["string", "null"], "maxLength": question.max_length}


def answers_field(**kwargs: Any) -> fields.Dict:
    """The answers, question name to answer (null clears one); checked by the service."""
    return fields.Dict(
        keys=fields.String(),
        values=fields.Raw(allow_none=True),
        metadata={
            "description": "Answers by question name; a question left out keeps its answer, null clears it.",
            "properties": {name: _answer_property(question) for name, question in QUESTIONS.items()},
        },
        **kwargs,
    )


class AccessRequestInputSchema(Schema):
    """The body of ``POST /api/v1/access-requests``: a draft for an entry, with any answers."""

    dataset = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The entry's id or slug.", "example": "national-pupil-database"},
    )
    answers = answers_field(load_default=dict)


class AccessRequestPatchSchema(Schema):
    """The body of ``PATCH /api/v1/access-requests/{request_id}`` (while draft or returned)."""

    answers = answers_field()
    completed_sections = fields.List(
        fields.String(metadata={"enum": list(SECTION_NAMES)}),
        allow_none=True,
        metadata={"description": "The sections marked complete (each must be fully answered)."},
    )


class TransitionInputSchema(Schema):
    """The body of ``POST /api/v1/access-requests/{request_id}/transitions``."""

    to = fields.String(required=True, validate=validate.OneOf(ACCESS_REQUEST_STATUSES))
    comment = fields.String(
        allow_none=True,
        metadata={"description": "Required to reject or return: the reason, which the requester reads."},
    )
    sections = fields.List(
        fields.String(metadata={"enum": list(SECTION_NAMES)}),
        allow_none=True,
        metadata={"description": "Returning: the sections to change, which reopen."},
    )
    declaration = fields.Boolean(
        load_default=False,
        truthy={True},
        falsy={False},
        metadata={"description": "Submitting: true confirms the declaration."},
    )


class CommentInputSchema(Schema):
    comment = fields.String(required=True, metadata={"description": "At most 5,000 characters."})


class AccessRequestListParamsSchema(Schema):
    status = fields.List(fields.String(validate=validate.OneOf(ACCESS_REQUEST_STATUSES)))
    organisation = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "An organisation's slug: its inbox (its reviewers and org admins only)."},
    )
    dataset = fields.String(
        validate=validate.Length(min=1, max=200), metadata={"description": "An entry's id or slug."}
    )
    mine = fields.Boolean(metadata={"description": "true: only the requests you made."})
    sort = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={"description": "updated (the default: latest change first) or oldest (submitted first)."},
    )
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=100_000, error="Must be from 1 to 100,000."),
        error_messages={"invalid": "Must be a whole number."},
    )
    per_page = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100, error="Must be from 1 to 100."),
        error_messages={"invalid": "Must be a whole number."},
    )


class OrganisationParamSchema(Schema):
    organisation = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "An organisation's slug."}
    )


def load_query(args: MultiDict, schema: Schema) -> dict[str, Any]:
    """Query parameters checked by `schema` (status may repeat); BadRequestError naming each bad one."""
    raw: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, values in args.lists():
        if key == "status":
            raw[key] = [part.strip() for value in values for part in value.split(",") if part.strip()]
            if len(raw[key]) > MAX_STATUS_VALUES:
                errors[key] = [f"Give at most {MAX_STATUS_VALUES} statuses."]
        elif len(values) > 1:
            errors[key] = ["Give this parameter once."]
        else:
            raw[key] = values[0]
    try:
        loaded = schema.load(raw)
    except SchemaValidationError as error:
        for name, messages in error.messages.items():
            # A repeated parameter's bad value is named as the parameter, not by its position.
            if isinstance(messages, dict):
                messages = list(dict.fromkeys(m for inner in messages.values() for m in inner))
            errors[name] = messages
    if errors:
        raise BadRequestError("Check the query parameters: " + ", ".join(sorted(errors)) + ".", errors)
    return loaded


def load_body(body: Any, schema: Schema) -> dict[str, Any]:
    """A JSON body checked by `schema`: 422 naming each field (an unknown one too)."""
    try:
        return schema.load(body)
    except SchemaValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise ValidationError(messages) from error


# --- what the API answers --------------------------------------------------------------------


class RequestDatasetSchema(Schema):
    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "draft, published or withdrawn."})


class RequestOrganisationSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)


class RequesterSchema(Schema):
    email = fields.String(required=True, attribute="requester_email")


class RequestSectionSchema(Schema):
    name = fields.String(required=True, validate=validate.OneOf(SECTION_NAMES))
    title = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(("not_started", "in_progress", "returned", "completed"))
    )


class RequestEventSchema(Schema):
    """A line of the timeline: a move between statuses, or a comment."""

    kind = fields.String(required=True, validate=validate.OneOf(("transition", "comment")))
    from_status = fields.String(data_key="from", allow_none=True, required=True)
    to_status = fields.String(data_key="to", allow_none=True, required=True)
    author_label = fields.String(data_key="author", required=True)
    author_side = fields.String(
        data_key="side", required=True, validate=validate.OneOf(("requester", "reviewer"))
    )
    at = fields.DateTime(required=True)
    comment = fields.String(allow_none=True, required=True)
    sections = fields.List(fields.String(), required=True)


class RequestLinksSchema(Schema):
    self = fields.String(required=True)
    page = fields.String(required=True, metadata={"description": "The request's page on this site."})


class AccessRequestSchema(Schema):
    """A data share request as the API answers it, for one caller (`allowed_transitions`)."""

    id = fields.UUID(required=True)
    reference = fields.String(required=True, metadata={"example": "DSR-7KQ2M9XA"})
    status = fields.String(required=True, validate=validate.OneOf(ACCESS_REQUEST_STATUSES))
    status_label = fields.String(required=True)
    dataset = fields.Nested(RequestDatasetSchema, required=True)
    organisation = fields.Nested(
        RequestOrganisationSchema, required=True, metadata={"description": "The entry's owner: who decides."}
    )
    requester = fields.Nested(RequesterSchema, required=True)
    requesting_organisation = fields.Nested(RequestOrganisationSchema, allow_none=True, required=True)
    answers = answers_field(required=True)
    sections = fields.List(fields.Nested(RequestSectionSchema), required=True)
    returned_sections = fields.List(fields.String(), required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(allow_none=True, required=True)
    decided_at = fields.DateTime(allow_none=True, required=True)
    version = fields.Integer(required=True, metadata={"description": "Goes up with every change."})
    allowed_transitions = fields.List(
        fields.String(validate=validate.OneOf(ACCESS_REQUEST_STATUSES)),
        required=True,
        metadata={"description": "The statuses you may move the request to now."},
    )
    timeline = fields.List(fields.Nested(RequestEventSchema), required=True)
    links = fields.Nested(RequestLinksSchema, required=True)

    def __init__(
        self,
        *,
        allowed: Callable[[AccessRequest], list[str]] | None = None,
        links: Callable[[AccessRequest], dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.allowed = allowed or (lambda access_request: [])
        self.links = links or (lambda access_request: {})

    @pre_dump
    def computed(self, access_request: AccessRequest, **kwargs: Any) -> dict[str, Any]:
        return {
            **{name: getattr(access_request, name) for name in _COPIED},
            "status_label": STATUS_LABELS[access_request.status],
            "requester": access_request,
            "sections": [
                {
                    "name": section.name,
                    "title": section.title,
                    "status": section_status(
                        section,
                        access_request.answers,
                        access_request.completed_sections,
                        access_request.returned_sections,
                    ),
                }
                for section in SECTIONS
            ],
            "allowed_transitions": self.allowed(access_request),
            "timeline": access_request.events,
            "links": self.links(access_request),
        }


_COPIED = (
    "id",
    "reference",
    "status",
    "dataset",
    "organisation",
    "requesting_organisation",
    "answers",
    "returned_sections",
    "created_at",
    "updated_at",
    "submitted_at",
    "decided_at",
    "version",
)


def dump_events(events: list[AccessRequestEvent]) -> list[dict[str, Any]]:
    return RequestEventSchema(many=True).dump(events)
