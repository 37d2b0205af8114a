"""Cross-origin reads of /api/v1: a script on any site may read what anyone may read, and no more.

- A GET or HEAD sent without credentials (no Authorization header, no Cookie) is answered with
  `Access-Control-Allow-Origin: *` and the headers a script needs exposed (ETag, Link…). Its
  answer is what an anonymous caller is shown, which is public.
- A request that carries credentials gets no CORS header. Its answer may hold drafts or a
  person's details; `*` alone already stops a browser sharing a credentialed answer, and
  leaving the header off says the same on the server, whatever a browser does.
- `Access-Control-Allow-Credentials` is never sent, so a browser never lets another site's
  script read an answer to a request that carried the visitor's cookie. A script could set
  Authorization itself, but that needs a preflight, whose allowed headers leave it out.
- Writes (POST, PUT, PATCH, DELETE) carry no CORS header, and a preflight for one gets 204
  with no Access-Control-* header, so the browser does not send it. Writing needs a token,
  which belongs in a server or a script, not in a page on another site.
- A preflight for a read (OPTIONS with Origin and Access-Control-Request-Method: GET or HEAD)
  gets 204 with the methods, request headers and how long to remember them. It is answered
  before the view (and its rate limit) runs; any other OPTIONS gets Flask's own answer (Allow).

Hand-written rather than with Flask-CORS, which decides per route, not per request: it could not
leave the header off a GET that carries credentials.
"""

from __future__ import annotations

from flask import Response, current_app, request

from marketplace.api.blueprint import bp

READ_METHODS = frozenset({"GET", "HEAD"})
EXPOSED_HEADERS = "ETag, Link, Location, Retry-After, Idempotent-Replayed"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# What a read may send beyond the headers every request may: conditional requests.
ALLOWED_HEADERS = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
# Two hours, the most Chromium keeps a preflight for (Firefox keeps it up to a day).
MAX_AGE = 7200


def sends_credentials() -> bool:
    return "Authorization" in request.headers or "Cookie" in request.headers


@bp.before_request
def answer_preflight() -> Response | None:
    method = request.headers.get("Access-Control-Request-Method")
    if request.method != "OPTIONS" or method is None or "Origin" not in request.headers:
        return None
    response = current_app.response_class(status=204)
    del response.headers["Content-Type"]  # no body, so no type
    if method.strip().upper() in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = str(MAX_AGE)
    return response


@bp.after_request
def allow_anonymous_reads(response: Response) -> Response:
    if request.method not in READ_METHODS:
        return response
    # Whether the header is sent depends on these, so a cache must keep them apart.
    response.vary.update(("Authorization", "Cookie"))
    if not sends_credentials():
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response
