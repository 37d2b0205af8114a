"""CKAN's Action API (/api/action/<name> and /api/3/action/<name>) over our own services, so that
ckanapi, harvesters and other CKAN clients can read and write the catalogue unchanged."""

from marketplace.ckan.views import bp

__all__ = ["bp"]
