"""The embedded OpenID Connect provider at /dev-idp: GOV.UK One Login's behaviour, for development
and tests only (the app refuses to start in production with it on).

Issuer: ``<BASE_URL>/dev-idp/`` (configuration, never the request's Host header). Configure
it over HTTP with ``GET|POST /dev-idp/config`` (DESIGN §6); by default it has the service itself
registered as its client, with the service's own public key, so sign-in works with no set-up.
"""

from __future__ import annotations

from flask import Flask

from marketplace.devidp.server import make_server
from marketplace.devidp.state import ProviderState
from marketplace.devidp.views import bp


def init_app(app: Flask) -> None:
    app.extensions["devidp"] = ProviderState(app)
    app.extensions["devidp_server"] = make_server(app)
    app.register_blueprint(bp)
