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
    # Who is asking is looked up in the database, so only once it answers.
    detailed = from_this_machine() or (ready and current_actor().is_site_admin)
    response = jsonify(status=state, checks=checks, search=search) if detailed else jsonify(status=state)
    response.status_code = 200 if ready else 503
    return _never_stored(response)


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
