"""A source's record as the fields of one of our entries: DCAT already read so by the reader
(marketplace/harvest/dcat.py), a CKAN package by the CKAN API's own mapping (marketplace/ckan),
so that a package means the same whether a client sends it or we fetch it."""

from __future__ import annotations

import re
from typing import Any

from marketplace.harvest.records import Record
from marketplace.schemas.dataset import SLUG_PATTERN

_SLUG = re.compile(SLUG_PATTERN)


def entry_for(kind: str, record: Record) -> dict[str, Any]:
    if kind == "dcat":
        entry = dict(record.data)
    else:
        from marketplace.ckan.package_dict import entry_from_package

        entry = entry_from_package(record.data)
    # The source's address for it, where it would be a valid one here; else one from its title.
    slug = entry.get("slug")
    if not isinstance(slug, str) or len(slug) > 100 or not _SLUG.fullmatch(slug):
        entry.pop("slug", None)
    return entry
