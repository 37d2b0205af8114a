"""A source's record as the fields of one of our entries: DCAT already read so by the reader
(marketplace/harvest/dcat.py), a CKAN package by the CKAN API's own mapping
(marketplace/ckan/package_dict.py), so that a package means the same whether a client sends it
or we fetch it.

A public CKAN site (data.gov.uk) says less than our model asks for: what it leaves out is filled
here from what it does say, and each filling is noted on the run, so that a site admin can see
which values the department should check."""

from __future__ import annotations

import re
from typing import Any

from marketplace.ckan.package_dict import EXTRAS, READ_ONLY_KEYS, WRITABLE_KEYS, entry_from_package
from marketplace.harvest.records import Record
from marketplace.schemas.dataset import SLUG_PATTERN
from marketplace.vocabularies import MEDIA_TYPES

_SLUG = re.compile(SLUG_PATTERN)
Notes = dict[str, list[str]]
# data.gov.uk's "update_frequency" extra (and CKAN's "frequency") in words, to our frequencies.
FREQUENCY_WORDS = {
    "daily": "daily",
    "weekly": "weekly",
    "fortnightly": "biweekly",
    "monthly": "monthly",
    "quarterly": "quarterly",
    "biannually": "semiannual",
    "six-monthly": "semiannual",
    "annually": "annual",
    "annual": "annual",
    "yearly": "annual",
    "irregular": "irregular",
    "never": "irregular",
    "discontinued": "irregular",
    "continuous": "continuous",
    "real-time": "continuous",
}


def entry_for(kind: str, record: Record) -> dict[str, Any]:
    if kind == "dcat":
        entry = dict(record.data)
    else:
        entry = entry_from_package(_as_sent(record.data, record.notes))
        _fill_from_public_ckan(entry, record.data, record.notes)
    # The source's address for it, where it would be a valid one here; else one from its title.
    slug = entry.get("slug")
    if not isinstance(slug, str) or len(slug) > 100 or not _SLUG.fullmatch(slug):
        entry.pop("slug", None)
    return entry


def _as_sent(package: dict[str, Any], notes: Notes) -> dict[str, Any]:
    """The package as a CKAN client would send it here: another site's own keys and extras
    set aside (the organisation is the source's), and media types we do not list left out."""
    sent = {key: value for key, value in package.items() if key in WRITABLE_KEYS | READ_ONLY_KEYS}
    sent.pop("owner_org", None)
    sent.pop("organization", None)
    if isinstance(package.get("extras"), list):
        sent["extras"] = [e for e in package["extras"] if isinstance(e, dict) and e.get("key") in EXTRAS]
    if isinstance(package.get("resources"), list):
        sent["resources"] = [_resource(resource, notes) for resource in package["resources"]]
    return sent


def _resource(resource: Any, notes: Notes) -> Any:
    if not isinstance(resource, dict):
        return resource
    if resource.get("access_services"):
        # Ids of data services in the source's catalogue, which name nothing here.
        notes.setdefault("access_services", []).append(
            "The data services a resource names are the source's: left out."
        )
    resource = {key: value for key, value in resource.items() if key != "access_services"}
    media_type = resource.get("mimetype")
    if isinstance(media_type, str) and media_type.strip():
        bare = media_type.split(";")[0].strip().lower()
        if bare in MEDIA_TYPES:
            return {**resource, "mimetype": bare}
        notes.setdefault("media_type", []).append(f"{media_type!r} is not a media type we list: left out.")
    return {**resource, "mimetype": None}


def _extras(package: dict[str, Any]) -> dict[str, str]:
    extras = package.get("extras")
    if not isinstance(extras, list):
        return {}
    return {
        str(extra.get("key")): str(extra.get("value"))
        for extra in extras
        if isinstance(extra, dict) and extra.get("key") is not None
    }


def _fill_from_public_ckan(entry: dict[str, Any], package: dict[str, Any], notes: Notes) -> None:
    """What a public CKAN package leaves out, filled from what it says, each filling noted."""

    def filled(field: str, value: Any, why: str) -> None:
        entry[field] = value
        notes.setdefault(field, []).append(f"Not given: set to {value!r} ({why}).")

    if not entry.get("access_rights") and package.get("private") is not True:
        filled("access_rights", "OPEN", "a public package on a CKAN site")
    if not entry.get("security_classification"):
        filled("security_classification", "OFFICIAL", "published openly, so OFFICIAL information")
    modified = package.get("metadata_modified")
    if not entry.get("modified") and isinstance(modified, str) and len(modified) >= 10:
        filled("modified", modified[:10], "when the package was last changed")
    if not entry.get("contact_point"):
        for role in ("maintainer", "author"):
            email = package.get(f"{role}_email")
            if isinstance(email, str) and "@" in email:
                name = (
                    package.get(role) if isinstance(package.get(role), str) and package.get(role) else email
                )
                filled("contact_point", {"name": name, "email": email.strip()}, f"the package's {role}")
                break
    if not entry.get("update_frequency"):
        extras = _extras(package)
        words = extras.get("update_frequency") or extras.get("frequency") or extras.get("frequency-of-update")
        if words:
            found = FREQUENCY_WORDS.get(words.strip().lower())
            if found:
                entry["update_frequency"] = found
            else:
                notes.setdefault("update_frequency", []).append(f"{words!r} is not a frequency we know.")
