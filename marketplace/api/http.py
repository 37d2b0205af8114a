"""Request and response helpers shared by the API views: JSON bodies, ETags, paging links."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, request, stream_with_context, url_for

from marketplace.errors import BadRequestError, UnsupportedMediaTypeError
from marketplace.schemas.listing import MAX_RESULT_WINDOW

JSON_TYPES = {"application/json", "application/merge-patch+json"}
# No field takes a whole number of more than 19 digits (byte_size is at most 2^63-1). Longer
# ones up to this bound reach the fields' own range checks, which name the field; beyond it the
# parser refuses them before Python converts them (a cost that grows with the square of the
# digits, and a ValueError past 4,300 of them).
MAX_INTEGER_DIGITS = 30


class _NumberRefused(Exception):
    """A number in the body that the parser will not read; says why."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _NumberRefused(f"A whole number has more than {MAX_INTEGER_DIGITS} digits.")
    return int(text)


def _no_constant(name: str) -> None:
    # Python's parser reads NaN and Infinity, which are not JSON (RFC 8259, section 6).
    raise _NumberRefused(f"{name} is not a JSON number.")


def json_body() -> Any:
    """The request's JSON body; 415 for another content type, 400 naming the fault for bad JSON
    (and for NaN, Infinity, or a whole number longer than MAX_INTEGER_DIGITS)."""
    if request.mimetype not in JSON_TYPES and not request.mimetype.endswith("+json"):
        raise UnsupportedMediaTypeError(
            f"Send the body as JSON with Content-Type: application/json (not {request.mimetype or 'none'})."
        )
    raw = request.get_data(cache=True)
    try:
        text = raw.decode(request.mimetype_params.get("charset", "utf-8"))
        return json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except _NumberRefused as error:
        raise BadRequestError(
            f"The body holds a number the API does not take: {error}", {"body": [str(error)]}
        ) from error
    except UnicodeDecodeError as error:
        raise BadRequestError("The body is not valid UTF-8 text.", {"body": [str(error)]}) from error
    except json.JSONDecodeError as error:
        raise BadRequestError(
            f"The body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}.",
            {"body": [f"{error.msg} (line {error.lineno}, column {error.colno})"]},
        ) from error
    except RecursionError as error:
        raise BadRequestError("The body is nested too deeply.", {"body": ["Nested too deeply."]}) from error
    except LookupError as error:
        raise UnsupportedMediaTypeError(
            f"Unknown charset {request.mimetype_params.get('charset')!r}."
        ) from error


def if_match() -> set[str] | None:
    """The entity tags of an ``If-Match`` header, or None when there is none."""
    if "If-Match" not in request.headers:
        return None
    header = request.if_match
    if header.star_tag:
        return {"*"}
    # An entry's tag may end ".<freshness>" (services.datasets.entry_etag); the entry itself
    # is the part before it, which is what a write is checked against.
    # A tag from a compressed response ends ":<encoding>" (compression.py): the same entry.
    # An empty tag ("" or W/"") is read as None by werkzeug: it matches no entry, so the write
    # gets 412 like any other tag that is not the entry's.
    return {(tag or "").split(":", 1)[0].split(".", 1)[0] for tag in header.as_set(include_weak=True)}


def json_response(
    body: Any, *, status: int = 200, etag: str | None = None, headers: dict | None = None
) -> Response:
    """A JSON response with an ETag; a GET whose If-None-Match matches gets 304."""
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
    response = current_app.response_class(payload, status=status, mimetype="application/json")
    response.set_etag(etag or hashlib.sha256(payload.encode()).hexdigest()[:32])
    # What a caller sees depends on who they are, so a shared cache must not mix callers.
    response.vary.update(("Authorization", "Cookie"))
    response.cache_control.no_cache = True
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if request.method in {"GET", "HEAD"} and status == 200:
        response.make_conditional(request)
    return response


def page_links(endpoint: str, page: int, per_page: int, total: int, **values: Any) -> dict[str, str | None]:
    args = {k: v for k, v in request.args.lists() if k not in {"page", "per_page"}}

    def link(number: int) -> str:
        return url_for(endpoint, page=number, per_page=per_page, _external=True, **values, **args)

    # Never offer a page the list refuses (beyond the result window, which the cursor walks past).
    last = max(1, min(-(-total // per_page), MAX_RESULT_WINDOW // per_page))
    return {
        "self": link(page),
        "first": link(1),
        "last": link(last),
        "next": link(page + 1) if page < last else None,
        "prev": link(page - 1) if page > 1 else None,
    }


def cursor_links(endpoint: str, next_cursor: str | None, **values: Any) -> dict[str, str | None]:
    """Links of a page walked by cursor: there is a next page or not, and no numbered pages."""
    args = {k: v for k, v in request.args.lists() if k != "cursor"}
    here = url_for(endpoint, _external=True, **values, **{k: v for k, v in request.args.lists()})
    return {
        "self": here,
        "first": url_for(endpoint, _external=True, **values, **args),
        "last": None,
        "next": url_for(endpoint, _external=True, cursor=next_cursor, **values, **args)
        if next_cursor
        else None,
        "prev": None,
    }


NDJSON = "application/x-ndjson"
# Lines gathered before a chunk is sent (and compressed): fewer, larger writes.
_LINES_PER_CHUNK = 200


def json_line(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"


def stream_lines(lines: Iterator[str], *, filename: str) -> Response:
    """A streamed JSON Lines response, gzip-compressed when the client accepts gzip.

    Compressed here rather than by a proxy so that a harvester gets a small download from the
    bare app too; the stream is made as it is sent, so memory stays flat whatever its length.
    """
    gzip = request.accept_encodings["gzip"] > 0

    def chunks() -> Iterator[bytes]:
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip else None  # 31: a gzip wrapper
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= _LINES_PER_CHUNK:
                data = "".join(batch).encode()
                batch.clear()
                out = compressor.compress(data) if compressor else data
                if out:
                    yield out
        data = "".join(batch).encode()
        if compressor:
            yield compressor.compress(data) + compressor.flush()
        elif data:
            yield data

    response = current_app.response_class(stream_with_context(chunks()), mimetype=NDJSON)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.vary.update(("Authorization", "Cookie", "Accept-Encoding"))
    response.cache_control.no_cache = True
    if gzip:
        response.headers["Content-Encoding"] = "gzip"
    return response
