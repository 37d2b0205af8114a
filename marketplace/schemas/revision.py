"""An entry's history as the API returns it, and the paging parameters of short lists."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as SchemaValidationError
from werkzeug.datastructures import MultiDict

from marketplace.errors import BadRequestError
from marketplace.models import Revision


class RevisionOutSchema(Schema):
    id = fields.Integer()
    action = fields.String()
    actor = fields.Method("dump_actor")
    created_at = fields.DateTime()
    changes = fields.Dict()

    def __init__(self, *, context_organisation: str, show_editors: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context_organisation = context_organisation
        self.show_editors = show_editors

    def dump_actor(self, revision: Revision) -> str:
        # People outside the organisation see which organisation made a change, not who:
        # publishers' e-mail addresses are personal data.
        if self.show_editors or revision.actor_label.startswith("system:"):
            return revision.actor_label
        return self.context_organisation


class PageParamsSchema(Schema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=100_000, error="Must be from 1 to 100,000."),
        error_messages={"invalid": "Must be a whole number."},
    )
    per_page = fields.Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100, error="Must be from 1 to 100."),
        error_messages={"invalid": "Must be a whole number."},
    )


def load_page_params(args: MultiDict) -> tuple[int, int]:
    """`page` and `per_page` from a query string; BadRequestError naming the bad one."""
    try:
        data = PageParamsSchema().load(args.to_dict())
    except SchemaValidationError as error:
        raise BadRequestError("Check the query parameters.", error.messages) from error
    return data["page"], data["per_page"]
