"""Refusals that hold for every URL: a Host header the service does not answer to, and text in
the path or query that nothing could store or match."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import SecurityError

from marketplace.errors import BadRequestError, NotFoundError, error_response
from marketplace.rules.text import unstorable_text

UNTRUSTED_HOST = "This service does not answer to that host name."


def register_guards(app: Flask) -> None:
    # Flask refuses a Host outside TRUSTED_HOSTS with werkzeug's SecurityError, whose message
    # repeats the host; the answer here names nothing the caller sent.
    @app.errorhandler(SecurityError)
    def refuse_untrusted_host(error: SecurityError) -> Response:
        return error_response(400, "Bad request", UNTRUSTED_HOST)

    @app.before_request
    def refuse_unstorable_text() -> None:
        if unstorable_text(request.path):
            raise NotFoundError(f"There is nothing at {request.path!r}.")
        errors: dict[str, list[str]] = {}
        for name, values in request.args.lists():
            if unstorable_text(name) or unstorable_text(values):
                errors[name] = ["Must not contain NUL characters or unpaired surrogates."]
        if errors:
            raise BadRequestError("Check the query parameters.", errors)
