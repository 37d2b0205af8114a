"""The one route of the Action API: find the action, read who is calling and what they sent,
call it, and wrap the answer (or the error) in CKAN's envelope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace import limits
from marketplace.ckan import actions_read as read
from marketplace.ckan import actions_write as write
from marketplace.ckan.envelope import BadActionRequest, TooLargeRequest, failure, success
from marketplace.ckan.params import Params, request_data
from marketplace.ckan.search import package_search
from marketplace.errors import (
    AuthenticationError,
    MarketplaceError,
    NotFoundError,
    TooManyRequestsError,
    ValidationError,
)
from marketplace.extensions import db
from marketplace.rules.actors import Actor
from marketplace.services.tokens import authenticate_token

bp = Blueprint("ckan", __name__)

Action = Callable[[Actor, Params], Any]
READ_ACTIONS: dict[str, Action] = {
    "status_show": read.status_show,
    "site_read": read.site_read,
    "package_search": package_search,
    "package_show": read.package_show,
    "package_list": read.package_list,
    "current_package_list_with_resources": read.current_package_list_with_resources,
    "organization_list": read.organization_list,
    "organization_show": read.organization_show,
    "tag_list": read.tag_list,
    "license_list": read.license_list,
    "group_list": read.group_list,
    "resource_show": read.resource_show,
    "help_show": lambda actor, params: _help_show(params),
}
WRITE_ACTIONS: dict[str, Action] = {
    "package_create": write.package_create,
    "package_update": write.package_update,
    "package_patch": write.package_patch,
    "package_delete": write.package_delete,
}


@bp.route("/api/action/<name>", methods=["GET", "POST"])
@bp.route("/api/3/action/<name>", methods=["GET", "POST"])
def action(name: str) -> Response:
    try:
        function = READ_ACTIONS.get(name) or WRITE_ACTIONS.get(name)
        if function is None:
            raise BadActionRequest(f"Action name not known: {name[:100]}")
        data = request_data(side_effect_free=name in READ_ACTIONS)
        return success(name, function(_caller(), Params(data)))
    except TooManyRequestsError:
        raise  # the app's handler says how long to wait
    except RequestEntityTooLarge:
        return failure(name, TooLargeRequest("The body is larger than the service accepts (1 MB)."))
    except MarketplaceError as error:
        db.session.rollback()  # a refused write leaves nothing behind
        return failure(name, error)


def _help_show(params: Params) -> str:
    wanted = params.string("name")
    params.finish()
    if not wanted:
        raise ValidationError({"name": ["Missing value"]})
    for name, takes, answers in DOCUMENTED:
        if name == wanted:
            return f"{name}: takes {takes or 'nothing'}. {answers} See /api."
    raise NotFoundError(f"There is no action called {wanted[:100]!r}.")


def _caller() -> Actor:
    """The token's actor, or anonymous. Never the session cookie: this API is exempt from CSRF
    protection, so a cookie here would let any web page act as its visitor."""
    header = (
        request.headers.get("Authorization", "").strip() or request.headers.get("X-CKAN-API-Key", "").strip()
    )
    if not header:
        actor = Actor.anonymous()
    else:
        # CKAN takes the bare token; our REST clients' "Bearer <token>" is accepted too.
        secret = header.removeprefix("Bearer ").strip()
        limits.refuse_blocked_bearer()
        try:
            actor = authenticate_token(secret)
        except AuthenticationError:
            limits.count_bearer_failure()
            raise
    g.actor = actor  # what the request log and anything else asking for the caller see
    return actor


# For the /api page: each action, the parameters it takes, and what it answers.
DOCUMENTED = [
    ("status_show", "", "The site's name, its API version (3) and a CKAN version it behaves as."),
    ("site_read", "", "true."),
    ("help_show", "name", "What an action takes and answers (the link in every answer's help)."),
    (
        "package_search",
        "q, fq, rows (≤1000), start, sort, facet.field, facet.limit, facet.mincount, include_private, "
        "include_drafts",
        "count, results (full packages), facets and search_facets. q is searched as on the find page; "
        "fq takes field:value, -field:value, OR, quoted values and metadata_modified:[X TO Y] over "
        "organization, tags, res_format, license_id, groups, name and id; sort takes score, "
        "metadata_modified, title_string, name or id with asc or desc.",
    ),
    ("package_show", "id (id or name)", "One package."),
    ("package_list", "limit, offset, include_private, include_drafts", "Package names, by name."),
    ("current_package_list_with_resources", "limit, offset, page", "Packages, most recently changed first."),
    ("organization_list", "all_fields, sort, limit, offset, organizations", "Organisation names or dicts."),
    ("organization_show", "id, include_datasets", "One organisation, with its public packages if asked."),
    ("tag_list", "query", "Keywords of the public packages."),
    ("license_list", "", "The licences an entry may carry, by CKAN id."),
    ("group_list", "all_fields", "Our themes, as CKAN groups."),
    ("resource_show", "id", "One resource (distribution)."),
    ("package_create", "a package dict", "Creates an entry; published unless the dict says draft."),
    ("package_update", "a package dict with id or name", "Replaces the entry: what is left out is cleared."),
    ("package_patch", "id or name, and the keys to change", "Changes only the keys sent."),
    ("package_delete", "id", "Deletes the entry."),
]
