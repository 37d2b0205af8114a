"""The Metadata Management API's error body, ``{message, code, errors[{type, detail, location}]}``.

The specification names three codes: DM00010 (not found), DM00012 (validation failures) and
DM00014 (a record with that identifier exists). It names none for the other answers, so this
table gives them codes of ours in the same series; these are the only DM codes the API uses.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app
from werkzeug.exceptions import HTTPException

from marketplace.errors import (
    DATABASE_RETRY_AFTER,
    MarketplaceError,
    TooManyRequestsError,
    ValidationError,
    database_unavailable,
)
from marketplace.errors import _seconds_until_allowed as seconds_until_allowed

log = logging.getLogger(__name__)

CODES: dict[int, str] = {
    400: "DM00011",  # malformed request: not JSON, not an object, a bad query parameter
    401: "DM00001",  # no token, or one that did not check out (expired, revoked, unknown)
    403: "DM00003",  # the token lacks the operation's scope
    404: "DM00010",  # the specification's: no such record (for this caller)
    405: "DM00005",  # the method is not one of the path's operations
    409: "DM00014",  # the specification's: the identifier is taken
    410: "DM00010",  # a deleted record is, to the API, one that does not exist
    412: "DM00016",
    413: "DM00013",  # the body is over the size limit
    415: "DM00015",  # the body is not JSON
    422: "DM00012",  # the specification's: validation failures (answered as 400)
    429: "DM00029",  # over the rate limit
    500: "DM00099",  # the server failed
    503: "DM00098",  # the database is down or too slow for now: try again after Retry-After
}
VALIDATION = "DM00012"
MAX_MESSAGE = 100
MAX_DETAIL = 200
MAX_LOCATION = 100


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def pointer(field: str) -> str:
    """A JSON pointer for a dotted DCAT-UK field name ("distribution.1.downloadURL")."""
    if field in {"", "_schema", "body"}:  # the whole document (json_body names faults "body")
        return ""
    parts = [part.replace("~", "~0").replace("/", "~1") for part in field.split(".")]
    return _cut("/" + "/".join(parts), MAX_LOCATION)


def error_body(message: str, code: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"message": _cut(message, MAX_MESSAGE), "code": code, "errors": errors or []}


def inner(detail: str, location: str | None = None) -> dict[str, str]:
    item = {"type": "Fatal", "detail": _cut(detail, MAX_DETAIL)}
    if location is not None:
        item["location"] = location
    return item


def validation_errors(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """One inner error per field (its messages joined), located by JSON pointer."""
    return [inner(" ".join(messages), pointer(field)) for field, messages in sorted(errors.items())]


def error_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = current_app.response_class(
        current_app.json.dumps(body), status=status, mimetype="application/json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.cache_control.no_store = True
    return response


def marketplace_error(error: MarketplaceError) -> Response:
    headers = {}
    if isinstance(error, TooManyRequestsError):
        headers["Retry-After"] = str(error.retry_after)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="dm"'
    if isinstance(error, ValidationError) or (
        error.status == 400 and error.errors and error.code == VALIDATION
    ):
        body = error_body("Validation failures", VALIDATION, validation_errors(error.errors or {}))
        return error_response(400, body, headers)
    status = 404 if error.status == 410 else error.status
    errors = validation_errors(error.errors) if error.errors and status == 400 else []
    code = error.code if error.code.startswith("DM") else CODES.get(error.status, CODES[500])
    return error_response(status, error_body(error.detail, code, errors), headers)


def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {}
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    if status == 429:
        headers["Retry-After"] = str(seconds_until_allowed(error))
    messages = {
        404: "There is no such operation in the Metadata Management API.",
        405: "The method is not allowed on this path.",
        413: "The request body is too large.",
        429: "Too many requests: wait and try again.",
    }
    message = messages.get(status, error.description or error.name)
    return error_response(status, error_body(message, CODES.get(status, CODES[500])), headers)


def server_error(error: Exception) -> Response:
    if database_unavailable(error):  # one line in the log, as errors.py logs it for the rest
        log.error("dm/v1: database unavailable: %s: %s", type(error).__name__, str(error).splitlines()[0:1])
        body = error_body("The service is unavailable for a while; try again later.", CODES[503])
        return error_response(503, body, {"Retry-After": str(DATABASE_RETRY_AFTER)})
    log.error("dm/v1 request failed", exc_info=error)
    return error_response(500, error_body("The server failed to answer the request.", CODES[500]))
