"""Saved searches: save a find-page search, list, rerun, change the alert, delete, and unsubscribe
from an alert's e-mail without signing in. Thin views over services/saved_searches.py and
services/alerts.py."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for

from marketplace.auth.session import session_actor
from marketplace.errors import ValidationError
from marketplace.extensions import csrf
from marketplace.services.alerts import BadUnsubscribeToken, search_for_token, unsubscribe
from marketplace.services.saved_searches import (
    MAX_NAME_LENGTH,
    change_alert,
    delete_saved_search,
    get_saved_search,
    kept_pairs,
    list_saved_searches,
    mark_viewed,
    save_search,
)
from marketplace.web.access import sign_in_required

bp = Blueprint("saved_searches", __name__)

ALERT_LABELS = {"none": "No alert", "daily": "Daily e-mail", "weekly": "Weekly e-mail"}
# Filter names as a default name says them ("Theme: health, Format: CSV").
FILTER_NAMES = {"organisation": "Organisation", "theme": "Theme", "format": "Format", "licence": "Licence"}


def default_name(pairs: list[tuple[str, str]]) -> str:
    """The words searched for, or a description of the filters, cut to the longest name allowed."""
    query = " ".join(value for key, value in pairs if key == "q").strip()
    if query:
        return query[:MAX_NAME_LENGTH]
    filters = [
        f"{FILTER_NAMES.get(key, key.replace('_', ' ').capitalize())}: {value}"
        for key, value in pairs
        if key not in {"q", "sort", "expand", "page", "per_page"}
    ]
    return (", ".join(filters) or "All entries")[:MAX_NAME_LENGTH]


def _pairs_from(search: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in kept_pairs(parse_qsl(search)) if len(k) < 50]


def _form_page(form: dict, errors: dict | None = None, status: int = 200):
    return render_template(
        "saved_searches/new.html",
        form=form,
        errors=errors or {},
        alert_labels=ALERT_LABELS,
        search_url=url_for("find.find_data") + ("?" + form["search"] if form["search"] else ""),
    ), status


@bp.get("/account/saved-searches/new")
@sign_in_required
def new():
    search = urlencode(_pairs_from(request.query_string.decode("utf-8", "replace")))
    return _form_page({"search": search, "name": default_name(parse_qsl(search)), "alert": "none"})


@bp.post("/account/saved-searches")
@sign_in_required
def create():
    form = {
        "search": request.form.get("search", ""),
        "name": request.form.get("name", ""),
        "alert": request.form.get("alert", ""),
    }
    try:
        saved = save_search(
            session_actor(), name=form["name"], alert=form["alert"], pairs=_pairs_from(form["search"])
        )
    except ValidationError as error:
        return _form_page(form, dict(error.errors), 400)
    flash(f"Your search '{saved.name}' has been saved.")
    return redirect(url_for("saved_searches.index"), 303)


@bp.get("/account/saved-searches")
@sign_in_required
def index():
    return render_template(
        "saved_searches/index.html", rows=list_saved_searches(session_actor()), alert_labels=ALERT_LABELS
    )


@bp.get("/account/saved-searches/<saved_id>/run")
@sign_in_required
def run(saved_id: str):
    """Rerun the search on the find page, and note that its owner has now seen what is new."""
    saved = mark_viewed(session_actor(), saved_id)
    pairs = [tuple(pair) for pair in saved.params.get("pairs", [])]
    return redirect(url_for("find.find_data") + (f"?{urlencode(pairs)}" if pairs else ""))


@bp.get("/account/saved-searches/<saved_id>")
@sign_in_required
def edit(saved_id: str):
    saved = get_saved_search(session_actor(), saved_id)
    return _edit_page(saved, {"alert": saved.alert})


def _edit_page(saved, form, errors=None, status=200):
    return render_template(
        "saved_searches/edit.html", saved=saved, form=form, errors=errors or {}, alert_labels=ALERT_LABELS
    ), status


@bp.post("/account/saved-searches/<saved_id>")
@sign_in_required
def update(saved_id: str):
    actor = session_actor()
    form = {"alert": request.form.get("alert", "")}
    try:
        saved = change_alert(actor, saved_id, form["alert"])
    except ValidationError as error:
        return _edit_page(get_saved_search(actor, saved_id), form, dict(error.errors), 400)
    flash(f"The alert for '{saved.name}' is now: {ALERT_LABELS[saved.alert].lower()}.")
    return redirect(url_for("saved_searches.index"), 303)


@bp.get("/account/saved-searches/<saved_id>/delete")
@sign_in_required
def confirm_delete(saved_id: str):
    return render_template("saved_searches/delete.html", saved=get_saved_search(session_actor(), saved_id))


@bp.post("/account/saved-searches/<saved_id>/delete")
@sign_in_required
def delete(saved_id: str):
    actor = session_actor()
    name = get_saved_search(actor, saved_id).name
    delete_saved_search(actor, saved_id)
    flash(f"Your saved search '{name}' has been deleted.")
    return redirect(url_for("saved_searches.index"), 303)


def _bad_token():
    return render_template("saved_searches/bad_token.html"), 400


@bp.get("/saved-searches/unsubscribe/<token>")
def confirm_unsubscribe(token: str):
    try:
        saved = search_for_token(token)
    except BadUnsubscribeToken:
        return _bad_token()
    return render_template("saved_searches/unsubscribe.html", saved=saved, token=token)


# No CSRF token: the signed token in the address is the proof, and RFC 8058's one-click POST
# comes from a mail client that has never seen one of our pages.
@csrf.exempt
@bp.post("/saved-searches/unsubscribe/<token>")
def do_unsubscribe(token: str):
    try:
        saved = unsubscribe(token)
    except BadUnsubscribeToken:
        return _bad_token()
    return render_template("saved_searches/unsubscribed.html", saved=saved)
