"""/api/v1/organisations: the departments and bodies that publish."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for

from marketplace.api.blueprint import bp
from marketplace.api.http import json_response
from marketplace.auth.bearer import current_actor
from marketplace.models import Organisation
from marketplace.schemas.organisation import OrganisationOutSchema
from marketplace.services.organisations import get_organisation, list_organisations

schema = OrganisationOutSchema()


def _dump(organisation: Organisation, dataset_count: int) -> dict[str, Any]:
    body = schema.dump(organisation)
    body["dataset_count"] = dataset_count
    body["links"] = {
        "self": url_for("api.get_organisation", slug=organisation.slug, _external=True),
        "datasets": url_for("api.list_datasets", organisation=organisation.slug, _external=True),
    }
    return body


@bp.get("/organisations", endpoint="list_organisations")
def list_all_organisations() -> Response:
    rows = list_organisations(current_actor())
    return json_response({"items": [_dump(o, n) for o, n in rows], "total": len(rows)})


@bp.get("/organisations/<slug>", endpoint="get_organisation")
def show_organisation(slug: str) -> Response:
    organisation, dataset_count = get_organisation(current_actor(), slug)
    return json_response(_dump(organisation, dataset_count))
