"""Validating our RDF against the official DCAT-AP 3.0.1 shapes (../shared/reference/dcat-ap-3.0.1/).

The shapes are read from that folder, never copied here (CC-BY 4.0, see its NOTICE.md); tests
that need them skip, saying why, when it is absent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph
from rdflib.namespace import SH

# The team's shared folder beside the repository; a clone elsewhere (as CI makes) finds it by
# MARKETPLACE_SHARED_DIR or at the workspace's own place.
_SHARED = [
    Path(os.environ["MARKETPLACE_SHARED_DIR"]) if os.environ.get("MARKETPLACE_SHARED_DIR") else None,
    Path(__file__).resolve().parents[3] / "shared",
    Path("/work/shared"),
]
SHAPES_DIR = next(
    (found / "reference" / "dcat-ap-3.0.1" for found in _SHARED if found and (found / "reference").is_dir()),
    _SHARED[1] / "reference" / "dcat-ap-3.0.1",
)


@cache
def _parsed(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.parse(SHAPES_DIR / name, format="turtle")
    return graph


def shapes(*names: str) -> Graph:
    if not all((SHAPES_DIR / name).is_file() for name in names):
        pytest.skip(f"the DCAT-AP 3.0.1 shapes are not at {SHAPES_DIR}")
    return _parsed(*names)


@dataclass(frozen=True)
class Findings:
    violations: int
    warnings: int
    report: str


def validate(data: Graph, *names: str) -> Findings:
    """Data against the named shape files parsed into one graph, without inference."""
    _, report_graph, text = pyshacl.validate(data, shacl_graph=shapes(*names), inference="none")
    severities = list(report_graph.objects(None, SH.resultSeverity))
    return Findings(severities.count(SH.Violation), severities.count(SH.Warning), text)


def violations(data: Graph) -> Findings:
    """The mandatory shapes and the ranges: what a conforming catalogue gives no violation of."""
    return validate(data, "shapes.ttl", "range.ttl")
