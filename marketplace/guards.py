"""Refusals that hold for every URL: text in the path or query that nothing could store or match."""

from __future__ import annotations

from flask import Flask, request

from marketplace.errors import BadRequestError, NotFoundError
from marketplace.schemas.fields import unstorable_text


def register_guards(app: Flask) -> None:
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
