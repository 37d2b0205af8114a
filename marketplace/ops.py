"""Operations endpoints: /healthz (the process answers) and /readyz (it can serve)."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from marketplace.extensions import db
from marketplace.search import index_root, index_status

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)


@cache
def migration_heads(directory: str) -> frozenset[str]:
    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response:
    checks: dict[str, str] = {}
    ready = True
    try:
        applied = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
        checks["database"] = "ok"
        heads = migration_heads(str(Path(current_app.extensions["migrate"].directory)))
        if applied == heads:
            checks["migrations"] = "ok"
        else:
            ready = False
            checks["migrations"] = (
                f"at {', '.join(sorted(applied)) or 'nothing'}, head is {', '.join(sorted(heads))}"
            )
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("readiness check failed: %s", type(error).__name__)
        ready = False
        checks["database"] = "unreachable or not migrated"
    search: dict[str, object] = {}
    if ready:
        status = index_status(index_root())
        search = {
            "available": status.available,
            "entries": status.documents,
            "pending_changes": status.pending,
            "oldest_pending_seconds": status.oldest_pending_seconds,
        }
        # Without the index, lists and search fall back to the database: degraded, still serving.
        checks["search"] = "ok" if status.available else f"unavailable: {status.detail}"
    state = "unavailable" if not ready else ("ok" if checks.get("search") == "ok" else "degraded")
    response = jsonify(status=state, checks=checks, search=search)
    response.status_code = 200 if ready else 503
    return response
