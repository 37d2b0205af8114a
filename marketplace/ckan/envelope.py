"""CKAN's response envelope, and our errors as CKAN names them.

ckanapi ignores the HTTP status and reads `success` and `error.__type`, so each of our errors
must map to the `__type` whose exception the client should raise (REFERENCE §D).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import Response, current_app

from marketplace.ckan.package_dict import ckan_errors
from marketplace.errors import (
    AuthenticationError,
    ConflictError,
    GoneError,
    MarketplaceError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)


class SearchQueryError(MarketplaceError):
    """A package_search query CKAN's Solr would refuse."""

    status = 400


class TooLargeRequest(MarketplaceError):
    status = 413


class BadActionRequest(MarketplaceError):
    """What CKAN answers with "Bad request": an unknown action, a write by GET, a body that is
    not a JSON object."""

    status = 400


def _help(action: str) -> str:
    # The service's own address, never the Host the request came with (as on every page).
    return f"{current_app.config['BASE_URL']}/api/3/action/help_show?name={quote(action[:100], safe='')}"


def _respond(body: dict[str, Any], status: int) -> Response:
    # ASCII: an error may echo what was sent, and a lone surrogate there could not be encoded.
    payload = json.dumps(body, default=str)
    response = current_app.response_class(payload, status=status, mimetype="application/json")
    # What a caller sees depends on its token.
    response.vary.update(("Authorization", "X-CKAN-API-Key"))
    response.cache_control.no_cache = True
    return response


def success(action: str, result: Any) -> Response:
    return _respond({"help": _help(action), "success": True, "result": result}, 200)


def failure(action: str, error: MarketplaceError) -> Response:
    """The envelope and status CKAN would send for `error`."""
    if isinstance(error, ValidationError | ConflictError):
        # CKAN's Validation Error holds field -> [messages] beside its type, and no message.
        fields = ckan_errors(error.errors) or {"message": [error.detail]}
        body, status = {**fields, "__type": "Validation Error"}, 409
    elif isinstance(error, NotFoundError | GoneError):
        body, status = {"__type": "Not Found Error", "message": f"Not found: {error.detail}"}, 404
    elif isinstance(error, AuthenticationError | PermissionDeniedError):
        body = {"__type": "Authorization Error", "message": f"Access denied: {error.detail}"}
        status = 403
    elif isinstance(error, SearchQueryError):
        body, status = (
            {"__type": "Search Query Error", "message": f"Search Query is invalid: {error.detail}"},
            400,
        )
    elif isinstance(error, TooLargeRequest):
        body, status = {"__type": "Bad Request Error", "message": f"Bad request - {error.detail}"}, 413
    else:
        # CKAN sends these as a bare string; an envelope tells clients the same and keeps them parsing.
        body, status = {"__type": "Bad Request Error", "message": f"Bad request - {error.detail}"}, 400
    return _respond({"help": _help(action), "success": False, "error": body}, status)
