"""Error types of the catalogue, and the one place that turns them into responses.

Services raise these without knowing about HTTP; `register_error_handlers` maps each to
an RFC 9457 problem document, with validation errors as ``errors{field: [messages]}``, for
the APIs and every client that does not prefer HTML, and to a GOV.UK error page (in
marketplace/web/templates/errors/) for browsers. A database that is down or too slow is a 503
that says to try again later (`database_unavailable`), not a 500.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from marketplace.extensions import db

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# Statuses with a page of their own in web/templates/errors/; others get the 400 or the 500 page.
ERROR_PAGES = frozenset({400, 401, 403, 404, 405, 410, 413, 429, 500, 503})
CSRF_DETAIL = (
    "The form has expired or was not sent from this service. Go back, refresh the page and try again."
)
DATABASE_DETAIL = "The service cannot reach its database at the moment. Try again in a few minutes."
# SQLSTATE classes of a database that is down, restarting, short of resources or too slow: 08
# connection exception, 53 insufficient resources, 57 operator intervention (a statement cancelled
# by its timeout, a shutdown) and 55P03 a lock not granted in time.
UNAVAILABLE_SQLSTATES = ("08", "53", "57", "55P03")
# A hint for clients that back off: the pool reconnects on the first request after the database returns.
DATABASE_RETRY_AFTER = 5


class MarketplaceError(Exception):
    """An error a client can act on. `code` is its stable machine name, in every problem body and
    listed in the OpenAPI document; a raise may give a narrower one (``code="slug_taken"``)."""

    status = 400
    title = "Bad request"
    code = "bad_request"

    def __init__(
        self,
        detail: str,
        errors: dict[str, Any] | list | None = None,
        *,
        code: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if isinstance(errors, list):
            errors = {"_schema": errors}
        self.errors = flatten_errors(errors) if errors else None
        if code is not None:
            self.code = code
        self.extra = extra


class ValidationError(MarketplaceError):
    """Input that cannot be accepted; `errors` names each field and why."""

    status = 422
    title = "Invalid data"
    code = "validation_failed"

    def __init__(self, errors: dict[str, Any], detail: str | None = None, *, code: str | None = None) -> None:
        if isinstance(errors, list):
            errors = {"_schema": errors}
        fields = ", ".join(sorted(flatten_errors(errors)))
        super().__init__(detail or f"Check these fields: {fields}.", errors, code=code)


class BadRequestError(MarketplaceError):
    """A malformed request (bad JSON, bad query parameters)."""

    status = 400
    title = "Bad request"
    code = "bad_request"


class UnsupportedMediaTypeError(MarketplaceError):
    status = 415
    title = "Unsupported media type"
    code = "unsupported_media_type"


class NotAcceptableError(MarketplaceError):
    """The request's Accept header names nothing the resource can be answered with."""

    status = 406
    title = "Not acceptable"
    code = "not_acceptable"


class AuthenticationError(MarketplaceError):
    status = 401
    title = "Not signed in"
    code = "authentication_required"


class PermissionDeniedError(MarketplaceError):
    status = 403
    title = "Forbidden"
    code = "forbidden"


class NotFoundError(MarketplaceError):
    status = 404
    title = "Not found"
    code = "not_found"


class GoneError(MarketplaceError):
    status = 410
    title = "Gone"
    code = "gone"


class ConflictError(MarketplaceError):
    status = 409
    title = "Conflict"
    code = "conflict"


class PreconditionFailedError(MarketplaceError):
    status = 412
    title = "Precondition failed"
    code = "stale_etag"


class TooManyRequestsError(MarketplaceError):
    """Over a rate limit; `retry_after` is the number of seconds until a request would count again."""

    status = 429
    title = "Too many requests"
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


def flatten_errors(errors: dict[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dicts into ``{"a.b.0.c": ["message"]}``."""
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        name = f"{prefix}{key}" if key != "_schema" else (prefix.rstrip(".") or "_schema")
        if isinstance(value, dict):
            for sub, messages in flatten_errors(value, f"{name}.").items():
                flat.setdefault(sub, []).extend(messages)
        elif isinstance(value, list | tuple):
            flat.setdefault(name, []).extend(str(m) for m in value)
        else:
            flat.setdefault(name, []).append(str(value))
    return flat


# The machine name of a failure that did not come as a MarketplaceError (routing, Werkzeug,
# Flask-Limiter, an unexpected exception): by its status.
CODES_BY_STATUS = {
    400: "bad_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    412: "stale_etag",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def problem(
    status: int, title: str, detail: str, errors: dict | None = None, *, code: str | None = None, **extra: Any
) -> Response:
    body: dict[str, Any] = {
        "type": f"https://www.rfc-editor.org/rfc/rfc9110#status.{status}" if status < 500 else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code or CODES_BY_STATUS.get(status, "bad_request" if status < 500 else "internal_error"),
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def prefers_html() -> bool:
    """A browser asking for a page: never under /api/, and only when it ranks text/html above JSON.

    Browsers name text/html; test clients and curl send */*, which gets problem+json.
    """
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", PROBLEM_JSON, "text/html"])
    return best == "text/html"


def error_page(status: int, detail: str, template: str | None = None) -> Response | None:
    if template is None:
        page = status if status in ERROR_PAGES else (500 if status >= 500 else 400)
        template = f"errors/{page}.html"
    try:
        html = render_template(template, status=status, detail=detail)
    except Exception:
        # The page itself failed (the layout needs something that is down, say): answer with
        # the problem document rather than with a second, bare error.
        log.exception("could not render the error page for %s", status)
        return None
    return Response(html, status=status, mimetype="text/html")


def error_response(
    status: int,
    title: str,
    detail: str,
    errors: dict | None = None,
    *,
    template: str | None = None,
    code: str | None = None,
    **extra,
) -> Response:
    """A GOV.UK error page for browsers; problem+json for the APIs and every other client."""
    if prefers_html() and (page := error_page(status, detail, template)) is not None:
        return page
    return problem(status, title, detail, errors, code=code, **extra)


def too_many_requests(retry_after: int, reason: str | None = None) -> Response:
    """429 with Retry-After in seconds: the GOV.UK page or problem+json, saying how long to wait."""
    retry_after = max(1, retry_after)
    detail = f"{reason or 'You have sent too many requests in a short time.'} {_wait(retry_after)}"
    response = error_response(429, "Too many requests", detail, retry_after=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response


def _wait(seconds: int) -> str:
    if seconds < 90:
        return f"Wait {seconds} second{'s' if seconds != 1 else ''}, then try again."
    minutes = math.ceil(seconds / 60)
    return f"Wait {minutes} minutes, then try again."


def _seconds_until_allowed(error: HTTPException) -> int:
    """From the exception if it says (werkzeug's TooManyRequests(retry_after=…)), else from the
    Flask-Limiter limit this request broke; a minute if neither can tell."""
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, datetime):
        return math.ceil(retry_after.timestamp() - time.time())
    if isinstance(retry_after, int):
        return retry_after
    try:
        for limiter in current_app.extensions.get("limiter", ()):
            limit = limiter.current_limit
            if limit is not None and limit.breached:
                reset_time, _ = limit.window
                return math.ceil(reset_time - time.time())
    except Exception:  # the limit's storage failed since: any sensible wait will do
        log.warning("could not read when the broken rate limit resets", exc_info=True)
    return 60


def database_unavailable(error: BaseException) -> bool:
    """The database did not answer in time or at all: down, restarting, unreachable, a statement
    cancelled by DATABASE_STATEMENT_TIMEOUT_MS, or no pooled connection free within the timeout.
    Something to try again later (503), unlike a query that fails (500)."""
    if isinstance(error, PoolTimeoutError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    cause = error.orig
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith(UNAVAILABLE_SQLSTATES)
    sqlite_error = getattr(cause, "sqlite_errorname", None)
    if sqlite_error:
        return sqlite_error in {"SQLITE_BUSY", "SQLITE_LOCKED"}  # other writers held on too long
    # psycopg's own failures to connect (refused, timed out, the server starting up) carry no SQLSTATE.
    return isinstance(error, OperationalError)


def database_unavailable_response(error: BaseException) -> Response:
    """503 with Retry-After, never the error's text: the GOV.UK page, problem+json, or under the
    CKAN Action API its own envelope."""
    cause = getattr(error, "orig", None) or error
    # One line, not a traceback: during an outage every request fails the same way.
    log.error(
        "database unavailable on %s %s: %s: %s",
        request.method,
        request.path,
        type(cause).__name__,
        str(cause).strip().splitlines()[0] if str(cause).strip() else "",
    )
    try:
        db.session.rollback()  # so that nothing else in this request trips over the failed transaction
    except Exception:
        log.debug("could not roll back after the database failed", exc_info=True)
    # The page's header would look up who is signed in, in the database that just failed: this
    # request treats them as signed out (their session is untouched).
    g.setdefault("user_session", None)
    if request.blueprint == "ckan":
        response = _ckan_unavailable()
    else:
        response = error_response(503, "Service unavailable", DATABASE_DETAIL, code="unavailable")
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def _ckan_unavailable() -> Response:
    # ckanapi reads `success` and `error.__type` whatever the status; a type it does not know
    # makes it raise its generic CKANAPIError, as for any server failure.
    from marketplace.ckan import envelope  # here: the envelope module imports this one

    action = (request.view_args or {}).get("name", "")
    error = {"__type": "Service Unavailable", "message": f"Service unavailable: {DATABASE_DETAIL}"}
    return envelope._respond({"help": envelope._help(action), "success": False, "error": error}, 503)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(MarketplaceError)
    def handle_marketplace_error(error: MarketplaceError) -> Response:
        if isinstance(error, TooManyRequestsError):
            return too_many_requests(error.retry_after, error.detail)
        response = error_response(
            error.status, error.title, error.detail, error.errors, code=error.code, **error.extra
        )
        if isinstance(error, AuthenticationError):
            response.headers["WWW-Authenticate"] = 'Bearer realm="data-marketplace"'
        return response

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException) -> Response:
        if error.code == 429:  # Flask-Limiter's RateLimitExceeded among them
            return too_many_requests(_seconds_until_allowed(error))
        detail = error.description or error.name
        if error.code == 413:
            limit = app.config["MAX_CONTENT_LENGTH"]
            detail = f"The request body is larger than the limit of {limit} bytes."
        elif error.code == 404:
            detail = f"There is nothing at {request.path}."
        response = error_response(error.code or 500, error.name, detail)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        if database_unavailable(error):
            return database_unavailable_response(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(
            500, "Internal server error", "Something went wrong. The error has been logged."
        )

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError) -> Response:
        return error_response(
            400, "Form expired", CSRF_DETAIL, template="errors/csrf.html", code="csrf_failed"
        )
