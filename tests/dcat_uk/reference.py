"""The Metadata Management API's JSON Schemas and samples (../shared/reference/dm-metadata-api/).

They are read from that folder, never copied here (Crown copyright, no licence: see its
NOTICE.md); tests that need them skip, saying why, when it is absent. The schemas are validated
as they declare themselves, draft-04, with their https://co-cddo.github.io/… references resolved
to the same folder.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from marketplace.dcat_uk.terms import SCHEMA_BASE

# The team's shared folder beside the repository; a clone elsewhere (as CI makes) finds it by
# MARKETPLACE_SHARED_DIR or at the workspace's own place.
_SHARED = [
    Path(os.environ["MARKETPLACE_SHARED_DIR"]) if os.environ.get("MARKETPLACE_SHARED_DIR") else None,
    Path(__file__).resolve().parents[3] / "shared",
    Path("/work/shared"),
]
REFERENCE_DIR = next(
    (
        found / "reference" / "dm-metadata-api"
        for found in _SHARED
        if found and (found / "reference" / "dm-metadata-api").is_dir()
    ),
    _SHARED[1] / "reference" / "dm-metadata-api",
)
SCHEMAS = (
    "cataloged_resource_schema.json",
    "dataset_schema.json",
    "data_service_schema.json",
    "shared_schema.json",
)


def reference(name: str) -> Any:
    """A file of the reference copy, parsed; skips the test when the copy is absent."""
    path = REFERENCE_DIR / name
    if not path.is_file():
        pytest.skip(f"the Metadata Management API reference copy is not at {REFERENCE_DIR}")
    return json.loads(path.read_text())


SPECIFICATION = "metadata_management_api.yaml"


def specification_path() -> Path:
    """The OpenAPI document's path; skips the test when the copy is absent."""
    path = REFERENCE_DIR / SPECIFICATION
    if not path.is_file():
        pytest.skip(f"the Metadata Management API reference copy is not at {REFERENCE_DIR}")
    return path


def specification() -> dict[str, Any]:
    """The OpenAPI document, parsed."""
    return yaml.safe_load(specification_path().read_text())


@cache
def _registry() -> Registry:
    resources = [(SCHEMA_BASE + name, Resource(reference(name), specification=DRAFT4)) for name in SCHEMAS]
    return Registry().with_resources(resources)


def validate_record(record: dict[str, Any], schema_name: str) -> None:
    """Raise jsonschema's ValidationError, with every failure listed, unless `record` is valid."""
    validator = Draft4Validator(
        reference(schema_name), registry=_registry(), format_checker=Draft4Validator.FORMAT_CHECKER
    )
    failures = sorted(validator.iter_errors(record), key=lambda error: list(error.absolute_path))
    assert not failures, [f"{list(f.absolute_path)}: {f.message}" for f in failures]


def schema_for(record: dict[str, Any]) -> str:
    return "data_service_schema.json" if record["type"] == ["Data Service"] else "dataset_schema.json"
