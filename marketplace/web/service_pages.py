"""The pages about the service itself: accessibility statement, cookies, privacy, and feedback.

The facts the cookies and privacy pages state (cookie name, session limits) are read from the
configuration the service runs with, so the pages cannot drift from what it does.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from marketplace.auth.session import session_actor
from marketplace.errors import ValidationError, flatten_errors
from marketplace.schemas.listing import load_page_number
from marketplace.services.feedback import give_feedback, list_feedback, page_came_from
from marketplace.web.access import sign_in_required
from marketplace.web.account import NEW_TOKEN_SECONDS

bp = Blueprint("service_pages", __name__)

# When the accessibility statement was prepared and last reviewed (a statement must say so).
STATEMENT_PREPARED = date(2026, 12, 4)
FEEDBACK_PER_PAGE = 50
FEEDBACK_LABELS = {
    "doing": "What were you trying to do",
    "message": "What you want to tell us",
    "reply_to": "Email address",
}


@bp.get("/accessibility-statement")
def accessibility_statement():
    return render_template("service/accessibility.html", prepared=STATEMENT_PREPARED)


@bp.get("/cookies")
def cookies():
    config = current_app.config
    return render_template(
        "service/cookies.html",
        cookie_name=config["SESSION_COOKIE_NAME"],
        http_only=config["SESSION_COOKIE_HTTPONLY"],
        same_site=config["SESSION_COOKIE_SAMESITE"],
        secure=config["SESSION_COOKIE_SECURE"],
        idle_minutes=config["SESSION_IDLE_MINUTES"],
        absolute_hours=config["SESSION_ABSOLUTE_HOURS"],
        new_token_minutes=NEW_TOKEN_SECONDS // 60,
    )


@bp.get("/privacy")
def privacy():
    config = current_app.config
    return render_template(
        "service/privacy.html",
        idle_minutes=config["SESSION_IDLE_MINUTES"],
        absolute_hours=config["SESSION_ABSOLUTE_HOURS"],
        session_retention_days=config["SESSION_RETENTION_DAYS"],
        mail_retention_days=config["MAIL_RETENTION_DAYS"],
    )


@bp.get("/feedback")
def feedback_form():
    came_from = page_came_from(request.args.get("from")) or ""
    return render_template("service/feedback.html", form={"page": came_from}, errors={})


@bp.post("/feedback")
def send_feedback():
    form = {name: request.form.get(name, "") for name in ("doing", "message", "reply_to", "page")}
    try:
        feedback = give_feedback(session_actor(), form)
    except ValidationError as error:
        errors = {
            key: [f"{FEEDBACK_LABELS.get(key, 'Your feedback')}: {message}" for message in messages]
            for key, messages in flatten_errors(error.errors or {}).items()
        }
        if "message" in errors and not form["message"].strip():
            errors["message"] = ["Enter what you want to tell us"]
        form["page"] = page_came_from(form["page"]) or ""
        return render_template("service/feedback.html", form=form, errors=errors), 400
    # The thank-you page offers a way back to where they were.
    back = {"from": feedback.page} if feedback.page else {}
    return redirect(url_for("service_pages.feedback_sent", **back), 303)


@bp.get("/feedback/sent")
def feedback_sent():
    return render_template("service/feedback_sent.html", came_from=page_came_from(request.args.get("from")))


@bp.get("/feedback/received")
@sign_in_required
def feedback_received():
    number = load_page_number(request.args)
    received = list_feedback(session_actor(), page=number, per_page=FEEDBACK_PER_PAGE)
    return render_template("service/feedback_received.html", received=received)
