"""Publishing as a task list (the GOV.UK "complete multiple tasks" pattern): start an entry with
a title, then answer one section a page in any order, add files one at a time, check the answers
and publish.

Each page reads only its own questions, lays them over the entry as it is stored, and hands the
whole entry to the same services as the one-page form (publish.py) and the REST API, so the
rules, permissions and messages are the ones everywhere else. A draft may be saved incomplete;
what publishing needs is what the services say when asked to publish it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from marketplace.auth.session import session_actor
from marketplace.errors import NotFoundError, PreconditionFailedError, ValidationError
from marketplace.models import Dataset
from marketplace.schemas.dataset_out import editable_view
from marketplace.services.datasets import load_entry, publish_dataset, update_dataset, writable_dataset
from marketplace.vocabularies.formats import format_label
from marketplace.web.access import sign_in_required
from marketplace.web.filters import govuk_date, vocabulary_label
from marketplace.web.publish import STALE, _save, bp, publishing_organisations, quoted
from marketplace.web.publish_forms import (
    CHOICES,
    DATE_PARTS,
    DISTRIBUTION_INPUTS,
    LABELS,
    EntryForm,
    Errors,
    blank_distribution,
    describes_nothing,
    entry_errors,
    entry_from_form,
    form_from_entry,
    form_from_request,
)


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    inputs: tuple[str, ...]  # the form's input names this section's page holds
    fields: tuple[str, ...]  # the entry's fields (as the services name them) it answers
    types: tuple[str, ...] = ("dataset", "data_service")


def _dates(*names: str) -> tuple[str, ...]:
    return tuple(f"{name}-{part}" for name in names for part in DATE_PARTS)


# In the order of the task list (and of the one-page form).
SECTIONS = (
    Section(
        "about",
        "About the entry",
        ("title", "summary", "description", "alternative_titles"),
        ("title", "summary", "description", "alternative_titles"),
    ),
    Section(
        "who",
        "Who publishes it",
        ("publisher", "contact_point-name", "contact_point-email", "creators"),
        ("publisher", "contact_point", "creators"),
    ),
    Section(
        "access",
        "Access and licence",
        ("access_rights", "security_classification", "licence"),
        ("access_rights", "security_classification", "licence"),
    ),
    Section("subject", "Subject", ("keywords",), ("themes", "keywords")),
    Section(
        "dates",
        "Dates and coverage",
        (
            "update_frequency",
            "spatial_coverage",
            *_dates("modified", "issued", "created", "temporal_coverage-start", "temporal_coverage-end"),
        ),
        ("update_frequency", "modified", "issued", "created", "temporal_coverage", "spatial_coverage"),
    ),
    Section(
        "other",
        "Other details",
        ("identifier", "version", "related_resources"),
        ("identifier", "version", "related_resources"),
    ),
    Section(
        "service",
        "The data service",
        (
            "endpoint_url",
            "endpoint_description",
            "service_type",
            "service_kind",
            "service_status",
            "serves_datasets",
        ),
        (
            "endpoint_url",
            "endpoint_description",
            "service_type",
            "service_kind",
            "service_status",
            "serves_datasets",
        ),
        types=("data_service",),
    ),
)
BY_NAME = {section.name: section for section in SECTIONS}
FILES_TITLE = "Files"


@dataclass(frozen=True)
class Task:
    """One line of the task list: where it leads and how far it has got."""

    title: str
    href: str
    status: str  # "Completed", "Incomplete", "Not yet started" or "Optional"


def sections_for(dataset: Dataset) -> list[Section]:
    return [section for section in SECTIONS if dataset.type in section.types]


def publishing_errors(dataset: Dataset) -> dict[str, list[str]]:
    """What the services would say if the entry were published now (field path -> messages)."""
    try:
        load_entry({**editable_view(dataset), "status": "published"})
    except ValidationError as error:
        return dict(error.errors or {})
    return {}


def _status(filled: bool, missing: bool, required: bool) -> str:
    if missing:
        return "Incomplete" if filled else "Not yet started"
    if filled:
        return "Completed"
    return "Completed" if required else "Optional"


def tasks(dataset: Dataset) -> list[Task]:
    """Each section with its status, from the stored entry and what publishing would need."""
    entry = editable_view(dataset)
    errors = publishing_errors(dataset)
    found = []
    for section in sections_for(dataset):
        filled = any(entry.get(name) not in (None, "", [], {}) for name in section.fields)
        missing = any(path.split(".")[0] in section.fields for path in errors)
        href = url_for("publish.section", slug=dataset.slug, name=section.name)
        found.append(Task(section.title, href, _status(filled, missing, required=section.name == "about")))
    if dataset.type == "dataset":
        files_missing = any(path.split(".")[0] == "distributions" for path in errors)
        files = bool(entry.get("distributions"))
        href = url_for("publish.files", slug=dataset.slug)
        found.append(Task(FILES_TITLE, href, _status(files, files_missing, required=False)))
    return found


# Pages -------------------------------------------------------------------------------------------


@bp.get("/datasets/<slug>")
@sign_in_required
def task_list(slug: str):
    dataset = _writable(slug)
    if dataset.slug != slug:
        return redirect(url_for("publish.task_list", slug=dataset.slug), 301)
    found = tasks(dataset)
    return render_template(
        "publish/tasks.html",
        dataset=dataset,
        tasks=found,
        done=sum(task.status == "Completed" for task in found),
        ready=not publishing_errors(dataset),
    )


@bp.route("/datasets/<slug>/sections/<name>", methods=["GET", "POST"])
@sign_in_required
def section(slug: str, name: str):
    dataset = _writable(slug)
    chosen = BY_NAME.get(name)
    if chosen is None or dataset.type not in chosen.types:
        return redirect(url_for("publish.task_list", slug=dataset.slug))
    form = form_from_entry(editable_view(dataset))
    if request.method == "GET":
        return _section_page(dataset, chosen, form)
    etag = request.form.get("etag", "")
    posted = form_from_request(request.form)
    for input_name in chosen.inputs:
        form.values[input_name] = posted.get(input_name)
    if "themes" in chosen.fields:
        form.themes = posted.themes
    saved, errors, code = _save_entry(dataset, form, etag)
    if saved is None:
        return _section_page(dataset, chosen, form, etag=etag, errors=errors, status=code)
    flash(f"{chosen.title}: your answers have been saved.")
    return redirect(url_for("publish.task_list", slug=saved.slug), 303)


@bp.get("/datasets/<slug>/files")
@sign_in_required
def files(slug: str):
    dataset = _dataset_with_files(slug)
    return render_template("publish/files.html", dataset=dataset, format_label=format_label)


@bp.route("/datasets/<slug>/files/add", methods=["GET", "POST"])
@bp.route("/datasets/<slug>/files/<int:number>", methods=["GET", "POST"])
@sign_in_required
def file(slug: str, number: int | None = None):
    """Add a file (the add-another pattern) or change one; `number` counts from 1."""
    dataset = _dataset_with_files(slug)
    form = form_from_entry(editable_view(dataset))
    if number is not None and not 1 <= number <= len(form.distributions):
        return redirect(url_for("publish.files", slug=dataset.slug))
    position = len(form.distributions) if number is None else number - 1
    adding = number is None
    if request.method == "GET":
        given = blank_distribution() if adding else form.distributions[position]
        return _file_page(dataset, given, position, adding=adding)
    posted = form_from_request(request.form)
    given = posted.distributions[0] if posted.distributions else blank_distribution()
    given = {name: given.get(name, "") for name in DISTRIBUTION_INPUTS}
    if adding:
        form.distributions.append(given)
    else:
        form.distributions[position] = given
    etag = request.form.get("etag", "")
    if describes_nothing(given):
        errors = {f"distributions-{position}-title": ["Enter a title for the file"]}
        return _file_page(
            dataset, given, position, adding=number is None, etag=etag, errors=errors, status=400
        )
    saved, errors, code = _save_entry(dataset, form, etag)
    if saved is None:
        return _file_page(
            dataset, given, position, adding=number is None, etag=etag, errors=errors, status=code
        )
    title = given.get("title") or f"File {position + 1}"
    flash(f"{quoted(title)} has been {'added' if number is None else 'saved'}.")
    return redirect(url_for("publish.files", slug=saved.slug, _anchor=f"file-{position + 1}"), 303)


@bp.route("/datasets/<slug>/files/<int:number>/remove", methods=["GET", "POST"])
@sign_in_required
def remove_file(slug: str, number: int):
    dataset = _dataset_with_files(slug)
    if not 1 <= number <= len(dataset.distributions):
        return redirect(url_for("publish.files", slug=dataset.slug))
    removed = dataset.distributions[number - 1]
    if request.method == "GET":
        return render_template(
            "publish/remove_file.html", dataset=dataset, file=removed, number=number, errors={}
        )
    form = form_from_entry(editable_view(dataset))
    del form.distributions[number - 1]
    saved, errors, code = _save_entry(dataset, form, request.form.get("etag", ""))
    if saved is None:
        page = render_template(
            "publish/remove_file.html", dataset=dataset, file=removed, number=number, errors=errors
        )
        return page, code
    flash(f"{quoted(removed.title or f'File {number}')} has been removed.")
    return redirect(url_for("publish.files", slug=saved.slug), 303)


@bp.route("/datasets/<slug>/check", methods=["GET", "POST"])
@sign_in_required
def check(slug: str):
    """Check your answers, then publish (a draft, or a withdrawn entry published again)."""
    dataset = _writable(slug)
    errors = _missing(dataset)
    if request.method == "GET":
        return _check_page(dataset, errors)
    if errors or dataset.status == "published":
        return _check_page(dataset, errors, status=400 if errors else 200)
    before = dataset.status
    try:
        published = publish_dataset(session_actor(), str(dataset.id), if_match=[request.form.get("etag", "")])
    except PreconditionFailedError:
        return _check_page(dataset, {"_schema": [STALE]}, status=409)
    except ValidationError as error:
        return _check_page(dataset, entry_errors(error.errors or {}, []), status=400)
    again = " again" if before == "withdrawn" else ""
    flash(f"{quoted(published.title)} has been published{again}.")
    return redirect(url_for("dataset_page.show_dataset", slug=published.slug), 303)


# Helpers ------------------------------------------------------------------------------------------


def _writable(slug: str) -> Dataset:
    return writable_dataset(session_actor(), slug, None)


def _dataset_with_files(slug: str) -> Dataset:
    dataset = _writable(slug)
    if dataset.type != "dataset":  # a data service is reached at its endpoint, not by files
        raise NotFoundError(f"{quoted(dataset.title)} is a data service: it has no files.")
    return dataset


def _save_entry(dataset: Dataset, form: EntryForm, etag: str) -> tuple[Dataset | None, Errors, int]:
    actor, reference = session_actor(), str(dataset.id)
    form.values["type"] = dataset.type
    return _save(form, dataset.status, lambda entry: update_dataset(actor, reference, entry, if_match=[etag]))


def _missing(dataset: Dataset) -> Errors:
    """What publishing needs, as messages under each section's link on the check page."""
    read = entry_from_form(form_from_entry(editable_view(dataset)))
    return entry_errors(publishing_errors(dataset), read.distribution_inputs)


def _organisations(dataset: Dataset) -> list[tuple[str, str]]:
    organisations = publishing_organisations(session_actor())
    if dataset.organisation not in organisations:
        organisations = [dataset.organisation, *organisations]
    return [(organisation.slug, organisation.title) for organisation in organisations]


def _section_page(
    dataset: Dataset, chosen: Section, form: EntryForm, *, etag: str | None = None, errors=None, status=200
):
    page = render_template(
        "publish/section.html",
        dataset=dataset,
        section=chosen,
        form=form,
        etag=etag or dataset.etag,
        organisations=_organisations(dataset),
        choices=CHOICES,
        errors=errors or {},
    )
    return page, status


def _file_page(
    dataset: Dataset,
    given: dict[str, str],
    position: int,
    *,
    adding: bool,
    etag: str | None = None,
    errors=None,
    status=200,
):
    page = render_template(
        "publish/file.html",
        dataset=dataset,
        d=given,
        n=position,
        adding=adding,
        etag=etag or dataset.etag,
        choices=CHOICES,
        errors=errors or {},
    )
    return page, status


# How each field reads on the check page: its label, and the vocabulary its value comes from.
VOCABULARY_OF = {
    "access_rights": "access_rights",
    "security_classification": "security_classification",
    "update_frequency": "update_frequency",
    "service_type": "service_type",
    "service_kind": "service_kind",
    "service_status": "service_status",
}


def _answer(name: str, value: Any) -> str:
    if value in (None, "", [], {}):
        return ""
    if name in VOCABULARY_OF:
        return vocabulary_label(VOCABULARY_OF[name], value)
    if name == "licence":
        return vocabulary_label("licence", value)
    if name == "themes":
        return ", ".join(vocabulary_label("theme", theme) for theme in value)
    if name == "contact_point":
        return ", ".join(part for part in (value.get("name"), value.get("email")) if part)
    if name == "temporal_coverage":
        return " to ".join(govuk_date(value.get(end)) or "not given" for end in ("start", "end"))
    if name in ("modified", "issued", "created"):
        return govuk_date(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def answers(dataset: Dataset) -> list[tuple[Section, list[tuple[str, str]]]]:
    """Each section's questions as they are answered now: (label, answer or "")."""
    entry = {**editable_view(dataset), "publisher": dataset.organisation.title}
    return [
        (section, [(LABELS.get(name, name), _answer(name, entry.get(name))) for name in section.fields])
        for section in sections_for(dataset)
    ]


def section_of(input_id: str) -> str | None:
    """The section whose page asks the question an error is about (by the input's id)."""
    if input_id.startswith("distributions-"):
        return "files"
    for section in SECTIONS:
        if input_id in section.inputs or input_id.split("-")[0] in section.fields:
            return section.name
    return None


def _check_page(dataset: Dataset, errors: Errors, *, status: int = 200):
    page = render_template(
        "publish/check.html",
        dataset=dataset,
        answers=answers(dataset),
        files=[(d, format_label(d.format, d.media_type)) for d in dataset.distributions],
        errors=errors,
        section_of=section_of,
        etag=dataset.etag,
    )
    return page, status
