"""Every import runs downward: the domain rules, models, vocabularies, schemas, queries and the
search never import from the layers built on them (services, views, the APIs), so a rule that
several of them use lives once, below them all (issue 18 moved the quality, freshness,
permission and data-share-request rules into `marketplace.rules` for this)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import marketplace

PACKAGE = Path(marketplace.__file__).parent
# What each lower layer may not import: the layers above it.
ABOVE = ("services", "web", "api", "ckan", "dcat", "dm_api", "cli", "auth", "oauth", "seeding", "harvest")
LOWER = {
    "models": (*ABOVE, "rules", "schemas", "queries", "search"),
    "vocabularies": (*ABOVE, "models", "rules", "schemas", "queries", "search"),
    "rules": (*ABOVE, "schemas", "queries", "search"),
    "schemas": (*ABOVE, "search"),
    "queries": (*ABOVE, "schemas", "search"),
    "search": (*ABOVE, "schemas"),
}


def _imported_packages(path: Path) -> set[str]:
    """The marketplace subpackages a module imports, by name (`marketplace.services.x` -> services)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "marketplace" and len(parts) > 1:
                names.add(parts[1])
    return names


@pytest.mark.parametrize("layer", sorted(LOWER))
def test_a_lower_layer_never_imports_from_the_layers_above_it(layer):
    climbing = {
        str(path.relative_to(PACKAGE)): sorted(_imported_packages(path) & set(LOWER[layer]))
        for path in (PACKAGE / layer).rglob("*.py")
    }
    assert {module: above for module, above in climbing.items() if above} == {}
