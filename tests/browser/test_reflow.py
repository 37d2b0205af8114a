"""Pages read at 320 px wide without scrolling sideways (WCAG 2.2, 1.4.10): tables scroll inside
their own labelled, focusable regions instead of pushing the page wide."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.reflow import REFLOW_WIDTH, check_reflow

STATS19 = "Reported road casualties Great Britain (STATS19)"
ANALYST = "analyst@dft.gov.uk"

# (name, path) of pages that had wide tables, seen signed in (tables of declared ratings and
# history show to everyone; signed in adds the entries shared within government).
PAGES = [
    ("dataset-open", "/datasets/{stats19}"),
    ("dataset-internal", "/datasets/{internal}"),
    ("organisations", "/organisations"),
    ("api", "/api"),
]


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_the_page_does_not_scroll_sideways_at_320_px(page_as, catalogue, name: str, path: str):
    page = page_as(ANALYST)
    page.goto(
        path.format(
            stats19=catalogue.slug_of(title=STATS19),
            internal=catalogue.slug_of(status="published", access_rights="INTERNAL"),
        )
    )
    check_reflow(page)


def test_a_wide_table_scrolls_in_a_named_region_the_keyboard_can_reach(page: Page):
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 800})
    page.goto("/api")
    region = page.get_by_role("region", name="API endpoints")
    expect(region).to_be_visible()
    assert region.evaluate("r => r.scrollWidth > r.clientWidth"), "the table should be wider than the screen"
    region.focus()
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.app-table-scroll').scrollLeft > 0")
