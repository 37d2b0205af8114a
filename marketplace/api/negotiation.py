"""What /api/v1 answers with, and 406 Not Acceptable for a client that will take none of it.

Every route answers JSON (its errors problem+json) unless it says otherwise with `@produces`.
A client whose Accept header names only types the route cannot make (text/turtle, text/csv,
application/xml) is told so at once, rather than handed JSON with a 200 it would misread.
What takes JSON, with q above 0: application/json, application/* or */* (where a more specific
range's q=0 wins over a wildcard, RFC 9110, section 12.5.1), and application/problem+json or
application/*+json named as such. A browser's Accept ends in */*;q=0.8, so it gets JSON. An
absent Accept, or one with no valid media range, takes anything. The 406 itself is problem+json
whatever was asked for: a body the client can read beats an empty one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import request
from werkzeug.datastructures import MIMEAccept

from marketplace.api.blueprint import bp
from marketplace.errors import PROBLEM_JSON, NotAcceptableError

JSON = ("application/json",)
# Named in an Accept header, these take our JSON too: an answer's errors are problem+json, and
# application/*+json asks for any JSON-based type (which Werkzeug does not read as a range).
JSON_FAMILY = frozenset({PROBLEM_JSON, "application/*+json"})
# Endpoint -> the media types it answers with, for the routes that answer with something else.
_OTHER_TYPES: dict[str, tuple[str, ...]] = {}

View = TypeVar("View", bound=Callable)


def produces(*media_types: str) -> Callable[[View], View]:
    """Mark a view as answering with `media_types` instead of JSON. Put it under the route
    decorator (``@bp.get("/datasets.jsonl")`` then ``@produces("application/x-ndjson")``)."""

    def mark(view: View) -> View:
        _OTHER_TYPES[f"{bp.name}.{view.__name__}"] = media_types
        return view

    return mark


def acceptable(accept: MIMEAccept, offered: tuple[str, ...]) -> bool:
    """Whether `accept` takes one of `offered`."""
    ranges = [(value.lower(), quality) for value, quality in accept if "/" in value]
    if not ranges:
        return True
    if any(accept.quality(media_type) > 0 for media_type in offered):
        return True
    return offered == JSON and any(value in JSON_FAMILY and quality > 0 for value, quality in ranges)


@bp.before_request
def refuse_unacceptable() -> None:
    # OPTIONS asks about the resource, not for it (cors.py answers a preflight); an unknown
    # path gets its 404.
    if request.method == "OPTIONS" or request.endpoint is None:
        return
    offered = _OTHER_TYPES.get(request.endpoint, JSON)
    if acceptable(request.accept_mimetypes, offered):
        return
    raise NotAcceptableError(
        f"This resource is available as {', '.join(offered)} only, which the request's Accept "
        f"header does not take. Send Accept: {offered[0]}, or no Accept header. (In DCAT, as "
        "Turtle, JSON-LD or RDF/XML, the catalogue is at /catalog.ttl, .jsonld or .rdf, and "
        "each entry at /datasets/<slug>.ttl, .jsonld or .rdf.)",
        available=list(offered),
    )
