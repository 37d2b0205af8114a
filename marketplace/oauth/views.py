"""The token endpoint (at the Data Marketplace specification's path and at /oauth/token) and the
authorization server's metadata (RFC 8414)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from marketplace.extensions import csrf
from marketplace.oauth.server import (
    ASSERTION_ALGORITHMS,
    AUTH_METHODS,
    GRANT_TYPE,
    TOKEN_PATHS,
    MachineClientServer,
    issuer,
    token_endpoint,
)
from marketplace.services.api_clients import SCOPES

bp = Blueprint("oauth", __name__)
EXTENSION = "marketplace.oauth_server"
METADATA_MAX_AGE = 3600


def server() -> MachineClientServer:
    return current_app.extensions[EXTENSION]


@bp.post(TOKEN_PATHS[0])
@bp.post(TOKEN_PATHS[1])
@csrf.exempt  # machine to machine: the client authenticates with its secret or a signed assertion
def token() -> Response:
    response = server().create_token_response()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/.well-known/oauth-authorization-server")
def metadata() -> Response:
    response = jsonify(
        {
            "issuer": issuer(),
            "token_endpoint": token_endpoint(),
            "grant_types_supported": [GRANT_TYPE],
            # No authorization endpoint: machine clients only.
            "response_types_supported": [],
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        }
    )
    response.headers["Cache-Control"] = f"public, max-age={METADATA_MAX_AGE}"
    return response
