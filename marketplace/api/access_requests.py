"""/api/v1/access-requests: data share requests, made by people and decided by the owning
organisation's reviewers. Every rule is the service's (services/access_requests.py)."""

from __future__ import annotations

import io
import uuid

from flask import Response, request, url_for

from marketplace.api.blueprint import bp
from marketplace.api.http import if_match, json_body, json_response, page_links
from marketplace.api.negotiation import produces
from marketplace.auth.bearer import current_actor
from marketplace.errors import AuthenticationError, BadRequestError, NotFoundError
from marketplace.models import AccessRequest, Organisation
from marketplace.queries.access_requests import RequestFilters
from marketplace.queries.datasets import find_dataset
from marketplace.schemas.access_request import (
    AccessRequestInputSchema,
    AccessRequestListParamsSchema,
    AccessRequestPatchSchema,
    AccessRequestSchema,
    CommentInputSchema,
    OrganisationParamSchema,
    TransitionInputSchema,
    dump_events,
    load_body,
    load_query,
)
from marketplace.services import access_request_figures as figures
from marketplace.services import access_request_reading as reading
from marketplace.services import access_request_timeline as timeline
from marketplace.services import access_requests as service
from marketplace.services.access_request_mail import request_link
from marketplace.services.organisations import find_organisation
from marketplace.spreadsheet_cells import csv_writer

CSV_FILENAME = "data-share-requests.csv"


def _schema(**kwargs) -> AccessRequestSchema:
    actor = current_actor()
    return AccessRequestSchema(
        allowed=lambda access_request: [t.target for t in reading.available_moves(actor, access_request)],
        links=lambda access_request: {
            "self": url_for("api.get_access_request", request_id=access_request.id, _external=True),
            "page": request_link(access_request),
        },
        **kwargs,
    )


def _etag(access_request: AccessRequest) -> str:
    # The version for If-Match (the part before the dot, api/http.if_match), and the timeline's
    # length, since a comment is news to a reader but leaves the request's version alone.
    return f"{access_request.version}.{len(access_request.events)}"


def _request_response(
    access_request: AccessRequest, status: int = 200, headers: dict | None = None
) -> Response:
    tag = _etag(access_request)
    response = json_response(_schema().dump(access_request), status=status, etag=tag, headers=headers)
    response.set_etag(tag, weak=True)
    return response


def _expected_version(access_request: AccessRequest) -> int | None:
    """The version If-Match names: None without one (or with *), -1 when it names another."""
    tags = if_match()
    if tags is None or "*" in tags:
        return None
    return access_request.version if str(access_request.version) in tags else -1


def _organisation(slug: str | None) -> Organisation | None:
    if slug is None:
        return None
    try:
        return find_organisation(slug)
    except NotFoundError as error:
        raise BadRequestError(error.detail, {"organisation": [error.detail]}) from error


def _dataset_id(reference: str | None) -> uuid.UUID | None:
    if reference is None:
        return None
    dataset, _ = find_dataset(reference)
    if dataset is None:
        message = f"There is no entry called {reference!r}."
        raise BadRequestError(message, {"dataset": [message]})
    return dataset.id


@bp.get("/access-requests")
def list_access_requests() -> Response:
    params = load_query(request.args, AccessRequestListParamsSchema())
    actor = current_actor()
    organisation = _organisation(params.get("organisation"))
    filters = RequestFilters(
        requester_id=actor.user_id if params.get("mine") else None,
        organisation_id=organisation.id if organisation else None,
        statuses=tuple(dict.fromkeys(params.get("status", ()))),
        dataset_id=_dataset_id(params.get("dataset")),
        oldest_first=params.get("sort") == "oldest",
    )
    page = reading.list_access_requests(actor, filters, page=params["page"], per_page=params["per_page"])
    body = {
        "items": _schema(many=True).dump(page.items),
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "links": page_links("api.list_access_requests", page.page, page.per_page, page.total),
    }
    return json_response(body)


@bp.post("/access-requests")
def create_access_request() -> Response:
    actor = current_actor()
    if not actor.is_authenticated:  # who is asking comes before what they sent
        raise AuthenticationError("Sign in, or send a personal API token, to request data.")
    body = load_body(json_body(), AccessRequestInputSchema())
    access_request = service.start_access_request(actor, body["dataset"], body["answers"])
    location = url_for("api.get_access_request", request_id=access_request.id, _external=True)
    return _request_response(access_request, 201, {"Location": location})


@bp.get("/access-requests/summary")
def get_access_request_summary() -> Response:
    params = load_query(request.args, OrganisationParamSchema())
    organisation = _organisation(params.get("organisation"))
    return json_response(figures.summarise_access_requests(current_actor(), organisation))


@bp.get("/access-requests/export.csv")
@produces("text/csv")
def export_access_requests() -> Response:
    params = load_query(request.args, OrganisationParamSchema())
    organisation = _organisation(params.get("organisation"))
    out = io.StringIO()
    csv_writer(out).writerows(figures.access_request_rows(current_actor(), organisation))
    response = Response(
        out.getvalue().encode("utf-8-sig"),  # with a byte order mark, so Excel reads UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{CSV_FILENAME}"'},
    )
    response.vary.update(("Authorization", "Cookie"))
    response.cache_control.private = True
    return response


@bp.get("/access-requests/<request_id>")
def get_access_request(request_id: str) -> Response:
    return _request_response(reading.get_access_request(current_actor(), request_id))


@bp.patch("/access-requests/<request_id>")
def patch_access_request(request_id: str) -> Response:
    actor = current_actor()
    access_request = reading.get_access_request(actor, request_id)
    body = load_body(json_body(), AccessRequestPatchSchema())
    access_request = service.update_answers(
        actor,
        access_request,
        body.get("answers"),
        completed_sections=body.get("completed_sections"),
        expected_version=_expected_version(access_request),
    )
    return _request_response(access_request)


@bp.post("/access-requests/<request_id>/transitions")
def move_access_request(request_id: str) -> Response:
    actor = current_actor()
    access_request = reading.get_access_request(actor, request_id)
    body = load_body(json_body(), TransitionInputSchema())
    access_request = service.transition_access_request(
        actor,
        access_request,
        body["to"],
        comment=body.get("comment"),
        sections=body.get("sections"),
        declaration=body["declaration"],
        expected_version=_expected_version(access_request),
    )
    return _request_response(access_request)


@bp.get("/access-requests/<request_id>/comments")
def list_access_request_comments(request_id: str) -> Response:
    access_request = reading.get_access_request(current_actor(), request_id)
    comments = [event for event in access_request.events if event.kind == "comment"]
    return json_response({"items": dump_events(comments), "total": len(comments)})


@bp.post("/access-requests/<request_id>/comments")
def add_access_request_comment(request_id: str) -> Response:
    actor = current_actor()
    access_request = reading.get_access_request(actor, request_id)
    body = load_body(json_body(), CommentInputSchema())
    event = timeline.comment_on_access_request(actor, access_request, body["comment"])
    return json_response(dump_events([event])[0], status=201)
