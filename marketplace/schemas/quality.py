"""Declared quality ratings: ``{dimension: {rating, assessed_on, method, action_plan_url}}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from marketplace.rules.text import unstorable_text
from marketplace.schemas.fields import PastDate, Text
from marketplace.schemas.web_address import WebAddress
from marketplace.vocabularies import QUALITY_DIMENSIONS


class QualityRatingSchema(Schema):
    rating = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=5, error="Must be a whole number from 1 to 5."),
    )
    assessed_on = PastDate(required=True)
    method = Text(max_length=2000, single_line=False, allow_none=True)
    action_plan_url = WebAddress(allow_none=True)


class DeclaredQualityField(fields.Field):
    """A mapping of Data Quality Framework dimension to its rating."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        if not isinstance(value, dict):
            raise ValidationError("Must be an object mapping each quality dimension to its rating.")
        errors: dict[str, Any] = {}
        ratings: dict[str, dict[str, Any]] = {}
        schema = QualityRatingSchema()
        for dimension, rating in value.items():
            if dimension not in QUALITY_DIMENSIONS:
                allowed = ", ".join(QUALITY_DIMENSIONS)
                errors[dimension] = [
                    f"{dimension!r} is not a Government Data Quality Framework dimension. "
                    f"Use one of: {allowed}."
                ]
                continue
            try:
                ratings[dimension] = schema.load(rating)
            except ValidationError as error:
                errors[dimension] = error.messages
        if errors:
            raise ValidationError(errors)
        return ratings


def load_declared_quality(body: Any) -> dict[str, dict[str, Any]]:
    """Validate the body of ``PUT /api/v1/datasets/<id>/quality``; errors name each dimension."""
    unstorable = unstorable_text(body)
    if unstorable:
        raise ValidationError(unstorable)
    return DeclaredQualityField().deserialize(body)


def dump_declared_quality(ratings: list[Any]) -> dict[str, dict[str, Any]]:
    return {
        r.dimension: {
            "rating": r.rating,
            "label": RATING_LABELS[r.rating],
            "assessed_on": r.assessed_on.isoformat(),
            "method": r.method,
            "action_plan_url": r.action_plan_url,
        }
        for r in ratings
    }


# Plain-English meaning of each rating, shown beside the number.
RATING_LABELS = {1: "Very poor", 2: "Poor", 3: "Adequate", 4: "Good", 5: "Very good"}
