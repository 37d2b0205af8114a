"""Template filters and globals every page shares: GOV.UK date styles and vocabulary labels.

One place, so that a date or a theme reads the same on every page.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request

from marketplace.auth.redirects import MAX_NEXT
from marketplace.auth.session import session_actor
from marketplace.rules.permissions import can_publish_anywhere
from marketplace.vocabularies import (
    ACCESS_RIGHTS,
    DATASET_STATUSES,
    ENTRY_TYPES,
    LISTED_SECURITY_CLASSIFICATIONS,
    ORGANISATION_TYPES,
    QUALITY_DIMENSIONS,
    SERVICE_KINDS,
    SERVICE_STATUSES,
    SERVICE_TYPES,
    THEMES,
    UPDATE_FREQUENCIES,
    find_licence,
)

VOCABULARIES: dict[str, dict[str, str]] = {
    "access_rights": ACCESS_RIGHTS,
    "status": DATASET_STATUSES,
    "type": ENTRY_TYPES,
    "security_classification": LISTED_SECURITY_CLASSIFICATIONS,
    "organisation_type": ORGANISATION_TYPES,
    "quality_dimension": QUALITY_DIMENSIONS,
    "service_kind": SERVICE_KINDS,
    "service_status": SERVICE_STATUSES,
    "service_type": SERVICE_TYPES,
    "theme": THEMES,
    "update_frequency": {value: label for value, (label, _) in UPDATE_FREQUENCIES.items()},
}


def govuk_date(value: date | datetime | str | None) -> str:
    """'25 November 2026', the GOV.UK style; '' for nothing. Accepts ISO strings too."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(value: datetime | None) -> str:
    """'25 November 2026 at 3:05pm', the GOV.UK style."""
    if not value:
        return ""
    hour = value.hour % 12 or 12
    return f"{govuk_date(value)} at {hour}:{value:%M}{'am' if value.hour < 12 else 'pm'}"


def vocabulary_label(kind: str, value: str | None) -> str:
    """The label people read for a vocabulary value (the value itself if it is not known)."""
    if value is None:
        return ""
    if kind == "licence":
        licence = find_licence(value)
        return licence.title if licence else value
    return VOCABULARIES[kind].get(value, value)


def may_publish() -> bool:
    """For the navigation: whether the person signed in publishes for any organisation."""
    return can_publish_anywhere(session_actor())


def current_address() -> str:
    """This page's path and query, for links that come back to it (sign in, feedback); only the
    path when the whole is longer than sign-in follows, so a huge query is not copied into links."""
    full = request.full_path if request.query_string else request.path
    return full if len(full) <= MAX_NEXT else request.path


def init_app(app: Flask) -> None:
    app.add_template_filter(govuk_date)
    app.add_template_filter(govuk_datetime)
    app.add_template_global(vocabulary_label)
    app.add_template_global(may_publish)
    app.add_template_global(current_address)
