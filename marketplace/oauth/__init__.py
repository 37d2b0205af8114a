"""OAuth 2.0 for departments' systems: client credentials at POST /ClientAuth/get-token (the Data
Marketplace specification's path) and POST /oauth/token, and the server's metadata at
/.well-known/oauth-authorization-server. The tokens are checked where every bearer token is
(auth/bearer.py); the clients are registered through services.api_clients."""

from __future__ import annotations

from flask import Flask

from marketplace.oauth.server import make_server
from marketplace.oauth.views import EXTENSION, bp


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = make_server(app)
    app.register_blueprint(bp)
