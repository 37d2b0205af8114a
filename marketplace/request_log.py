"""Logging with a request id on every line.

The id comes from an incoming ``X-Request-ID`` (when it looks safe to echo) or is made
here; it is echoed in the response so a user's report can be matched to the log.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# Echoing a header back is safe only for plain tokens: no spaces, no control characters.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

log = logging.getLogger("marketplace.request")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
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
            log.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                elapsed_ms,
                extra={"status": response.status_code, "duration_ms": round(elapsed_ms, 1)},
            )
        return response
