"""The one route of the Action API: find the action, read who is calling and what they sent,
call it, and wrap the answer (or the error) in CKAN's envelope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, g, request

from marketplace import limits
from marketplace.ckan import actions_read as read
from marketplace.ckan import actions_write as write
from marketplace.ckan import bp
from marketplace.ckan.envelope import BadActionRequest, failure, success
from marketplace.ckan.params import Params, request_data
from marketplace.ckan.search import package_search
from marketplace.errors import AuthenticationError, MarketplaceError, TooManyRequestsError
from marketplace.extensions import db
from marketplace.services.actors import Actor
from marketplace.services.tokens import authenticate_token

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
    except MarketplaceError as error:
        db.session.rollback()  # a refused write leaves nothing behind
        return failure(name, error)


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
