"""/dm/v1: the Data Marketplace's Metadata Management API (CDDO, version 3.1.2) for departments'
catalogue systems. Thin: read the request, call services.metadata_records, answer."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import RequestRedirect

from marketplace.api.http import json_body
from marketplace.auth.bearer import current_actor
from marketplace.dm_api import errors
from marketplace.errors import BadRequestError, MarketplaceError
from marketplace.services import metadata_records as records

bp = Blueprint("dm_api", __name__, url_prefix="/dm/v1")
bp.register_error_handler(MarketplaceError, errors.marketplace_error)
bp.register_error_handler(HTTPException, errors.http_error)
bp.register_error_handler(Exception, errors.server_error)

# The query parameters each operation takes (the specification defines only this one).
QUERY_PARAMETERS = {"dm_api.list_cataloged_resources": {"filter"}}
# The specification's bound on the search term.
MAX_FILTER = 30
PATHS = {"datasets": "dataset", "data-services": "data_service"}
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


@bp.before_request
def refuse_what_no_operation_takes() -> None:
    """A body over the size limit on any method (not only where a body is read), and query
    parameters the specification does not define (only GET /cataloged-resources has one)."""
    if (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()
    unknown = sorted(set(request.args) - QUERY_PARAMETERS.get(request.endpoint or "", set()))
    if unknown and request.endpoint != "dm_api.not_an_operation":
        raise BadRequestError(
            f"Unknown query parameter: {', '.join(unknown)}.",
            {name: ["Not a parameter of this operation."] for name in unknown},
        )


def _json(body, status: int = 200, headers: dict | None = None) -> Response:
    response = current_app.response_class(
        current_app.json.dumps(body), status=status, mimetype="application/json"
    )
    response.headers.update(headers or {})
    response.cache_control.no_store = True
    return response


def _empty(status: int, headers: dict | None = None) -> Response:
    response = current_app.response_class(status=status, headers=headers)
    del response.headers["Content-Type"]  # no body, so no type (not Flask's default text/html)
    return response


@bp.get("/cataloged-resources")
def list_cataloged_resources() -> Response:
    term = request.args.get("filter")
    if term is not None and len(term) > MAX_FILTER:
        raise BadRequestError(
            f"The filter is longer than {MAX_FILTER} characters.", {"filter": ["At most 30 characters."]}
        )
    return _json(records.list_records(current_actor(), term))


@bp.post("/<any(datasets, 'data-services'):collection>")
def create_record(collection: str) -> Response:
    actor = current_actor()
    records.require_scope(actor, "publish")  # before the body is read: 401/403 first
    dataset = records.create_record(actor, PATHS[collection], json_body())
    return _empty(201, {"Location": f"/dm/v1/{collection}/{dataset.id}"})


@bp.get("/<any(datasets, 'data-services'):collection>/<reference>")
def get_record(collection: str, reference: str) -> Response:
    return _json(records.get_record(current_actor(), PATHS[collection], reference))


@bp.patch("/<any(datasets, 'data-services'):collection>/<reference>")
def patch_record(collection: str, reference: str) -> Response:
    actor = current_actor()
    records.require_scope(actor, "publish")
    return _json(records.patch_record(actor, PATHS[collection], reference, json_body()))


@bp.delete("/<any(datasets, 'data-services'):collection>/<reference>")
def delete_record(collection: str, reference: str) -> Response:
    records.delete_record(current_actor(), PATHS[collection], reference)
    return _empty(204)


@bp.route("/", defaults={"rest": ""}, methods=ALL_METHODS)
@bp.route("/<path:rest>", methods=ALL_METHODS)
def not_an_operation(rest: str) -> Response:
    """Anything else under /dm/v1 answers in the API's error body: 405 where the path has other
    operations, else 404 (without this route the app's own problem+json would answer)."""
    adapter = current_app.url_map.bind("")
    allowed = set()
    for method in ("GET", "POST", "PATCH", "DELETE"):
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except (NotFound, MethodNotAllowed, RequestRedirect):
            continue
        if endpoint != "dm_api.not_an_operation":
            allowed.add(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=sorted(allowed | ({"HEAD"} if "GET" in allowed else set())))
    raise NotFound()
