"""Who made this request, as far as the request has already worked out, without a new look-up.

For answers that must differ by caller after the view has run (caching headers): it reads what
`auth.bearer` and `auth.session` recorded on `g`, so the rest of the app need not know their names.
"""

from __future__ import annotations

from flask import current_app, g, request, session

from marketplace.auth.session import SESSION_KEY


def authenticated_by() -> str | None:
    """How this request's caller proved who they are: "session", "token", or None if anonymous.

    Whatever the request worked out itself counts (the API's actor, the pages' session). When it
    never asked (a 404 before any view, a file), credentials sent count as a caller without a
    look-up: being private by mistake costs a cache miss, being public by mistake a leak.
    """
    if "actor" in g:  # auth.bearer: the API's caller, by token or by the session's cookie
        actor = g.actor
        return actor.via if actor.is_authenticated else None
    if "user_session" in g:  # auth.session: None once a stale or ended session was dropped
        return "session" if g.user_session is not None else None
    if request.headers.get("Authorization"):
        return "token"
    # Decode the cookie only if there is one: reading `session` adds Vary: Cookie.
    if current_app.config["SESSION_COOKIE_NAME"] in request.cookies and session.get(SESSION_KEY):
        return "session"
    return None
