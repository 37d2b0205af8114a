"""Logging with a request id on every line; one access line per request.

The id comes from an incoming ``X-Request-ID`` (when it looks safe to echo) or is made
here; it is echoed in the response so a user's report can be matched to the log.

Production writes one JSON object a line to stdout (what a log collector reads without parsing
rules); development keeps the plain text that people read. The standard library's logging with
a small Formatter does it: the fields are few and fixed, so a library would add nothing.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import inspect

REQUEST_ID_HEADER = "X-Request-ID"
# Echoing a header back is safe only for plain tokens: no spaces, no control characters.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
# Per-request fields the access line carries; a JSON line includes those a record has.
ACCESS_FIELDS = ("route", "method", "status", "duration_ms")

log = logging.getLogger("marketplace.request")


def current_user_id() -> str | None:
    """The caller's user id, from what the request already worked out (auth.bearer's actor, or
    auth.session's session): never a look-up of its own, never an e-mail or a name.

    Read from what the objects already hold: after a database error the request's transaction is
    rolled back and its objects expired, and reading an attribute would ask the database again;
    with the database gone, that turned the 503 being logged into a 500."""
    actor = g.get("actor")
    if actor is not None and getattr(actor, "user", None) is not None:
        identity = inspect(actor.user).identity
        return str(identity[0]) if identity else None
    user_session = g.get("user_session")
    if user_session is not None:
        user_id = inspect(user_session).dict.get("user_id")
        return str(user_id) if user_id is not None else None
    return None


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        in_request = has_request_context()
        record.request_id = g.get("request_id", "-") if in_request else "-"
        if not hasattr(record, "user_id"):
            record.user_id = current_user_id() if in_request else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request and user id,
    and the access line's fields when the record has them."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "user_id": getattr(record, "user_id", None),
        }
        for field in ACCESS_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _handler(app: Flask) -> logging.Handler:
    if app.config["MARKETPLACE_ENV"] == "production":
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
        )
    handler.addFilter(RequestIdFilter())
    return handler


def route_of() -> str:
    """The URL rule that answered ("/datasets/<slug>"), never the raw path: bounded, and free of
    whatever a client put in the address. None matched (404, 405): "-"."""
    rule = request.url_rule
    return rule.rule if rule is not None else "-"


def configure_logging(app: Flask) -> None:
    handler = _handler(app)
    root = logging.getLogger("marketplace")
    # The factory may run many times in one process (tests): keep one handler.
    for old in [h for h in root.handlers if getattr(h, "_marketplace", False)]:
        root.removeHandler(old)
    handler._marketplace = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = app.testing  # let pytest's caplog see records in tests

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
            elapsed_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
            route = route_of()
            log.info(
                "%s %s %s %.1fms",
                request.method,
                route,
                response.status_code,
                elapsed_ms,
                extra={
                    "route": route,
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round(elapsed_ms, 1),
                },
            )
        return response
