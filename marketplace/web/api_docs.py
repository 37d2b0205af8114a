"""/api: how to use the catalogue from software — the REST API's resources, tokens and errors,
and CKAN's Action API (its actions and the extras keys of a package).

The REST API's operations are listed from its OpenAPI document (api/openapi.py), so the page
names every route the document does, with its parameters and answers; the document itself is
linked for client generators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, render_template
from markupsafe import Markup, escape

from marketplace.api.openapi import openapi_document
from marketplace.ckan.package_dict import EXTRAS
from marketplace.ckan.views import DOCUMENTED as CKAN_ACTIONS
from marketplace.rules.quality import MAX_SCORE, band_ranges
from marketplace.schemas.listing import MULTI_VALUED

bp = Blueprint("api_docs", __name__)


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Operation:
    """One operation of the OpenAPI document, as the page shows it."""

    id: str
    method: str
    path: str
    summary: str
    description: list[Markup]
    audience: str
    parameters: list[Parameter]
    body: str | None
    responses: list[tuple[str, str]]


def _paragraphs(text: str) -> list[Markup]:
    """The document's Markdown as the page needs it: paragraphs, and `code` spans."""
    return [
        Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(paragraph))))
        for paragraph in text.split("\n\n")
        if paragraph.strip()
    ]


def _type(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"] if value is not None)
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    kind = schema.get("type", "any")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _body(content: dict[str, Any]) -> str | None:
    """What the body is, such as: DatasetInput (…), as application/json or application/merge-patch+json."""
    if not content:
        return None
    schema = next(iter(content.values()))["schema"]
    name = schema.get("$ref", "").rsplit("/", 1)[-1] or "JSON"
    return f"{name} (see the OpenAPI document), as {' or '.join(content)}"


def _resolve(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in item:
        return item
    _, section, kind, name = item["$ref"].split("/")
    return document[section][kind][name]


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of `document`, in its order."""
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            parameters = [_resolve(document, p) for p in operation.get("parameters", [])]
            body = operation.get("requestBody", {}).get("content", {})
            found.append(
                Operation(
                    id=operation["operationId"],
                    method=method.upper(),
                    path=path,
                    summary=operation["summary"],
                    description=_paragraphs(operation.get("description", "")),
                    audience=operation.get("x-audience", ""),
                    parameters=[
                        Parameter(
                            p["name"],
                            p["in"],
                            _type(p.get("schema", {})),
                            p.get("required", False),
                            p.get("description", ""),
                        )
                        for p in parameters
                    ],
                    body=_body(body),
                    responses=[
                        (status, _resolve(document, response)["description"])
                        for status, response in operation["responses"].items()
                    ],
                )
            )
    return found


# The list query's parameters, from the schema that reads them.
FILTERS = ["q", *MULTI_VALUED, "sort", "page", "per_page"]


@bp.get("/api")
def api_docs():
    return render_template(
        "api_docs.html",
        operations=operations(openapi_document(current_app._get_current_object())),
        filters=FILTERS,
        base=current_app.config["BASE_URL"],
        bands=band_ranges(),
        max_score=MAX_SCORE,
        ckan_actions=CKAN_ACTIONS,
        ckan_extras=EXTRAS,
    )
