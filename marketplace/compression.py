"""Compressing responses when the client asks (Flask-Compress: zstd, brotli, gzip).

A page of 100 entries from the API is about 350 KB of JSON and a tenth of that compressed.

Pages that carry a CSRF token are sent uncompressed. Compressing a secret next to text an
attacker can put in the same page (a search query) leaks the secret through the compressed
length (BREACH); the token is the only secret our pages hold, so those pages are left alone and
everything else (the find page signed out, the API, DCAT, CKAN, CSS and JavaScript) is
compressed. Entity tags of compressed responses get the encoding appended (`"<tag>:gzip"`), as
HTTP requires of a strong tag; api/http.py's If-Match reads the tag without it.
"""

from __future__ import annotations

from flask import Flask, Response, g
from flask_compress import Compress

# Flask-Compress's defaults, and what this service also serves.
MIMETYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/turtle",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/ld+json",
    "application/rdf+xml",
    "application/xml",
    "application/x-ndjson",
    "application/jsonl",
    "application/n-triples",
    "image/svg+xml",
]

_compress = Compress()


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    app.config.setdefault("COMPRESS_REGISTER", False)  # registered below, with the CSRF rule
    _compress.init_app(app)
    app.after_request(_compress_unless_it_carries_a_secret)


def _compress_unless_it_carries_a_secret(response: Response) -> Response:
    if response.mimetype == "text/html" and "csrf_token" in g:
        response.vary.add("Accept-Encoding")
        return response
    return _compress.after_request(response)
