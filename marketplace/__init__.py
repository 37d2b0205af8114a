"""Data Marketplace: a catalogue of UK government data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from marketplace import api, models, ops  # noqa: F401  (models: register the tables)
from marketplace.cli import register_commands
from marketplace.config import load_config
from marketplace.errors import register_error_handlers
from marketplace.extensions import db, migrate
from marketplace.guards import register_guards
from marketplace.request_log import configure_logging
from marketplace.search.worker import start_background_sync

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error handlers, commands."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(app.instance_path, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.json.sort_keys = False
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    configure_logging(app)
    register_guards(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)
    register_error_handlers(app)
    register_commands(app)
    app.before_request(lambda: start_background_sync(app))
    return app
