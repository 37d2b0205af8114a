"""CKAN's Action API (/api/action/<name> and /api/3/action/<name>) over our own services, so that
ckanapi, harvesters and other CKAN clients can read and write the catalogue unchanged."""

from flask import Blueprint

bp = Blueprint("ckan", __name__)

from marketplace.ckan import views  # noqa: E402, F401  (registers the routes on bp)
