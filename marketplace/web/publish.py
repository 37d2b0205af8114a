"""Publishing: the dashboard, the create and edit forms, lifecycle actions and declared quality.

Thin views: a form is read into the entry the REST API takes (publish_forms.py) and handed to
the same services, so the rules, permissions and messages are the ones everywhere else. A form
carries the entry's ETag, so a form loaded before someone else's change cannot overwrite it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError as SchemaValidationError

from marketplace.auth.session import session_actor
from marketplace.errors import ConflictError, PermissionDeniedError, PreconditionFailedError, ValidationError
from marketplace.models import Dataset, Organisation
from marketplace.rules.actors import Actor
from marketplace.schemas.dataset_out import editable_view
from marketplace.schemas.listing import load_page_number
from marketplace.schemas.quality import load_declared_quality
from marketplace.services.catalogue import list_publishing_entries
from marketplace.services.datasets import (
    create_dataset,
    load_entry,
    update_dataset,
    withdraw_dataset,
    writable_dataset,
)
from marketplace.services.organisations import list_organisations
from marketplace.services.quality import rate_quality
from marketplace.vocabularies import QUALITY_DIMENSIONS
from marketplace.web.access import sign_in_required
from marketplace.web.publish_forms import (
    CHOICES,
    EntryForm,
    Errors,
    blank_distribution,
    entry_errors,
    entry_from_form,
    form_from_entry,
    form_from_request,
    merge_errors,
)
from marketplace.web.quality_form import (
    QUALITY_ORDER,
    quality_errors,
    quality_form_from_ratings,
    quality_form_from_request,
    quality_from_form,
)

bp = Blueprint("publish", __name__, url_prefix="/publish")

PER_PAGE = 50
STALE = (
    "Someone else changed this entry after you opened it, so your changes have not been saved. "
    "Open the latest version and make your changes again."
)
# What a save did, by the entry's status before and after it: the message says what happened
# (saving a published entry's changes is not "publishing" it).
SAVED = {
    (None, "draft"): "{} has been saved as a draft. Only publishers for its organisation can see it.",
    (None, "published"): "{} has been published.",
    ("draft", "draft"): "{} has been saved as a draft. Only publishers for its organisation can see it.",
    ("draft", "published"): "{} has been published.",
    ("published", "published"): "Your changes to {} have been saved and published.",
    ("withdrawn", "withdrawn"): "Your changes to {} have been saved. It is still withdrawn.",
    ("withdrawn", "published"): "{} has been published again.",
}


def quoted(text: str) -> str:
    """`text` in the curly single quotes GOV.UK puts around a title."""
    return f"\N{LEFT SINGLE QUOTATION MARK}{text}\N{RIGHT SINGLE QUOTATION MARK}"


@bp.get("")
@sign_in_required
def dashboard():
    actor = session_actor()
    organisations = publishing_organisations(actor)
    if not organisations:
        member_of = sorted({m.organisation.title for m in actor.user.memberships})
        return render_template("publish/not_a_publisher.html", member_of=member_of)
    page_number = load_page_number(request.args)
    entries = list_publishing_entries(actor, page=page_number, per_page=PER_PAGE, today=date.today())
    return render_template("publish/dashboard.html", organisations=organisations, entries=entries)


def publishing_organisations(actor: Actor) -> list[Organisation]:
    """The organisations `actor` may publish for, by title (all of them for a site admin)."""
    if actor.is_site_admin:
        return [organisation for organisation, _ in list_organisations(actor)]
    allowed = actor.publishing_organisation_ids()
    found = {
        m.organisation.id: m.organisation for m in actor.user.memberships if m.organisation_id in allowed
    }
    return sorted(found.values(), key=lambda organisation: organisation.title)


@bp.route("/datasets/new", methods=["GET", "POST"])
@sign_in_required
def new_entry():
    actor = session_actor()
    organisations = publishing_organisations(actor)
    if not organisations:
        raise PermissionDeniedError(
            "You are not a publisher for any organisation. Ask an org admin of your organisation "
            "to give you the publisher role."
        )
    only = organisations[0].slug if len(organisations) == 1 else ""
    if request.method == "GET":
        # A new entry starts with its type, title and organisation; the rest is a task list.
        form = EntryForm({"type": "dataset", "publisher": only})
        return _start_page(form, organisations)
    form = form_from_request(request.form)
    starting = request.form.get("action") == "start"
    if starting and not form.get("publisher"):
        form.values["publisher"] = only
    if not starting and _rearrange(form):
        return _entry_page(form, organisations)
    status = "published" if request.form.get("action") == "publish" else "draft"
    dataset, errors, code = _save(form, status, lambda entry: create_dataset(actor, entry))
    if dataset is None and starting:
        return _start_page(form, organisations, errors=errors, status=code)
    if dataset is None:
        return _entry_page(form, organisations, errors=errors, status=code)
    if starting:
        flash(f"{quoted(dataset.title)} has been saved as a draft. Answer each section, then publish it.")
        return redirect(url_for("publish.task_list", slug=dataset.slug), 303)
    return _saved(dataset, None)


def _start_page(form: EntryForm, organisations: list[Organisation], *, errors=None, status: int = 200):
    page = render_template(
        "publish/start.html",
        form=form,
        organisations=[(organisation.slug, organisation.title) for organisation in organisations],
        errors=errors or {},
    )
    return page, status


@bp.route("/datasets/<slug>/edit", methods=["GET", "POST"])
@sign_in_required
def edit_entry(slug: str):
    actor = session_actor()
    dataset = writable_dataset(actor, slug, None)
    if dataset.slug != slug:
        return redirect(url_for("publish.edit_entry", slug=dataset.slug), 301)
    organisations = publishing_organisations(actor)
    if dataset.organisation not in organisations:
        organisations = [dataset.organisation, *organisations]
    if request.method == "GET":
        return _entry_page(form_from_entry(editable_view(dataset)), organisations, dataset=dataset)
    form = form_from_request(request.form)
    form.values["type"] = dataset.type
    etag = request.form.get("etag", "")
    if _rearrange(form):
        return _entry_page(form, organisations, dataset=dataset, etag=etag)
    status = "published" if request.form.get("action") == "publish" else dataset.status
    before = dataset.status
    reference = str(dataset.id)
    dataset_or_none, errors, code = _save(
        form, status, lambda entry: update_dataset(actor, reference, entry, if_match=[etag])
    )
    if dataset_or_none is None:
        return _entry_page(form, organisations, dataset=dataset, etag=etag, errors=errors, status=code)
    return _saved(dataset_or_none, before)


def _rearrange(form: EntryForm) -> bool:
    """Add or remove a distribution fieldset without saving (the buttons work with JavaScript off)."""
    if "add_distribution" in request.form:
        form.distributions.append(blank_distribution())
        return True
    remove = request.form.get("remove_distribution")
    if remove is not None:
        # At most six ASCII digits, as the form's own field names (isdigit() allows "²", which
        # int() refuses, and any number of digits).
        if re.fullmatch(r"[0-9]{1,6}", remove) and int(remove) < len(form.distributions):
            del form.distributions[int(remove)]
        return True
    return False


def _save(
    form: EntryForm, status: str, save: Callable[[dict[str, Any]], Dataset]
) -> tuple[Dataset | None, Errors, int]:
    """Hand the entry to the services; on failure, the errors for the form and the status."""
    read = entry_from_form(form)
    entry = {**read.entry, "status": status}
    try:
        if read.errors:
            load_entry(entry)  # nothing is saved: only what else the services would say
            raise ValidationError({})
        return save(entry), {}, 200
    except ValidationError as error:
        service = entry_errors(error.errors or {}, read.distribution_inputs)
        return None, merge_errors(read.errors, service), 400
    except PermissionDeniedError as error:
        # The entry itself was checked before: what is refused is the organisation chosen.
        return None, {"publisher": [error.detail]}, 400
    except PreconditionFailedError:
        return None, {"_schema": [STALE]}, 409
    except ConflictError as error:
        return None, {"_schema": [error.detail]}, 409


def _saved(dataset: Dataset, before: str | None):
    """After a save, the entry's own page (a draft's is its preview), with what happened."""
    flash(SAVED[(before, dataset.status)].format(quoted(dataset.title)))
    return redirect(url_for("dataset_page.show_dataset", slug=dataset.slug), 303)


def _entry_page(
    form: EntryForm,
    organisations: list[Organisation],
    *,
    dataset: Dataset | None = None,
    etag: str | None = None,
    errors: Errors | None = None,
    status: int = 200,
):
    page = render_template(
        "publish/entry_form.html",
        form=form,
        dataset=dataset,
        etag=etag or (dataset.etag if dataset else ""),
        organisations=[(organisation.slug, organisation.title) for organisation in organisations],
        choices=CHOICES,
        errors=errors or {},
        conflict=status == 409,
    )
    return page, status


@bp.route("/datasets/<slug>/withdraw", methods=["GET", "POST"])
@sign_in_required
def withdraw_entry(slug: str):
    actor = session_actor()
    dataset = writable_dataset(actor, slug, None)
    if request.method == "GET":
        return render_template(
            "publish/withdraw.html", dataset=dataset, etag=dataset.etag, errors={}, form={}
        )
    etag = request.form.get("etag", "")
    form = {
        "reason": request.form.get("reason", "").strip(),
        "replaced_by": request.form.get("replaced_by", "").strip(),
    }
    errors: Errors = {}
    if not form["reason"]:
        errors["reason"] = ["Say why the entry is being withdrawn."]
    replacement = _slug_of(form["replaced_by"]) if form["replaced_by"] else None
    if form["replaced_by"] and replacement is None:
        errors["replaced_by"] = [REPLACEMENT_HINT]
    code = 400
    if not errors:
        try:
            withdrawn = withdraw_dataset(
                actor, str(dataset.id), reason=form["reason"], replaced_by=replacement, if_match=[etag]
            )
        except PreconditionFailedError:
            errors, code = {"_schema": [STALE]}, 409
        except ValidationError as error:
            errors = _withdrawal_errors(error.errors or {})
        else:
            flash(f"{quoted(withdrawn.title)} has been withdrawn. It no longer appears in search.")
            return redirect(url_for("dataset_page.show_dataset", slug=withdrawn.slug), 303)
    page = render_template("publish/withdraw.html", dataset=dataset, etag=etag, errors=errors, form=form)
    return page, code


REPLACEMENT_HINT = (
    "Enter the web address of the entry that replaces it, like "
    "https://<this site>/datasets/road-casualties, or leave this empty."
)


def _slug_of(text: str) -> str | None:
    """The slug in what a publisher pasted: an entry's web address, its path or the slug itself."""
    path = re.sub(r"^https?://[^/]+", "", text).split("?")[0].split("#")[0].rstrip("/")
    slug = path.removeprefix("/datasets/")
    return slug if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug) and len(slug) <= 100 else None


def _withdrawal_errors(errors: dict) -> Errors:
    """The services' errors, on the page's two questions (anything else above them)."""
    found: Errors = {}
    for key, messages in errors.items():
        flat = messages if isinstance(messages, list) else [m for ms in messages.values() for m in ms]
        field = {"withdrawal_reason": "reason", "replaced_by": "replaced_by"}.get(key, "_schema")
        if field == "replaced_by":
            flat = ["There is no entry at that address. " + REPLACEMENT_HINT]
        found.setdefault(field, []).extend(flat)
    return found


@bp.route("/datasets/<slug>/quality", methods=["GET", "POST"])
@sign_in_required
def quality(slug: str):
    actor = session_actor()
    dataset = writable_dataset(actor, slug, None)
    if request.method == "GET":
        form = quality_form_from_ratings(editable_view(dataset)["quality"])
        return _quality_page(dataset, form, dataset.etag)
    form = quality_form_from_request(request.form)
    etag = request.form.get("etag", "")
    ratings, read_errors = quality_from_form(form)
    try:
        if read_errors:
            load_declared_quality(ratings)  # nothing is saved: only what else the services would say
            raise ValidationError({})
        rate_quality(actor, str(dataset.id), ratings, if_match=[etag])
    except (ValidationError, SchemaValidationError) as error:
        found = error.errors if isinstance(error, ValidationError) else ValidationError(error.messages).errors
        errors = merge_errors(read_errors, quality_errors(found or {}), QUALITY_ORDER)
        return _quality_page(dataset, form, etag, errors, 400)
    except PreconditionFailedError:
        return _quality_page(dataset, form, etag, {"_schema": [STALE]}, 409)
    flash(f"The quality ratings of {quoted(dataset.title)} have been saved.")
    return redirect(url_for("publish.dashboard"))


def _quality_page(dataset: Dataset, form: dict, etag: str, errors: Errors | None = None, status: int = 200):
    page = render_template(
        "publish/quality.html",
        dataset=dataset,
        form=form,
        etag=etag,
        dimensions=QUALITY_DIMENSIONS,
        errors=errors or {},
    )
    return page, status
