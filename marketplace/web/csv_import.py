"""Bulk CSV import of entries: the template, the upload, a row-by-row report, and all-or-nothing creation.

The rules are the service's (`services/importing.py`); this module reads the form and keeps a
checked file's rows between the check page and the confirm button, in a file of the instance
folder named by a random id (too big for the cookie session, and nothing of it is trusted: the
rows are checked again when confirmed).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.auth.session import current_user, session_actor
from marketplace.errors import (
    GoneError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    error_response,
)
from marketplace.models import Organisation
from marketplace.schemas.csv_entry import COLUMNS
from marketplace.services.datasets import resolve_dataset
from marketplace.services.importing import (
    MAX_ROWS,
    CsvRow,
    ImportRejectedError,
    check_rows,
    csv_template,
    decode_csv,
    import_rows,
    parse_csv,
    publishing_organisations,
)
from marketplace.services.organisations import find_organisation
from marketplace.vocabularies.licences import LICENCES
from marketplace.web.access import sign_in_required

bp = Blueprint("csv_import", __name__)

TEMPLATE_FILENAME = "data-marketplace-import-template.csv"
PENDING_FOLDER = "csv-imports"
# A checked file waits this long for its confirmation.
PENDING_SECONDS = 24 * 3600
_PENDING_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")
NOT_WAITING = (
    "This import is not waiting to be confirmed: it was already imported, it expired, or the link is "
    "wrong. Upload the file again."
)
# Rows listed on the check page before "and N more".
PREVIEW_ROWS = 100


@bp.get("/publish/import/template.csv")
def template() -> Response:
    # With a byte order mark, so that Excel opens it as UTF-8.
    return Response(
        csv_template().encode("utf-8-sig"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{TEMPLATE_FILENAME}"'},
    )


@bp.get("/publish/import")
@sign_in_required
def upload_form():
    return _upload_page(selected=request.args.get("organisation", ""))


@bp.post("/publish/import")
@sign_in_required
def upload():
    actor = session_actor()
    organisations = publishing_organisations(actor)
    slug = request.form.get("organisation", "")
    if not slug and len(organisations) == 1:
        slug = organisations[0].slug
    errors: dict[str, list[str]] = {}
    organisation = _organisation(slug)
    if organisation is None:
        errors["organisation"] = ["Select the organisation the entries belong to."]
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors["file"] = ["Select a CSV file."]
    elif not upload.filename.lower().endswith(".csv"):
        errors["file"] = ["The selected file must be a CSV."]
    if errors:
        return _upload_page(errors=errors, selected=slug, status=400)
    try:
        rows = parse_csv(decode_csv(upload.read()))
    except ValidationError as error:
        return _upload_page(errors=error.errors, selected=slug, status=400)
    report = check_rows(actor, organisation, rows)
    if not report.ok:
        return _check_page(organisation, upload.filename, rows, report=report, status=400)
    import_id = _save_pending(actor.user_id, organisation.slug, upload.filename, rows)
    return _check_page(organisation, upload.filename, rows, import_id=import_id)


@bp.post("/publish/import/confirm")
@sign_in_required
def confirm():
    actor = session_actor()
    pending = _claim_pending(request.form.get("import_id", ""), str(actor.user_id))
    if pending is None:
        return _upload_page(errors={"_schema": [NOT_WAITING]}, status=400)
    organisation = find_organisation(pending["organisation"])
    rows = [CsvRow(number, values) for number, values in pending["rows"]]
    try:
        created = import_rows(actor, organisation, rows)
    except ImportRejectedError as error:
        return _check_page(organisation, pending["filename"], rows, report=error.report, status=400)
    # Post/redirect/get: refreshing what follows shows the same result, never the form again.
    import_id = request.form["import_id"]
    _save_done(import_id, actor.user_id, organisation.slug, [str(d.id) for d in created])
    return redirect(url_for("csv_import.done", import_id=import_id), 303)


@bp.get("/publish/import/done/<import_id>")
@sign_in_required
def done(import_id: str):
    actor = session_actor()
    record = _read_done(import_id, str(actor.user_id))
    if record is None:
        raise NotFoundError("There is no finished import at this address, or it has expired.")
    organisation = find_organisation(record["organisation"])
    created = []
    for entry_id in record["ids"]:
        try:
            created.append(resolve_dataset(actor, entry_id)[0])
        except (NotFoundError, GoneError):
            continue  # deleted since, or no longer theirs to see
    return render_template("csv_import/done.html", organisation=organisation, created=created)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    message = f"The selected file must be smaller than {_limit()}."
    if current_user() is None:
        return error_response(413, "Request entity too large", message)
    return _upload_page(errors={"file": [message]}, status=413)


def _upload_page(errors=None, selected: str = "", status: int = 200):
    organisations = publishing_organisations(session_actor())
    if not organisations:
        raise PermissionDeniedError(
            "You are not a publisher for any organisation, so you cannot import entries."
        )
    if len(organisations) == 1:
        selected = organisations[0].slug
    page = render_template(
        "csv_import/upload.html",
        organisations=organisations,
        selected=selected,
        errors=errors or {},
        columns=COLUMNS,
        licences=LICENCES,
        max_rows=MAX_ROWS,
        limit=_limit(),
    )
    return page, status


def _check_page(
    organisation: Organisation, filename: str, rows: list[CsvRow], *, report=None, import_id=None, status=200
):
    errors = {}
    if report is not None and not report.ok:
        errors = {"_schema": [f"{report.summary}."]}
    page = render_template(
        "csv_import/check.html",
        organisation=organisation,
        filename=filename,
        rows=rows[:PREVIEW_ROWS],
        row_count=len(rows),
        report=report,
        import_id=import_id,
        errors=errors,
    )
    return page, status


def _organisation(slug: str) -> Organisation | None:
    if not slug:
        return None
    try:
        return find_organisation(slug)
    except NotFoundError:
        return None


def _limit() -> str:
    size = current_app.config["MAX_CONTENT_LENGTH"]
    return f"{size / 1024 / 1024:g} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def _pending_folder() -> Path:
    folder = Path(current_app.instance_path) / PENDING_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _save_pending(user_id, organisation_slug: str, filename: str, rows: list[CsvRow]) -> str:
    """Keep checked rows for the confirm button; returns the id that names them."""
    folder = _pending_folder()
    _remove_expired(folder)
    import_id = secrets.token_urlsafe(24)
    payload = {
        "user": str(user_id),
        "organisation": organisation_slug,
        "filename": filename,
        "rows": [[row.number, row.values] for row in rows],
    }
    partial = folder / f"{import_id}.partial"
    partial.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(partial, folder / f"{import_id}.json")
    return import_id


def _claim_pending(import_id: str, user_id: str) -> dict | None:
    """Take the rows saved under `import_id` by `user_id`, once: a second claim finds nothing."""
    if not _PENDING_ID.match(import_id):
        return None
    folder = _pending_folder()
    claimed = folder / f"{import_id}.claimed"
    try:
        # Atomic: of two confirms at the same moment, only one gets the rows.
        os.rename(folder / f"{import_id}.json", claimed)
    except FileNotFoundError:
        return None
    try:
        expired = time.time() - claimed.stat().st_mtime > PENDING_SECONDS
        payload = json.loads(claimed.read_text(encoding="utf-8"))
    finally:
        claimed.unlink(missing_ok=True)
    if expired or payload.get("user") != user_id:
        return None
    return payload


def _save_done(import_id: str, user_id, organisation_slug: str, ids: list[str]) -> None:
    """Keep which entries an import created, for the page the confirmation redirects to."""
    folder = _pending_folder()
    payload = {"user": str(user_id), "organisation": organisation_slug, "ids": ids}
    partial = folder / f"{import_id}.partial"
    partial.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(partial, folder / f"{import_id}.done")


def _read_done(import_id: str, user_id: str) -> dict | None:
    if not _PENDING_ID.match(import_id):
        return None
    path = _pending_folder() / f"{import_id}.done"
    try:
        if time.time() - path.stat().st_mtime > PENDING_SECONDS:
            return None
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return payload if payload.get("user") == user_id else None


def _remove_expired(folder: Path) -> None:
    cutoff = time.time() - PENDING_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass  # removed by another worker meanwhile
