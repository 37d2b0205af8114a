"""The find page's tests search the small catalogue of tests/web/finding.py, indexed (the
`anonymous` and `reader` clients are tests/web/conftest.py's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marketplace.search.store import close_searchers
from tests.web.finding import Catalogue, build_catalogue


@pytest.fixture
def catalogue(app) -> Iterator[Catalogue]:
    yield build_catalogue()
    close_searchers()
