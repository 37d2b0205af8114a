"""GET /api/v1/openapi.json: the REST API described in OpenAPI 3.1, generated, never hand-written.

apispec turns the marshmallow schemas into JSON Schema; the paths and methods come from the
app's URL map, each described by its `Operation` (openapi_operations.py). A route with no
Operation is left out of the document, and tests/api/contract fails until it is described.
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask, Response, current_app
from werkzeug.routing import Rule

from marketplace.api.blueprint import bp
from marketplace.api.http import json_response
from marketplace.api.openapi_operations import OPERATIONS, QUERY_PARAMETERS, Operation
from marketplace.errors import PROBLEM_JSON
from marketplace.schemas.api_docs import (
    PROBLEM_CODES,
    DatasetListItemSchema,
    ProblemSchema,
    TombstoneSchema,
)

EXTENSION = "marketplace.openapi"
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

# Each path parameter's description and example (the seed catalogue has them).
PATH_PARAMETERS = {
    "reference": (
        "The entry's id (a UUID) or its slug; an old slug answers 301 with the new address.",
        "consumer-price-inflation",
    ),
    "slug": ("The organisation's slug.", "department-for-transport"),
    "email": ("The member's e-mail address.", "publisher@dft.gov.uk"),
    "role": ("publisher, reviewer or org_admin.", "publisher"),
    "request_id": ("The data share request's id (a UUID).", "6f1c2a9e-0b7d-4c55-9a3e-2d8f1b4e7c10"),
}
PROBLEM_TITLES = {
    400: "Bad request: a query parameter, path or body that cannot be read.",
    401: "Not signed in, or the token is unknown, revoked or expired.",
    403: "Forbidden: the caller may not do this.",
    404: "Not found, or not visible to the caller.",
    405: "Method not allowed.",
    406: "Not acceptable: Accept takes none of the types the operation answers with (available lists them).",
    409: (
        "Conflict: slug_taken, identifier_taken, idempotency_key_in_use (with Retry-After), conflict; "
        "for data share requests invalid_transition, request_not_editable, not_requestable, request_changed."
    ),
    410: "Gone: the entry was deleted.",
    412: (
        "Precondition failed: If-Match names a stale version (current_etag gives the current one; "
        "request_changed for a data share request)."
    ),
    413: "The body is over 1 MB.",
    415: "The body is not JSON.",
    422: "The body cannot be accepted: errors names each field.",
    429: "Too many requests: wait Retry-After seconds.",
    500: "Internal error.",
    503: "Unavailable.",
}
# What any operation may answer besides its own problems (406: api/negotiation.py).
EVERY_OPERATION = (406, 429, 500)

DESCRIPTION = """The Data Marketplace's catalogue of UK government data, as JSON.

Reads are open to anyone for published OPEN entries; a token (`Authorization: Bearer <token>`)
or a signed-in session sees every published entry. Changes need a token with the publish scope
and a publisher role in the entry's organisation.

Every read carries an `ETag`: send it back as `If-None-Match` for 304 when nothing changed, or
as `If-Match` on a change so that it fails with 412 rather than overwrite another edit.

Errors are RFC 9457 problem documents (`application/problem+json`) with `type`, `title`,
`status`, `detail` and `code`, a stable machine name:

| code | status | when |
|---|---|---|
"""


def schema_name(schema: Any) -> str:
    """A component's name: the class name without "Schema"; a partial one (PATCH) says so."""
    name = resolve_schema_cls(schema).__name__.removesuffix("Schema")
    return f"{name}Patch" if getattr(schema, "partial", None) is True else name


def openapi_path(rule: Rule) -> str:
    return _ARGUMENT.sub(r"{\1}", rule.rule)


def api_operations(app: Flask) -> list[tuple[str, str, str]]:
    """(path, method, endpoint) of every /api/v1 route, as routed, in a stable order."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(bp.name + "."):
            continue
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            found.append((openapi_path(rule), method.lower(), rule.endpoint.removeprefix(bp.name + ".")))
    return sorted(found)


def _problem_responses(spec: APISpec) -> None:
    spec.components.schema("Problem", schema=ProblemSchema)
    # Named here because the change feed's items refer to them by name (api_docs.ChangeField).
    spec.components.schema("DatasetListItem", schema=DatasetListItemSchema)
    spec.components.schema("Tombstone", schema=TombstoneSchema)
    for status, description in PROBLEM_TITLES.items():
        response: dict[str, Any] = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": "Problem"}},
        }
        if status == 429:
            response["headers"] = {"Retry-After": "Retry-After"}
        if status == 409:
            response["headers"] = {"Retry-After": "Retry-After-While-In-Use"}
        if status == 401:
            response["headers"] = {"WWW-Authenticate": "WWW-Authenticate"}
        spec.components.response(f"Problem{status}", response)


def _headers(spec: APISpec) -> None:
    string = {"type": "string"}
    spec.components.header(
        "ETag", {"description": "The version of what was answered.", "required": True, "schema": string}
    )
    spec.components.header(
        "Location", {"description": "The entry's address.", "required": True, "schema": string}
    )
    spec.components.header(
        "Retry-After",
        {
            "description": "Seconds until a request would count again.",
            "required": True,
            "schema": {"type": "integer"},
        },
    )
    spec.components.header(
        "Access-Control-Allow-Origin",
        {"description": "*, on a read sent without credentials (api/cors.py).", "schema": string},
    )
    spec.components.header(
        "Retry-After-While-In-Use",
        {
            "description": "With idempotency_key_in_use: seconds until the first request should be done.",
            "schema": {"type": "integer"},
        },
    )
    spec.components.header(
        "WWW-Authenticate", {"description": "How to authenticate (Bearer).", "schema": string}
    )
    spec.components.parameter(
        "If-Match",
        "header",
        {
            "description": "Apply the change only if the entry's current ETag is one of these (else 412).",
            "schema": string,
        },
    )
    spec.components.parameter(
        "Idempotency-Key",
        "header",
        {
            "description": "Any 1 to 255 printable ASCII characters, such as a UUID, new for each change.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        },
    )
    spec.components.header(
        "Idempotent-Replayed",
        {"description": "true: this is the answer kept for the key's first request.", "schema": string},
    )
    spec.components.parameter(
        "If-None-Match",
        "header",
        {"description": "Answer 304 without a body if the ETag is one of these.", "schema": string},
    )


def _security(spec: APISpec, app: Flask) -> None:
    spec.components.security_scheme(
        "bearerToken",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from /account/tokens: Authorization: Bearer <token>.",
        },
    )
    spec.components.security_scheme(
        "sessionCookie",
        {
            "type": "apiKey",
            "in": "cookie",
            "name": app.config["SESSION_COOKIE_NAME"],
            "description": "The signed-in session of these pages: reads only, never changes.",
        },
    )
    spec.components.security_scheme(
        "clientCredentials",
        {
            "type": "oauth2",
            "description": (
                "A department's system registered as an API client of its organisation gets a "
                "short-lived token by OAuth 2.0 client credentials (client_secret_basic, "
                "client_secret_post or private_key_jwt; also at /ClientAuth/get-token) and sends it "
                "as Authorization: Bearer <token>, wherever bearerToken is taken. It acts for its "
                "organisation within the scopes granted: discover reads, publish creates and "
                "changes, delete deletes."
            ),
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/oauth/token",
                    "scopes": {
                        "discover": "Read the catalogue as the organisation sees it.",
                        "publish": "Create and change the organisation's entries.",
                        "delete": "Delete the organisation's entries.",
                    },
                }
            },
        },
    )


def _operation(path: str, method: str, endpoint: str, operation: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": PATH_PARAMETERS[name][0],
            "example": PATH_PARAMETERS[name][1],
        }
        for name in re.findall(r"{([^}]+)}", path)
    ]
    if operation.query is not None:
        parameters.append({"in": "query", "schema": operation.query})
    responses: dict[Any, Any] = {}
    success: dict[str, Any] = {"description": operation.summary}
    if operation.answer is not None:
        success["content"] = {operation.answer_type: {"schema": operation.answer}}
        success["headers"] = {"ETag": "ETag"}
    elif operation.answer_type != "application/json":
        success["content"] = {operation.answer_type: {"schema": {"type": "string"}}}
    if operation.created_location:
        success["headers"]["Location"] = "Location"
    if "Idempotency-Key" in operation.headers:
        success["headers"]["Idempotent-Replayed"] = "Idempotent-Replayed"
    responses[str(operation.status)] = success
    for status, description in operation.also.items():
        responses[str(status)] = {**success, "description": description}
    if method == "get":
        success.setdefault("headers", {})["Access-Control-Allow-Origin"] = "Access-Control-Allow-Origin"
        parameters.append("If-None-Match")
        responses["304"] = {
            "description": "Not modified: the If-None-Match tag is current.",
            "headers": {"ETag": "ETag"},
        }
    if operation.moved:
        responses["301"] = {
            "description": "The entry's slug changed: Location gives its address now.",
            "headers": {"Location": "Location"},
        }
    if operation.if_match:
        parameters.append("If-Match")
    parameters.extend(operation.headers)
    for status in sorted({*operation.problems, *EVERY_OPERATION}):
        responses[str(status)] = f"Problem{status}"
    document: dict[str, Any] = {
        "operationId": endpoint,
        "summary": operation.summary,
        "tags": list(operation.tags),
        "x-audience": operation.audience,
        "parameters": parameters,
        "responses": responses,
    }
    if operation.description:
        document["description"] = operation.description
    if operation.body is not None:
        content: dict[str, Any] = {"schema": operation.body}
        if operation.body_example is not None:
            content["example"] = operation.body_example
        document["requestBody"] = {
            "required": True,
            "content": {media_type: content for media_type in ("application/json", *operation.body_types)},
        }
    if operation.write:
        document["security"] = [{"bearerToken": []}]
    elif operation.signed_in:
        document["security"] = [{"bearerToken": []}, {"sessionCookie": []}]
    else:
        document["security"] = [{}, {"bearerToken": []}, {"sessionCookie": []}]
    return document


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `app`'s /api/v1 routes."""
    spec = APISpec(
        title="Data Marketplace API",
        version="1",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin(schema_name_resolver=schema_name)],
        info={"description": DESCRIPTION + _codes_table()},
    )
    _problem_responses(spec)
    _headers(spec)
    _security(spec, app)
    for path, method, endpoint in api_operations(app):
        operation = OPERATIONS.get(endpoint)
        if operation is None:
            continue
        spec.path(path=path, operations={method: _operation(path, method, endpoint, operation)})
    return _with_query_descriptions(spec.to_dict())


def _with_query_descriptions(document: dict[str, Any]) -> dict[str, Any]:
    # apispec makes the query parameters from the schemas; what each means is said here.
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation["parameters"]:
                if parameter.get("in") == "query" and parameter["name"] in QUERY_PARAMETERS:
                    parameter.setdefault("description", QUERY_PARAMETERS[parameter["name"]])
    return document


def _codes_table() -> str:
    return "".join(f"| `{code}` | {status} | {when} |\n" for code, (status, when) in PROBLEM_CODES.items())


def openapi_document(app: Flask) -> dict[str, Any]:
    """The app's document, built once (the routes and schemas do not change while it runs)."""
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = build_document(app)
    return app.extensions[EXTENSION]


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return json_response(openapi_document(current_app._get_current_object()))
