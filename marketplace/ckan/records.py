"""CKAN's dicts for what is not a package: organisations, groups (our themes) and licences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marketplace.models import Organisation
from marketplace.vocabularies import THEMES, Licence


def timestamp(value: datetime | None) -> str | None:
    # CKAN writes UTC timestamps without an offset.
    return value.replace(tzinfo=None).isoformat() if value else None


def organization_dict(organisation: Organisation, package_count: int | None = None) -> dict[str, Any]:
    body = {
        "id": str(organisation.id),
        "name": organisation.slug,
        "title": organisation.title,
        "display_name": organisation.title,
        "description": "",
        "image_url": "",
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "created": timestamp(getattr(organisation, "created_at", None)),
    }
    if package_count is not None:
        body["package_count"] = package_count
    return body


def group_dict(theme: str) -> dict[str, Any]:
    return {
        "id": theme,
        "name": theme,
        "title": THEMES.get(theme, theme),
        "display_name": THEMES.get(theme, theme),
        "description": "",
        "image_display_url": "",
    }


def license_dict(licence: Licence) -> dict[str, Any]:
    return {
        "id": licence.ckan_id,
        "title": licence.title,
        "url": licence.uri,
        "od_conformance": "approved" if licence.is_open else "not reviewed",
        "osd_conformance": "not reviewed",
        "status": "active",
    }
