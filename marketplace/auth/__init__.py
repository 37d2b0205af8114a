"""Sign-in (an OpenID Connect client shaped for GOV.UK One Login), sessions and API tokens.

Works with any compliant provider; never imports the embedded development provider.
"""

from __future__ import annotations

from flask import Flask

from marketplace.auth import session
from marketplace.auth.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    session.init_app(app)
