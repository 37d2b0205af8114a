"""What the feedback page takes: what someone was doing, what they want to tell us, and an
address if they would like a reply."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from marketplace.rules.text import unstorable_text
from marketplace.schemas.fields import Text


class FeedbackSchema(Schema):
    doing = Text(max_length=1000, single_line=False, allow_none=True)
    message = Text(required=True, max_length=2000, single_line=False)
    reply_to = fields.Email(
        allow_none=True,
        validate=validate.Length(max=254, error="Must be 254 characters or fewer."),
        error_messages={"invalid": "Not a valid e-mail address."},
    )
    page = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @pre_load
    def refuse_unstorable(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            unstorable = unstorable_text(data)
            if unstorable:
                raise ValidationError(unstorable)
            # An empty optional box means "not given".
            data = {key: value for key, value in data.items() if not (key != "message" and value == "")}
        return data
