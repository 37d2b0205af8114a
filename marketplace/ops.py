"""Operations endpoints: /healthz (the process answers) and /readyz (it can serve).

/readyz tells anyone whether the service is ready, by its HTTP status and a one-word status; why
(each check, the migration heads, the index's counts) only to site admins, signed in or by token,
and to the machine itself, so a probe or an operator on the host needs no credentials.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from marketplace.auth.bearer import current_actor
from marketplace.extensions import db
from marketplace.search import index_root, index_status

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)

# A proxy sets one of these when it relays a request: then loopback is the proxy, not the caller.
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


@cache
def migration_heads(directory: str) -> frozenset[str]:
    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


@bp.get("/healthz")
def healthz() -> Response:
    return _never_stored(jsonify(status="ok"))


@bp.get("/readyz")
def readyz() -> Response:
    database = _database_answers()
    applied = _applied_migrations() if database == "ok" else None
    if database == "ok" and applied is None:
        database = "not migrated"  # it answers, but has no alembic_version table
    checks: dict[str, str] = {"database": database}
    ready = database == "ok"
    if applied is not None:
        heads = migration_heads(str(Path(current_app.extensions["migrate"].directory)))
        if applied == heads:
            checks["migrations"] = "ok"
        else:
            ready = False
            checks["migrations"] = (
                f"at {', '.join(sorted(applied)) or 'nothing'}, head is {', '.join(sorted(heads))}"
            )
    search: dict[str, object] = {}
    if ready:
        search, checks["search"] = _search_check()
    state = "unavailable" if not ready else ("ok" if checks.get("search") == "ok" else "degraded")
    # Who is asking is looked up in the database, so only once it answers.
    detailed = from_this_machine() or (ready and current_actor().is_site_admin)
    response = jsonify(status=state, checks=checks, search=search) if detailed else jsonify(status=state)
    response.status_code = 200 if ready else 503
    return _never_stored(response)


def _search_check() -> tuple[dict[str, object], str]:
    """The index's figures, and "ok" or why it is unavailable. Without the index (missing, damaged,
    or unreadable for any reason) lists and search fall back to the database: degraded, still
    serving, so this check never fails the probe."""
    try:
        status = index_status(index_root())
    except Exception as error:  # index_status reports a damaged index itself; this is the backstop
        log.warning("readiness check: the search index could not be read", exc_info=True)
        _roll_back()
        unknown = dict.fromkeys(("entries", "pending_changes", "oldest_pending_seconds"))
        return {"available": False, **unknown}, f"unavailable: it could not be read ({type(error).__name__})"
    figures: dict[str, object] = {
        "available": status.available,
        "entries": status.documents,
        "pending_changes": status.pending,
        "oldest_pending_seconds": status.oldest_pending_seconds,
    }
    return figures, "ok" if status.available else f"unavailable: {status.detail}"


def _database_answers() -> str:
    """Whether the database answers: "ok", or "unreachable" when it is down, restarting or slower
    than its timeouts (DATABASE_CONNECT_TIMEOUT, DATABASE_STATEMENT_TIMEOUT_MS), which bound this
    check too."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("readiness check failed: the database did not answer (%s)", type(error).__name__)
        _roll_back()
        return "unreachable"
    return "ok"


def _applied_migrations() -> set[str] | None:
    """The revisions the database is at; None when it has no alembic_version table."""
    try:
        return set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        _roll_back()
        return None


def _roll_back() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone: the pool replaces it
        log.debug("could not roll back after a failed readiness check", exc_info=True)


def from_this_machine() -> bool:
    """The caller is on this host: a loopback address, and no proxy relayed the request.

    Behind a proxy on the same host every request arrives from loopback, so a forwarding header
    rules it out (a client's own such header only costs it the details). With PROXY_HOPS set,
    ProxyFix has already put the forwarded address in remote_addr, and the header is still there.
    """
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:  # a Unix socket has no address
        return False
    # A dual-stack listener sees IPv4 callers as ::ffff:127.0.0.1, not loopback to Python 3.11.
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _never_stored(response: Response) -> Response:
    # A probe's answer is about this moment.
    response.headers["Cache-Control"] = "no-store"
    return response
