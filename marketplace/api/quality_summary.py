"""/api/v1/quality/summary: the quality report's figures (the /quality page) as JSON."""

from __future__ import annotations

from datetime import date

from flask import Response

from marketplace.api.blueprint import bp
from marketplace.api.http import json_response
from marketplace.auth.bearer import current_actor
from marketplace.services.quality_report import quality_summary


@bp.get("/quality/summary")
def get_quality_summary() -> Response:
    # Like the other API reads, query parameters it does not use are ignored.
    return json_response(quality_summary(current_actor(), date.today()).as_dict())
