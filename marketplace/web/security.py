"""Headers that keep every page to our own scripts, styles and frames, what a signed-in caller
is shown out of caches, and browsers on HTTPS in production."""

from __future__ import annotations

import secrets

from flask import Response, current_app, g, request, session

from marketplace.auth.caller import authenticated_by

# A year, and every subdomain: what the HSTS preload list asks for (we do not ask to be preloaded).
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
# A signed-in person's browser keeps no copy (a shared computer shows nothing after sign-out, nor
# on Back); a token's client keeps its own and revalidates each time, so 304s still work, while
# no shared cache stores it.
SIGNED_IN = "no-store"
TOKEN_HOLDER = "private, no-cache"


def csp_nonce() -> str:
    """This request's nonce for the one inline script GOV.UK Frontend's page template writes."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    # No form-action: the sign-in form redirects to the sign-in provider, another origin.
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; "
        "img-src 'self' data:; "
        "font-src 'self'; "
        "object-src 'none'; "
        "base-uri 'none'; "
        "frame-ancestors 'none'"
    )


def add_security_headers(response: Response) -> Response:
    """Registered on the app (web.init_app), so it runs for every response: pages, the API,
    files, error pages and problem+json alike."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if current_app.config["MARKETPLACE_ENV"] == "production":
        # Not in development: it would make a browser refuse http://127.0.0.1 for a year.
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    keep_out_of_shared_caches(response)
    return response


def keep_out_of_shared_caches(response: Response) -> None:
    """Mark what a signed-in person or a token's holder is shown as theirs alone.

    Same-for-everyone files (/assets) are left cacheable; an answer already marked `no-store`
    keeps it. Anything else to a known caller, or that sets the session cookie, replaces whatever
    caching the view chose.
    """
    if request.endpoint and request.endpoint.rpartition(".")[2] == "static":
        return
    if "no-store" in response.cache_control:
        return
    caller = authenticated_by()
    if caller is not None:
        response.headers["Cache-Control"] = SIGNED_IN if caller == "session" else TOKEN_HOLDER
    elif session.modified:
        # The session cookie is set on this answer (sign-in's state, say): a stored copy would
        # hand this browser's cookie to the next.
        response.headers["Cache-Control"] = SIGNED_IN
