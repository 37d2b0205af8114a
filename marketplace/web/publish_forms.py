"""The publish forms and the entries they stand for.

A posted form is read into the same entry dict the REST API takes (the services validate it);
an entry fills the form; and the services' field errors (``distributions.0.download_url``)
are pointed at the inputs that hold them. Every input's name is also its id
(``contact_point-email``, ``distributions-0-download_url``, ``modified-day``), so the error
summary's ``#id`` links move focus to it.

Only what a form cannot say in the entry's terms is checked here: whether day, month and year
make a date, and whether a size is a number. Everything else is the services' rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from marketplace.schemas.fields import EMPTY_VALUE_MESSAGES
from marketplace.vocabularies import (
    ACCESS_RIGHTS,
    ENTRY_TYPES,
    LICENCES,
    LISTED_SECURITY_CLASSIFICATIONS,
    MEDIA_TYPES,
    SERVICE_KINDS,
    SERVICE_STATUSES,
    SERVICE_TYPES,
    THEMES,
    UPDATE_FREQUENCIES,
)
from marketplace.vocabularies.formats import FORMATS, format_label

DATE_PARTS = ("day", "month", "year")
TEXT_FIELDS = (
    "title",
    "summary",
    "description",
    "publisher",
    "access_rights",
    "security_classification",
    "licence",
    "update_frequency",
    "spatial_coverage",
    "identifier",
    "version",
    "endpoint_url",
    "endpoint_description",
    "service_type",
    "service_kind",
    "service_status",
)
# List fields, written one to a line (keywords may also be separated by commas).
LIST_FIELDS = {
    "alternative_titles": "\n",
    "creators": "\n",
    "keywords": ",\n",
    "related_resources": "\n",
    "serves_datasets": "\n",
}
DATE_FIELDS = ("issued", "modified", "created", "temporal_coverage-start", "temporal_coverage-end")
CONTACT_FIELDS = ("name", "email")
DISTRIBUTION_TEXT = ("title", "description", "access_url", "download_url", "media_type", "format", "licence")
DISTRIBUTION_DATES = ("issued", "modified")
# The data services that give a distribution's data (their ids) are not asked on the form, but
# carried in a hidden input, so that saving the form keeps what the API set.
DISTRIBUTION_CARRIED = "access_services"
DISTRIBUTION_INPUTS = (
    *DISTRIBUTION_TEXT,
    "byte_size",
    *(f"{name}-{part}" for name in DISTRIBUTION_DATES for part in DATE_PARTS),
    DISTRIBUTION_CARRIED,
)
_DISTRIBUTION_INPUT = re.compile(r"^distributions-(\d{1,6})-")

# What the services' field paths are called on the form, in the order the form shows them.
LABELS = {
    "type": "Type",
    "title": "Title",
    "summary": "Summary",
    "description": "Description",
    "alternative_titles": "Alternative titles",
    "publisher": "Publishing organisation",
    "contact_point": "Contact",
    "contact_point.name": "Contact name",
    "contact_point.email": "Contact email address",
    "creators": "Creators",
    "access_rights": "Access rights",
    "security_classification": "Security classification",
    "licence": "Licence",
    "themes": "Themes",
    "keywords": "Keywords",
    "update_frequency": "Update frequency",
    "issued": "Date first issued",
    "modified": "Date last modified",
    "created": "Date created",
    "temporal_coverage": "Coverage",
    "temporal_coverage.start": "Coverage start date",
    "temporal_coverage.end": "Coverage end date",
    "spatial_coverage": "Geographic coverage",
    "identifier": "Identifier",
    "version": "Version",
    "related_resources": "Related resources",
    "endpoint_url": "Endpoint URL",
    "endpoint_description": "Endpoint description URL",
    "service_type": "Service type",
    "service_kind": "Kind of service",
    "service_status": "Service status",
    "serves_datasets": "Datasets served",
    "distributions": "Distributions",
}
# Errors are summarised in the order of the form; those of no one input come first.
FORM_ORDER = ("_schema", *(name for name in LABELS if "." not in name))
DISTRIBUTION_LABELS = {
    "title": "Title",
    "description": "Description",
    "access_url": "Access URL",
    "download_url": "Download URL",
    "media_type": "Media type",
    "format": "Format",
    "byte_size": "Size in bytes",
    "licence": "Licence",
    "issued": "Date issued",
    "modified": "Date modified",
}
# What to ask for when a field the services require is empty.
REQUIRED = {
    "title": "Enter a title",
    "publisher": "Select the publishing organisation",
    "description": "Enter a description",
    "contact_point": "Enter a contact name and email address",
    "contact_point.name": "Enter a contact name",
    "contact_point.email": "Enter a contact email address",
    "access_rights": "Select the access rights",
    "security_classification": "Select the security classification",
    "licence": "Select a licence",
    "modified": "Enter the date the data was last modified",
    "endpoint_url": "Enter the endpoint URL",
}
_NEEDED_TO_PUBLISH = "Required before the entry can be published."

Errors = dict[str, list[str]]

# The options of each choice on the form: (value, text).
CHOICES: dict[str, list[tuple[str, str]]] = {
    "type": list(ENTRY_TYPES.items()),
    "access_rights": list(ACCESS_RIGHTS.items()),
    "security_classification": list(LISTED_SECURITY_CLASSIFICATIONS.items()),
    "licence": [(licence.uri, licence.title) for licence in LICENCES],
    "themes": list(THEMES.items()),
    "update_frequency": [(value, label) for value, (label, _) in UPDATE_FREQUENCIES.items()],
    "service_type": list(SERVICE_TYPES.items()),
    "service_kind": list(SERVICE_KINDS.items()),
    "service_status": list(SERVICE_STATUSES.items()),
    "media_type": [(value, f"{name} ({value})") for value, name in MEDIA_TYPES.items()],
    # Formats by the names people know them by; the media type follows from the format.
    "format": sorted(((name, format_label(name)) for name in FORMATS), key=lambda pair: pair[1].casefold()),
}


@dataclass
class EntryForm:
    """What the entry form holds, as typed: input name -> text, the ticked themes, and each
    distribution's inputs (by their name within the distribution)."""

    values: dict[str, str] = field(default_factory=dict)
    themes: list[str] = field(default_factory=list)
    distributions: list[dict[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class ReadEntry:
    entry: dict[str, Any]
    errors: Errors  # by input id: what the form itself could not read
    distribution_inputs: list[int]  # the form position of each distribution in `entry`


def top_level_inputs() -> list[str]:
    names = [*TEXT_FIELDS, "type", *LIST_FIELDS, *(f"contact_point-{n}" for n in CONTACT_FIELDS)]
    names += [f"{name}-{part}" for name in DATE_FIELDS for part in DATE_PARTS]
    return names


def form_from_request(posted: MultiDict) -> EntryForm:
    """The form as posted; distributions are renumbered from 0 in the order they were sent."""
    values = {name: posted.get(name, "") for name in top_level_inputs()}
    indexes = sorted({int(m.group(1)) for key in posted if (m := _DISTRIBUTION_INPUT.match(key))})
    distributions = [
        {name: posted.get(f"distributions-{i}-{name}", "") for name in DISTRIBUTION_INPUTS} for i in indexes
    ]
    return EntryForm(values, posted.getlist("themes"), distributions)


def form_from_entry(entry: Mapping[str, Any]) -> EntryForm:
    """The form filled from an entry in the shape the services take (`editable_view`)."""
    values = {name: as_text(entry.get(name)) for name in (*TEXT_FIELDS, "type")}
    for name in LIST_FIELDS:
        values[name] = "\n".join(entry.get(name) or [])
    contact = entry.get("contact_point") or {}
    values.update({f"contact_point-{n}": as_text(contact.get(n)) for n in CONTACT_FIELDS})
    temporal = entry.get("temporal_coverage") or {}
    for name in DATE_FIELDS:
        value = temporal.get(name.split("-")[1]) if name.startswith("temporal") else entry.get(name)
        values.update(date_parts(name, value))
    distributions = []
    for given in entry.get("distributions") or []:
        inputs = {name: as_text(given.get(name)) for name in (*DISTRIBUTION_TEXT, "byte_size")}
        for name in DISTRIBUTION_DATES:
            inputs.update(date_parts(name, given.get(name)))
        inputs[DISTRIBUTION_CARRIED] = " ".join(given.get(DISTRIBUTION_CARRIED) or [])
        distributions.append(inputs)
    return EntryForm(values, list(entry.get("themes") or []), distributions)


def blank_distribution() -> dict[str, str]:
    return dict.fromkeys(DISTRIBUTION_INPUTS, "")


def entry_from_form(form: EntryForm) -> ReadEntry:
    """The entry the form describes, leaving out what is blank (so a PUT clears it)."""
    entry: dict[str, Any] = {}
    errors: Errors = {}
    for name in (*TEXT_FIELDS, "type"):
        if form.get(name).strip():
            entry[name] = form.get(name)
    for name, separators in LIST_FIELDS.items():
        items = [item.strip() for item in re.split(f"[{separators}]", form.get(name)) if item.strip()]
        if items:
            entry[name] = items
    if form.themes:
        entry["themes"] = form.themes
    contact = {
        n: form.get(f"contact_point-{n}") for n in CONTACT_FIELDS if form.get(f"contact_point-{n}").strip()
    }
    if contact:
        entry["contact_point"] = contact
    temporal = {}
    for name in DATE_FIELDS:
        label = LABELS[name.replace("-", ".")]
        value = read_date(
            {part: form.get(f"{name}-{part}") for part in DATE_PARTS}, label, errors, f"{name}-day"
        )
        if value and name.startswith("temporal"):
            temporal[name.split("-")[1]] = value
        elif value:
            entry[name] = value
    if temporal:
        entry["temporal_coverage"] = temporal
    distributions, positions = [], []
    for position, inputs in enumerate(form.distributions):
        if describes_nothing(inputs):
            continue  # an empty fieldset (added and not filled in) describes nothing
        distributions.append(_read_distribution(inputs, position, errors))
        positions.append(position)
    if distributions:
        entry["distributions"] = distributions
    return ReadEntry(entry, errors, positions)


def describes_nothing(inputs: Mapping[str, str]) -> bool:
    """Whether a distribution's inputs are all empty (what the form only carries does not count)."""
    return not any(value.strip() for name, value in inputs.items() if name != DISTRIBUTION_CARRIED)


def _read_distribution(inputs: Mapping[str, str], position: int, errors: Errors) -> dict[str, Any]:
    given: dict[str, Any] = {name: inputs[name] for name in DISTRIBUTION_TEXT if inputs.get(name, "").strip()}
    prefix = f"distributions-{position}-"
    carried = inputs.get(DISTRIBUTION_CARRIED, "").split()
    if carried:
        given[DISTRIBUTION_CARRIED] = carried
    size = inputs.get("byte_size", "").strip().replace(",", "")
    if re.fullmatch(r"-?[0-9]{1,30}", size):
        given["byte_size"] = int(size)  # the services say whether it is in range
    elif size:
        label = f"{DISTRIBUTION_LABELS['byte_size']} of distribution {position + 1}"
        errors[f"{prefix}byte_size"] = [f"{label} must be a whole number of bytes, like 1048576"]
    for name in DISTRIBUTION_DATES:
        label = f"{DISTRIBUTION_LABELS[name]} of distribution {position + 1}"
        parts = {part: inputs.get(f"{name}-{part}", "") for part in DATE_PARTS}
        value = read_date(parts, label, errors, f"{prefix}{name}-day")
        if value:
            given[name] = value
    return given


def read_date(parts: Mapping[str, str], label: str, errors: Errors, anchor: str) -> str | None:
    """An ISO date from GOV.UK day, month and year inputs; None, with an error under `anchor`,
    if they do not make one (None and no error if all are blank)."""
    day, month, year = (parts.get(part, "").strip() for part in DATE_PARTS)
    if not (day or month or year):
        return None
    missing = [part for part, value in zip(DATE_PARTS, (day, month, year), strict=True) if not value]
    if missing:
        errors[anchor] = [f"{label} must include a {' and a '.join(missing)}"]
        return None
    if not re.fullmatch(r"[0-9]{4}", year):
        errors[anchor] = [f"The year of {label[0].lower()}{label[1:]} must include 4 numbers"]
        return None
    try:
        if not (re.fullmatch(r"[0-9]{1,2}", day) and re.fullmatch(r"[0-9]{1,2}", month)):
            raise ValueError(day)
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        errors[anchor] = [f"{label} must be a real date"]
        return None


def entry_errors(service_errors: Mapping[str, list[str]], distribution_inputs: list[int]) -> Errors:
    """The services' errors (``distributions.0.download_url``) as messages under input ids."""
    errors: Errors = {}
    for path, messages in service_errors.items():
        anchor, label, required = _locate(path, distribution_inputs)
        for message in messages:
            add_error(errors, anchor, humanise(message, label, required))
    return errors


def _locate(path: str, distribution_inputs: list[int]) -> tuple[str, str, str | None]:
    """The input id, label and 'required' message for a field path of the services."""
    parts = path.split(".")
    head = parts[0]
    if head == "distributions" and len(parts) > 1:
        index = int(parts[1]) if parts[1].isdigit() else -1
        if 0 <= index < len(distribution_inputs):
            position = distribution_inputs[index]
            name = parts[2] if len(parts) > 2 and parts[2] in DISTRIBUTION_LABELS else "title"
            anchor = f"distributions-{position}-{name}" + ("-day" if name in DISTRIBUTION_DATES else "")
            label = f"{DISTRIBUTION_LABELS[name]} of distribution {position + 1}"
            if len(parts) > 2 and parts[2] == DISTRIBUTION_CARRIED:  # a hidden input: told at the title
                label = f"The data services giving distribution {position + 1}"
            required = f"Enter a title for distribution {position + 1}" if name == "title" else None
            return anchor, label, required
    if head == "distributions":
        anchor = f"distributions-{distribution_inputs[0]}-title" if distribution_inputs else "_schema"
        return anchor, LABELS[head], None
    if head in ("contact_point", "temporal_coverage"):
        sub = parts[1] if len(parts) > 1 else ("name" if head == "contact_point" else "start")
        key = f"{head}.{sub}" if len(parts) > 1 else head
        anchor = f"{head}-{sub}" + ("-day" if head == "temporal_coverage" else "")
        return anchor, LABELS.get(key, LABELS[head]), REQUIRED.get(key)
    if head in ("issued", "modified", "created"):
        return f"{head}-day", LABELS[head], REQUIRED.get(head)
    if head in LABELS:
        return head, LABELS[head], REQUIRED.get(head)
    return "_schema", {"status": "Status", "slug": "Web address"}.get(head, head), None


def humanise(message: str, label: str, required: str | None = None) -> str:
    """A message of the schemas, worded for the form: it names the field."""
    message = message.rstrip(".")
    if message == _NEEDED_TO_PUBLISH.rstrip("."):
        return f"{required or f'Enter the {label.lower()}'} before you publish"
    if f"{message}." in EMPTY_VALUE_MESSAGES:
        return required or f"Enter the {label[0].lower()}{label[1:]}"
    if message.startswith("Must "):
        return f"{label} must {message[5:]}"
    if message.startswith("Not a valid "):
        return f"{label} is not a valid {message[12:]}"
    return f"{label}: {message}"


def merge_errors(read: Errors, service: Errors, order: tuple[str, ...] = FORM_ORDER) -> Errors:
    """The form's own errors and the services', one list per input, in the order of the form.

    Where the form could not read an input, the services' view of it (it is missing) adds nothing."""
    merged: Errors = {anchor: list(messages) for anchor, messages in read.items()}
    for anchor, messages in service.items():
        if anchor not in read:
            for message in messages:
                add_error(merged, anchor, message)
    return dict(sorted(merged.items(), key=lambda item: _position(item[0], order)))


def _position(anchor: str, order: tuple[str, ...]) -> tuple[int, int, int]:
    found = re.match(r"distributions-(\d+)-(\w+)", anchor)
    if found:
        sub = found.group(2)
        rank = list(DISTRIBUTION_LABELS).index(sub) if sub in DISTRIBUTION_LABELS else 0
        return order.index("distributions") if "distributions" in order else 0, int(found.group(1)), rank
    head = anchor.split("-")[0]
    return (order.index(head) if head in order else len(order)), 0, 0


def add_error(errors: Errors, anchor: str, message: str) -> None:
    messages = errors.setdefault(anchor, [])
    if message not in messages:
        messages.append(message)


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def date_parts(name: str, value: str | None) -> dict[str, str]:
    if not value:
        return {f"{name}-{part}": "" for part in DATE_PARTS}
    year, month, day = (int(part) for part in str(value).split("-"))
    return {f"{name}-day": str(day), f"{name}-month": str(month), f"{name}-year": str(year)}
