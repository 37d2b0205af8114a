"""What a reader hands the harvesting service: one record of the source, as the source said it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Record:
    identifier: str  # the source's own identifier for it (a CKAN package's id, a DCAT dataset's IRI)
    title: str | None
    modified: str | None  # as the source gave it (metadata_modified, dct:modified)
    data: Any = field(repr=False)  # a CKAN package dict, or a DCAT dataset already read into our fields
    # Values the reader could not place in our vocabularies, and so left out: field -> messages.
    notes: dict[str, list[str]] = field(default_factory=dict)
