"""The caller of an API request: an ``Authorization: Bearer <token>`` header, or else the
signed-in session, which may read through the API but not write (writes need a token, so a
page on another site can never make changes with a visitor's cookie)."""

from __future__ import annotations

from flask import g, request

from marketplace import limits
from marketplace.auth.session import current_user
from marketplace.errors import AuthenticationError
from marketplace.rules.actors import Actor
from marketplace.services.api_clients import authenticate_client_token, is_client_token
from marketplace.services.tokens import authenticate_token


def current_actor() -> Actor:
    """The actor for this request, worked out once.

    A request that sends credentials which do not check out is refused (401) rather than
    quietly treated as anonymous, so a client with an expired token finds out at once.
    """
    if "actor" not in g:
        g.actor = _actor_from_headers()
    return g.actor


def _actor_from_headers() -> Actor:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        user = current_user()
        return Actor.for_user(user, "session", {"read"}) if user else Actor.anonymous()
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise AuthenticationError("Send the token as: Authorization: Bearer <token>.")
    # An address that has sent too many tokens that did not check out is refused before the
    # lookup, whatever it sends now: otherwise a right guess would still be told apart.
    limits.refuse_blocked_bearer()
    try:
        if is_client_token(secret):  # a machine client's token, from /ClientAuth/get-token
            return authenticate_client_token(secret)
        return authenticate_token(secret)
    except AuthenticationError:
        limits.count_bearer_failure()
        raise
