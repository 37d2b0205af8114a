"""The declared quality form: a rating, the date it was assessed, the method and an action plan for
each of the quality dimensions, read from the posted inputs and the services' errors put under them
(the entry form's own reading and wording are in `publish_forms`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from marketplace.vocabularies import QUALITY_DIMENSIONS
from marketplace.web.publish_forms import (
    DATE_PARTS,
    Errors,
    add_error,
    as_text,
    date_parts,
    humanise,
    read_date,
)

QUALITY_INPUTS = ("rating", *(f"assessed_on-{part}" for part in DATE_PARTS), "method", "action_plan_url")
_QUALITY_INPUT = re.compile(
    r"^([a-z_]{1,50})-(rating|assessed_on-day|assessed_on-month|assessed_on-year|method|action_plan_url)$"
)
QUALITY_LABELS = {
    "rating": "Rating for {}",
    "assessed_on": "Date {} was assessed",
    "method": "Method for {}",
    "action_plan_url": "Action plan URL for {}",
}


def quality_form_from_request(posted: MultiDict) -> dict[str, dict[str, str]]:
    """Each dimension's inputs as posted (a dimension the form does not show is kept, for the
    services to refuse by name)."""
    dimensions = list(QUALITY_DIMENSIONS)
    dimensions += sorted({m.group(1) for key in posted if (m := _QUALITY_INPUT.match(key))} - set(dimensions))
    return {d: {name: posted.get(f"{d}-{name}", "") for name in QUALITY_INPUTS} for d in dimensions}


def quality_form_from_ratings(declared: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """The quality form filled from the declared ratings (``{dimension: {rating, assessed_on, …}}``)."""
    form = {}
    for dimension in QUALITY_DIMENSIONS:
        rating = declared.get(dimension) or {}
        inputs = {name: as_text(rating.get(name)) for name in ("rating", "method", "action_plan_url")}
        inputs.update(date_parts("assessed_on", rating.get("assessed_on")))
        form[dimension] = inputs
    return form


def quality_from_form(form: Mapping[str, Mapping[str, str]]) -> tuple[dict[str, Any], Errors]:
    """The declared ratings the form describes: a dimension with nothing entered is not rated."""
    ratings: dict[str, Any] = {}
    errors: Errors = {}
    for dimension, inputs in form.items():
        if not any(value.strip() for value in inputs.values()):
            continue
        name = QUALITY_DIMENSIONS.get(dimension, dimension).lower()
        rating: dict[str, Any] = {k: inputs[k] for k in ("method", "action_plan_url") if inputs[k].strip()}
        if inputs["rating"].strip():
            value = inputs["rating"].strip()
            rating["rating"] = int(value) if re.fullmatch(r"[0-9]{1,3}", value) else value
        parts = {part: inputs[f"assessed_on-{part}"] for part in DATE_PARTS}
        assessed = read_date(
            parts, QUALITY_LABELS["assessed_on"].format(name), errors, f"{dimension}-assessed_on-day"
        )
        if assessed:
            rating["assessed_on"] = assessed
        ratings[dimension] = rating
    return ratings, errors


def quality_errors(service_errors: Mapping[str, list[str]]) -> Errors:
    """The quality service's errors (``completeness.rating``) as messages under input ids."""
    errors: Errors = {}
    for path, messages in service_errors.items():
        dimension, _, name = path.partition(".")
        if dimension not in QUALITY_DIMENSIONS or name not in QUALITY_LABELS:
            for message in messages:
                add_error(errors, "_schema", message)
            continue
        title = QUALITY_DIMENSIONS[dimension]
        label = QUALITY_LABELS[name].format(title.lower() if name == "assessed_on" else title)
        anchor = f"{dimension}-{name}" + ("-day" if name == "assessed_on" else "")
        required = {
            "rating": f"Select a rating for {title}, or clear its other answers",
            "assessed_on": f"Enter the date {title.lower()} was assessed",
        }.get(name)
        for message in messages:
            add_error(errors, anchor, humanise(message, label, required))
    return errors


QUALITY_ORDER = ("_schema", *QUALITY_DIMENSIONS)
