"""REST API v1: thin views that load the request, call a service and dump the result."""

from marketplace.api import (  # noqa: F401  (importing registers the routes and the hooks)
    access_requests,
    cors,
    datasets,
    meta,
    negotiation,
    openapi,
    organisations,
    quality_summary,
    roles,
)
from marketplace.api.blueprint import bp

__all__ = ["bp"]
