"""The search box with title suggestions showing: one click on Search searches (issue 12, point 1).

The review typed "house prices" while "road casualties" was still listed and clicked Search: the
list closed as the box lost focus, the button jumped up from under the pointer and the click was
lost. The list now lies over the page, so nothing moves and the first click counts.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page

SIZES = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}
PAGES = {
    "home": ("/", "Search for data"),
    "find": ("/datasets", "Search for data"),
    "organisation": (
        "/organisations/department-for-transport",
        "Search Department for Transport\N{RIGHT SINGLE QUOTATION MARK}s entries",
    ),
}


def button_top(page: Page) -> float:
    box = page.get_by_role("button", name="Search", exact=True).bounding_box()
    assert box, "no Search button"
    return box["y"]


@pytest.mark.parametrize("where", PAGES, ids=list(PAGES))
@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_one_click_on_search_searches_while_suggestions_show(new_context, size, where):
    page = new_context(viewport=SIZES[size]).new_page()
    path, label = PAGES[where]
    page.goto(path)
    box = page.get_by_label(label)
    before = button_top(page)

    box.press_sequentially("road casualties")
    suggestions = page.get_by_role("listbox")
    expect(suggestions.get_by_role("option").first).to_be_visible()
    assert button_top(page) == before, "the suggestions pushed the Search button down"
    # What the review did: change the words while the old suggestions still show, then click.
    box.fill("house prices")
    page.get_by_role("button", name="Search", exact=True).click()

    expect(page).to_have_url(re.compile(r"[?&]q=house\+prices"))
    expect(page.get_by_label(label)).to_have_value("house prices")
    if where == "home":
        check_page(page, f"search-box-one-click-{size}")
