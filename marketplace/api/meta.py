"""Small API resources: the caller, and the licence list."""

from __future__ import annotations

from typing import Any

from flask import Response

from marketplace.api.blueprint import bp
from marketplace.api.http import json_response
from marketplace.auth.bearer import current_actor
from marketplace.errors import AuthenticationError
from marketplace.rules.actors import CLIENT_SCOPES, Actor
from marketplace.vocabularies import LICENCES


@bp.get("/me")
def me() -> Response:
    actor = current_actor()
    if actor.client is not None:
        return json_response(_client(actor))
    if actor.user is None:
        raise AuthenticationError("Sign in or send an API token to see who you are.")
    user = actor.user
    memberships = sorted(user.memberships, key=lambda m: (m.organisation.slug, m.role))
    organisations = sorted({m.organisation.slug for m in memberships})
    return json_response(
        {
            "email": user.email,
            "organisation": organisations[0] if organisations else None,
            "roles": sorted(
                {m.role for m in memberships} | ({"site_admin"} if user.is_site_admin else set())
            ),
            "memberships": [{"organisation": m.organisation.slug, "role": m.role} for m in memberships],
            "scopes": sorted(actor.scopes),
        }
    )


def _client(actor: Actor) -> dict[str, Any]:
    """A machine client: its organisation and the OAuth scopes its token was granted."""
    client = actor.client
    return {
        "client": {"client_id": client.client_id, "name": client.name},
        "organisation": client.organisation.slug,
        "roles": [],
        "memberships": [],
        "scopes": [name for name, scope in CLIENT_SCOPES.items() if scope in actor.scopes],
    }


@bp.get("/licences")
def licences() -> Response:
    return json_response(
        {
            "items": [
                {"id": licence.id, "uri": licence.uri, "title": licence.title, "is_open": licence.is_open}
                for licence in LICENCES
            ],
            "total": len(LICENCES),
        }
    )
