"""REST API v1: thin views that load the request, call a service and dump the result."""

from marketplace.api import datasets, meta, organisations, quality_summary, roles  # noqa: F401  (importing registers the routes)
from marketplace.api.blueprint import bp

__all__ = ["bp"]
