"""Data share requests in pages, the requester's side: "Request this data" on an entry, their list,
the task list of sections, check and submit. The request page both sides read (the timeline,
comments, the reviewers' decisions, cancelling) is web/access_request_page.py, which shares this
module's form_version, refusal, error_list and shown_answer.

Each view reads its form, hands it to one function of the services (services/access_requests.py
holds every rule of a change, services/access_request_reading.py who may see what) and shows what
it says. The only checking done here is turning the date input's three boxes into a date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from marketplace.auth.session import session_actor
from marketplace.errors import ConflictError, PreconditionFailedError, ValidationError
from marketplace.models import AccessRequest
from marketplace.queries.access_requests import RequestFilters
from marketplace.rules.access_request_questions import QUESTIONS, SECTIONS, Question, section_named
from marketplace.rules.access_request_states import STATUS_LABELS
from marketplace.services.access_request_reading import (
    find_open_request,
    get_access_request,
    list_access_requests,
    next_action,
    section_statuses,
    side_of,
)
from marketplace.services.access_requests import save_section, start_access_request, transition_access_request
from marketplace.services.datasets import resolve_dataset
from marketplace.web.access import sign_in_required
from marketplace.web.blueprint import bp

Errors = dict[str, list[str]]
PER_PAGE = 50
STATUS_TAGS = {
    "draft": "govuk-tag--grey",
    "submitted": "govuk-tag--blue",
    "in_review": "govuk-tag--yellow",
    "accepted": "govuk-tag--green",
    "rejected": "govuk-tag--red",
    "returned": "govuk-tag--orange",
    "cancelled": "govuk-tag--grey",
}
SECTION_LABELS = {
    "not_started": "Not yet started",
    "in_progress": "In progress",
    "returned": "Changes requested",
    "completed": "Completed",
}
DATE_PARTS = ("day", "month", "year")
STALE = "Someone else has already changed this request: it is now {status}. Reload the page and try again."


@bp.app_template_global()
def access_request_status_tag(status: str) -> dict[str, str]:
    """The `govukTag` parameters for a request's status."""
    return {"text": STATUS_LABELS[status], "classes": STATUS_TAGS[status]}


# Starting and listing -----------------------------------------------------------------------


@bp.post("/datasets/<slug>/request")
@sign_in_required
def request_dataset(slug: str):
    """Start a draft, or go back to the person's request for the entry that is still open."""
    actor = session_actor()
    dataset, _ = resolve_dataset(actor, slug)
    found = find_open_request(actor, dataset) or start_access_request(actor, str(dataset.id))
    target = "tasks" if found.status in ("draft", "returned") else "show"
    return redirect(url_for(f"web.access_request_{target}", request_id=found.id), 303)


@bp.get("/access-requests")
@sign_in_required
def access_request_list():
    actor = session_actor()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = list_access_requests(
        actor, RequestFilters(requester_id=actor.user_id), page=page, per_page=PER_PAGE
    )
    return render_template("access_requests/list.html", page=found, next_action=next_action)


# The requester's task list ------------------------------------------------------------------


@bp.get("/access-requests/<request_id>/tasks")
@sign_in_required
def access_request_tasks(request_id: str):
    access_request = _own_editable(request_id)
    statuses = section_statuses(access_request)
    return render_template(
        "access_requests/tasks.html",
        access_request=access_request,
        sections=[(name, title, SECTION_LABELS[status]) for name, title, status in statuses],
        done=sum(status == "completed" for *_, status in statuses),
        ready=all(status == "completed" for *_, status in statuses),
        reason=_return_reason(access_request),
    )


@bp.route("/access-requests/<request_id>/sections/<name>", methods=["GET", "POST"])
@sign_in_required
def access_request_section(request_id: str, name: str):
    access_request = _own_editable(request_id)
    section = section_named(name)
    if section is None:
        abort(404)
    if request.method == "GET":
        values = _form_from_answers(access_request.answers)
        completed = "yes" if name in access_request.completed_sections else ""
        return _section_page(access_request, section, values, completed, {})
    values = MultiDict(request.form)
    completed = request.form.get("completed", "")
    answers, errors = _answers_from_form(section.questions, values)
    if completed not in ("yes", "no"):
        errors["completed"] = ["Select whether you have completed this section"]
    if not errors:
        try:
            save_section(session_actor(), access_request, name, answers, completed=completed == "yes")
        except ValidationError as error:
            errors = _answer_errors(error.errors)
        else:
            return redirect(url_for("web.access_request_tasks", request_id=access_request.id), 303)
    return _section_page(access_request, section, values, completed, errors, status=400)


@bp.route("/access-requests/<request_id>/check", methods=["GET", "POST"])
@sign_in_required
def access_request_check(request_id: str):
    access_request = _own_editable(request_id)
    if request.method == "GET":
        return _check_page(access_request, {})
    declared = request.form.get("declaration") == "yes"
    try:
        transition_access_request(
            session_actor(),
            access_request,
            "submitted",
            declaration=declared,
            expected_version=form_version(),
        )
    except ValidationError as error:
        return _check_page(access_request, error.errors or {}, declared=declared, status=400)
    except (ConflictError, PreconditionFailedError) as error:
        return _check_page(
            access_request, refusal(access_request, error), declared=declared, status=error.status
        )
    return redirect(url_for("web.access_request_submitted", request_id=access_request.id), 303)


@bp.get("/access-requests/<request_id>/submitted")
@sign_in_required
def access_request_submitted(request_id: str):
    access_request = get_access_request(session_actor(), request_id)
    if side_of(session_actor(), access_request) != "requester" or access_request.status != "submitted":
        return redirect(url_for("web.access_request_show", request_id=access_request.id))
    return render_template("access_requests/submitted.html", access_request=access_request)


# Helpers ------------------------------------------------------------------------------------


def _own_editable(request_id: str) -> AccessRequest:
    """The person's own request while its answers can change; others go to the request page."""
    actor = session_actor()
    access_request = get_access_request(actor, request_id)
    if side_of(actor, access_request) != "requester" or access_request.status not in ("draft", "returned"):
        abort(redirect(url_for("web.access_request_show", request_id=access_request.id)))
    return access_request


def form_version() -> int | None:
    """The version of the request the page was showing, sent back with the form."""
    return request.form.get("expected_version", type=int)


def refusal(access_request: AccessRequest, error: ConflictError | PreconditionFailedError) -> Errors:
    """A refused move as the page's error summary: if the request changed since the page was
    shown, say so (someone else moved it first); otherwise what the service said."""
    if form_version() != access_request.version:
        return {"_schema": [STALE.format(status=STATUS_LABELS[access_request.status].lower())]}
    return {"_schema": [error.detail]}


def _return_reason(access_request: AccessRequest):
    """The reviewers' last "returned" move, when the request is returned."""
    if access_request.status != "returned":
        return None
    moves = [e for e in access_request.events if e.kind == "transition" and e.to_status == "returned"]
    return moves[-1] if moves else None


def _form_from_answers(answers: dict[str, Any]) -> MultiDict:
    values: MultiDict = MultiDict()
    for name, value in answers.items():
        question = QUESTIONS.get(name)
        if question is None:
            continue
        if question.kind == "date":
            when = date.fromisoformat(value)
            for part, number in zip(DATE_PARTS, (when.day, when.month, when.year), strict=True):
                values[f"{name}-{part}"] = str(number)
        elif question.kind == "yes_no":
            values[name] = "yes" if value else "no"
        else:
            values[name] = value
    return values


def _answers_from_form(questions: tuple[Question, ...], form: MultiDict) -> tuple[dict[str, Any], Errors]:
    """The section's answers as the service takes them; only the date boxes are checked here."""
    answers: dict[str, Any] = {}
    errors: Errors = {}
    for question in questions:
        if question.asked_if_yes and form.get(question.asked_if_yes) != "yes":
            answers[question.name] = None  # not asked: an earlier answer no longer applies
            continue
        if question.kind == "date":
            answers[question.name], message = _date_from_form(question, form)
            if message:
                errors[question.name] = [message]
        elif question.kind == "yes_no":
            given = form.get(question.name, "")
            answers[question.name] = {"yes": True, "no": False}.get(given)
            if given not in ("", "yes", "no"):  # not one of the radios: a crafted or broken form
                errors[question.name] = ["Select yes or no."]
        else:
            answers[question.name] = form.get(question.name, "")
    return answers, errors


def _date_from_form(question: Question, form: MultiDict) -> tuple[str | None, str | None]:
    parts = [form.get(f"{question.name}-{part}", "").strip() for part in DATE_PARTS]
    if not any(parts):
        return None, None
    missing = [part for part, value in zip(DATE_PARTS, parts, strict=True) if not value]
    if missing:
        return None, f"The date you need the data by must include a {' and '.join(missing)}"
    if not all(value.isdigit() for value in parts):
        return None, "The date you need the data by must be a real date, in numbers, for example 27 3 2027"
    day, month, year = (int(value) for value in parts)
    if year < 1000:
        return None, "The year must include 4 numbers"
    try:
        return date(year, month, day).isoformat(), None
    except ValueError:
        return None, "The date you need the data by must be a real date"


def _answer_errors(errors: Errors | None) -> Errors:
    return {key.removeprefix("answers."): messages for key, messages in (errors or {}).items()}


def _error_href(field: str) -> str:
    question = QUESTIONS.get(field)
    if question is not None and question.kind == "date":
        return f"#{field}-day"
    if field.startswith("sections."):
        return "#section-" + field.removeprefix("sections.")
    if field.startswith("answers."):
        return _error_href(field.removeprefix("answers."))
    return f"#{field}"


def error_list(errors: Errors) -> list[dict[str, str]]:
    return [
        {"text": message} if field == "_schema" else {"text": message, "href": _error_href(field)}
        for field, messages in errors.items()
        for message in messages
    ]


def _section_page(access_request, section, values, completed, errors, *, status=200):
    page = render_template(
        "access_requests/section.html",
        access_request=access_request,
        section=section,
        values=values,
        completed=completed,
        errors=errors,
        error_list=error_list(errors),
    )
    return page, status


def _check_page(access_request: AccessRequest, errors: Errors, *, declared=False, status=200):
    page = render_template(
        "access_requests/check.html",
        access_request=access_request,
        sections=SECTIONS,
        shown=shown_answer,
        errors=errors,
        error_list=error_list(errors),
        declared=declared,
    )
    return page, status


def shown_answer(question: Question, answers: dict[str, Any]) -> str:
    """An answer as the check page and the request page show it (as text: escaped by Jinja)."""
    value = answers.get(question.name)
    if value is None:
        return ""
    if question.kind == "yes_no":
        return "Yes" if value else "No"
    if question.kind == "date":
        when = date.fromisoformat(value)
        return f"{when.day} {when:%B %Y}"
    if question.kind == "choice":
        return next((choice[1] for choice in question.choices if choice[0] == value), value)
    return str(value)
