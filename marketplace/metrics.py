"""/metrics in Prometheus's format (placeholder: issue 17 fills this in)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the metrics endpoint and the request hooks that feed it."""
