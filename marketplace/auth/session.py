"""The signed-in session of this request: the cookie's secret, checked against the stored session.

Flask's signed cookie carries only a random secret (and, during sign-in, Authlib's state);
`services.sessions` decides whether that secret still stands for a live session.
"""

from __future__ import annotations

from flask import Flask, current_app, g, session

from marketplace.models import User, UserSession
from marketplace.rules.actors import Actor
from marketplace.services.sessions import SessionPolicy, find_active_session, start_session

SESSION_KEY = "session_secret"
NEXT_KEY = "sign_in_next"


def policy() -> SessionPolicy:
    return SessionPolicy.from_config(current_app.config)


def current_user_session() -> UserSession | None:
    """The live session of this request, worked out once per request."""
    if "user_session" not in g:
        secret = session.get(SESSION_KEY)
        found = find_active_session(secret, policy()) if isinstance(secret, str) else None
        if found is None and SESSION_KEY in session:
            session.pop(SESSION_KEY)
        g.user_session = found
    return g.user_session


def current_user() -> User | None:
    found = current_user_session()
    return found.user if found else None


def session_actor() -> Actor:
    """The person signed in to the pages, who may do whatever their roles allow."""
    user = current_user()
    return Actor.for_user(user, "session", {"read", "publish"}) if user else Actor.anonymous()


def begin_user_session(user: User, *, provider_sid: str | None, id_token: str | None) -> None:
    """A fresh cookie session for a new sign-in: nothing from before it survives (no fixation)."""
    record, secret = start_session(user, policy(), provider_sid=provider_sid, id_token=id_token)
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = secret
    g.user_session = record


def forget_user_session() -> None:
    session.clear()
    g.user_session = None


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_current_user() -> dict:
        return {"current_user": current_user()}
