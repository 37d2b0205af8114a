"""/api/v1/organisations/<slug>/members and role-changes: an org admin's people and roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, request

from marketplace.api.blueprint import bp
from marketplace.api.http import json_response, page_links
from marketplace.auth.bearer import current_actor
from marketplace.models import RoleChange
from marketplace.schemas.revision import load_page_params
from marketplace.services.organisations import find_organisation
from marketplace.services.roles import Member, grant_role, list_members, list_role_changes, revoke_role


def _time(value: datetime | None) -> str | None:
    # ISO 8601 with a "T", as marshmallow writes every other time in the API.
    return value.isoformat() if value else None


def _dump_member(member: Member) -> dict[str, Any]:
    return {
        "email": member.user.email,
        "roles": list(member.roles),
        "signed_in": member.user.sub is not None,
        "last_signed_in_at": _time(member.user.last_signed_in_at),
        "member_since": _time(member.joined_at),
    }


def _dump_change(change: RoleChange) -> dict[str, Any]:
    return {
        "email": change.user.email,
        "role": change.role,
        "action": change.action,
        "by": change.actor_label,
        "at": _time(change.at),
    }


@bp.get("/organisations/<slug>/members")
def list_organisation_members(slug: str) -> Response:
    organisation = find_organisation(slug)
    members = list_members(current_actor(), organisation)
    return json_response({"items": [_dump_member(m) for m in members], "total": len(members)})


@bp.put("/organisations/<slug>/members/<email>/roles/<role>")
def grant_organisation_role(slug: str, email: str, role: str) -> Response:
    organisation = find_organisation(slug)
    actor = current_actor()
    granted = grant_role(actor, organisation, email, role)
    member = next(m for m in list_members(actor, organisation) if m.user.email == email.strip().lower())
    return json_response(_dump_member(member), status=201 if granted else 200)


@bp.delete("/organisations/<slug>/members/<email>/roles/<role>")
def revoke_organisation_role(slug: str, email: str, role: str) -> Response:
    organisation = find_organisation(slug)
    revoke_role(current_actor(), organisation, email, role)
    return Response(status=204)


@bp.get("/organisations/<slug>/role-changes")
def list_organisation_role_changes(slug: str) -> Response:
    organisation = find_organisation(slug)
    page, per_page = load_page_params(request.args)
    changes = list_role_changes(current_actor(), organisation, page=page, per_page=per_page)
    return json_response(
        {
            "items": [_dump_change(change) for change in changes.items],
            "total": changes.total,
            "links": page_links(
                "api.list_organisation_role_changes", page, per_page, changes.total, slug=slug
            ),
        }
    )
