"""Licences an entry may carry: a URI from this list, or the literal DATA_SHARE_AGREEMENT.

Sources: The National Archives (Open Government Licence, Non-Commercial Government Licence),
Creative Commons, Open Data Commons. `ckan_id` is the id CKAN sites (data.gov.uk) use.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    id: str
    uri: str
    title: str
    is_open: bool
    ckan_id: str


DATA_SHARE_AGREEMENT = "DATA_SHARE_AGREEMENT"

LICENCES: tuple[Licence, ...] = (
    Licence(
        "OGL-UK-3.0",
        "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "Open Government Licence v3.0",
        True,
        "uk-ogl",
    ),
    Licence(
        "OGL-UK-2.0",
        "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/2/",
        "Open Government Licence v2.0",
        True,
        "OGL-UK-2.0",
    ),
    Licence(
        "NCGL-UK-2.0",
        "http://www.nationalarchives.gov.uk/doc/non-commercial-government-licence/version/2/",
        "Non-Commercial Government Licence v2.0",
        False,
        "NCGL-UK-2.0",
    ),
    Licence(
        "CC-BY-4.0",
        "https://creativecommons.org/licenses/by/4.0/",
        "Creative Commons Attribution 4.0",
        True,
        "cc-by",
    ),
    Licence(
        "CC-BY-SA-4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "Creative Commons Attribution Share-Alike 4.0",
        True,
        "cc-by-sa",
    ),
    Licence(
        "CC0-1.0",
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "Creative Commons CC0 1.0",
        True,
        "cc-zero",
    ),
    Licence(
        "ODbL-1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/",
        "Open Data Commons Open Database Licence 1.0",
        True,
        "odc-odbl",
    ),
    Licence(
        "ODC-By-1.0",
        "https://opendatacommons.org/licenses/by/1-0/",
        "Open Data Commons Attribution Licence 1.0",
        True,
        "odc-by",
    ),
    Licence(
        "PDDL-1.0",
        "https://opendatacommons.org/licenses/pddl/1-0/",
        "Open Data Commons Public Domain Dedication and Licence 1.0",
        True,
        "odc-pddl",
    ),
    Licence(
        DATA_SHARE_AGREEMENT, DATA_SHARE_AGREEMENT, "Data share agreement", False, "data-share-agreement"
    ),
)

_BY_KEY: dict[str, Licence] = {}
for _licence in LICENCES:
    for _key in (_licence.uri, _licence.id, _licence.ckan_id):
        _BY_KEY[_key.lower()] = _licence
    # The same URI is often written with https or without the trailing slash.
    _bare = _licence.uri.lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    _BY_KEY[_bare] = _licence


def find_licence(value: str) -> Licence | None:
    """The licence a URI, short id or CKAN id names, or None."""
    key = value.strip().lower()
    return _BY_KEY.get(key) or _BY_KEY.get(key.removeprefix("https://").removeprefix("http://").rstrip("/"))
