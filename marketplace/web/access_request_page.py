"""The data share request page both sides read: the answers, the timeline and its comments, the
reviewers' decisions (start review, accept, reject, return for changes) and the requester's
cancelling, after confirming. Each view hands its form to one service function and shows what it
says; a move refused because someone else moved first says so.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.routing import BuildError

from marketplace.auth.session import session_actor
from marketplace.errors import ConflictError, PreconditionFailedError, ValidationError
from marketplace.models import AccessRequest
from marketplace.rules.access_request_questions import SECTIONS
from marketplace.rules.access_request_states import STATUS_LABELS
from marketplace.services.access_request_reading import (
    available_moves,
    get_access_request,
    section_statuses,
    side_of,
)
from marketplace.services.access_request_timeline import comment_on_access_request
from marketplace.services.access_requests import transition_access_request
from marketplace.web.access import sign_in_required
from marketplace.web.access_requests import (
    SECTION_LABELS,
    Errors,
    error_list,
    form_version,
    refusal,
    shown_answer,
)
from marketplace.web.blueprint import bp


@bp.get("/access-requests/<request_id>")
@sign_in_required
def access_request_show(request_id: str):
    access_request = get_access_request(session_actor(), request_id)
    return _request_page(access_request, {})


@bp.post("/access-requests/<request_id>/comments")
@sign_in_required
def access_request_comment(request_id: str):
    actor = session_actor()
    access_request = get_access_request(actor, request_id)
    text = request.form.get("comment", "")
    try:
        comment_on_access_request(actor, access_request, text)
    except ValidationError as error:
        return _request_page(access_request, error.errors or {}, form={"comment": text}, status=400)
    return redirect(url_for("web.access_request_show", request_id=access_request.id, _anchor="timeline"), 303)


@bp.post("/access-requests/<request_id>/moves")
@sign_in_required
def access_request_move(request_id: str):
    """A reviewer's decision (start review, accept, reject, return for changes)."""
    actor = session_actor()
    access_request = get_access_request(actor, request_id)
    to = request.form.get("to", "")
    comment = request.form.get(f"comment-{to}", "")
    sections = request.form.getlist("sections") if to == "returned" else None
    form = {"to": to, f"comment-{to}": comment, "sections": sections or []}
    if to not in STATUS_LABELS:
        return _request_page(access_request, {"to": ["Select a decision"]}, form=form, status=400)
    try:
        transition_access_request(
            actor, access_request, to, comment=comment, sections=sections, expected_version=form_version()
        )
    except ValidationError as error:
        errors = {
            (f"comment-{to}" if key == "comment" else key): value for key, value in error.errors.items()
        }
        return _request_page(access_request, errors, form=form, status=400)
    except (ConflictError, PreconditionFailedError) as error:
        return _request_page(access_request, refusal(access_request, error), form=form, status=error.status)
    return redirect(url_for("web.access_request_show", request_id=access_request.id), 303)


@bp.route("/access-requests/<request_id>/cancel", methods=["GET", "POST"])
@sign_in_required
def access_request_cancel(request_id: str):
    actor = session_actor()
    access_request = get_access_request(actor, request_id)
    if not any(move.target == "cancelled" for move in available_moves(actor, access_request)):
        return redirect(url_for("web.access_request_show", request_id=access_request.id))
    errors: Errors = {}
    if request.method == "POST":
        try:
            transition_access_request(actor, access_request, "cancelled", expected_version=form_version())
        except (ConflictError, PreconditionFailedError) as error:
            errors = refusal(access_request, error)
        else:
            return redirect(url_for("web.access_request_show", request_id=access_request.id), 303)
    page = render_template("access_requests/cancel.html", access_request=access_request, errors=errors)
    return page, 409 if errors else 200


def _request_page(access_request: AccessRequest, errors: Errors, *, form=None, status=200):
    actor = session_actor()
    side = side_of(actor, access_request)
    moves = available_moves(actor, access_request)
    page = render_template(
        "access_requests/request.html",
        access_request=access_request,
        side=side,
        decisions=[move for move in moves if move.by == "reviewer"],
        can_cancel=any(move.target == "cancelled" for move in moves),
        sections=SECTIONS,
        shown=shown_answer,
        statuses=dict((name, SECTION_LABELS[s]) for name, _, s in section_statuses(access_request)),
        labels=STATUS_LABELS,
        inbox=_inbox_url(access_request) if side == "reviewer" else None,
        errors=errors,
        error_list=error_list(errors),
        form=form or {},
    )
    return page, status


def _inbox_url(access_request: AccessRequest) -> str | None:
    """The organisation's inbox (web/access_request_inbox.py), for the reviewers' breadcrumbs."""
    try:
        return url_for("web.access_request_inbox", slug=access_request.organisation.slug)
    except BuildError:
        return None
