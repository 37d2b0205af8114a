"""Data Marketplace: a catalogue of UK government data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace import (  # noqa: F401  (models: tables)
    api,
    auth,
    ckan,
    compression,
    dcat,
    devidp,
    dm_api,
    limits,
    metrics,
    models,
    oauth,
    ops,
    samples,
    web,
)
from marketplace.cli import register_commands
from marketplace.config import load_config
from marketplace.errors import register_error_handlers
from marketplace.extensions import csrf, db, migrate
from marketplace.guards import register_guards
from marketplace.request_log import configure_logging
from marketplace.search.worker import catch_up_if_due

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, commands.

    `instance_path` (default: ./instance) holds the development database, secret and keys, and
    pending CSV imports; tests give each app its own.
    """
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.json.sort_keys = False
    if app.config["PROXY_HOPS"]:
        # Believe X-Forwarded-For/-Proto/-Host/-Port from exactly this many proxies in front, no
        # more: a client's own headers would otherwise choose its address (and its rate limits).
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    compression.init_app(app)  # first, so that its hook runs after every other one
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    csrf.exempt(api.bp)  # bearer tokens, never cookies
    csrf.exempt(ckan.bp)  # CKAN's API keys, never cookies
    csrf.exempt(dm_api.bp)  # machine clients' bearer tokens, never cookies
    configure_logging(app)
    if app.config["MARKETPLACE_ENV"] == "production" and not app.config["MAIL_SERVER"]:
        # Not refused: a department may start without e-mail. But nobody would be told about
        # data share requests, so say so where operators look.
        app.logger.warning(
            "MAIL_SERVER is not set: e-mail is written to %s as .eml files, not sent.", app.config["MAIL_DIR"]
        )
    register_guards(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(ckan.bp)
    app.register_blueprint(dcat.bp)
    app.register_blueprint(dm_api.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(samples.bp)
    oauth.init_app(app)  # machine clients' token endpoint (client credentials)
    auth.init_app(app)
    if app.config["MARKETPLACE_DEV_IDP"]:
        devidp.init_app(app)  # development and tests only; config refuses it in production
    app.register_blueprint(web.bp)
    web.init_app(app)
    limits.init_app(app)
    metrics.init_app(app)
    register_error_handlers(app)
    register_commands(app)
    app.before_request(lambda: catch_up_if_due(app))
    return app
