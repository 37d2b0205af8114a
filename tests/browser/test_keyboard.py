"""Using the search with the keyboard alone, with JavaScript's title completion and without it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.finding import option, result_count

MAX_TABS = 30


def tab_to(page: Page, element_id: str) -> None:
    """Press Tab from the top of the page until the element with `element_id` has the focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} was not reached in {MAX_TABS} presses of Tab")


def test_keyboard_only_search_from_the_home_page_reaches_the_find_page_with_the_query(page: Page):
    page.goto("/")
    tab_to(page, "q")
    page.keyboard.type("road casualties")
    page.keyboard.press("Enter")

    page.wait_for_url("**/datasets?q=road+casualties")
    expect(page.locator("#q")).to_have_value("road casualties")
    assert result_count(page) > 0


def test_keyboard_only_title_completion_opens_the_chosen_entry(page: Page):
    page.goto("/")
    tab_to(page, "q")
    page.keyboard.type("road casu")
    suggestions = page.get_by_role("option")
    expect(suggestions.first).to_be_visible()
    expect(suggestions.first).to_contain_text(re.compile("road casualties", re.IGNORECASE))
    check_page(page, "home-title-completion")

    chosen = " ".join(suggestions.first.inner_text().split())
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/datasets/[^/?]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(chosen)


def test_search_and_filters_work_with_javascript_off(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    page.get_by_label("Search for data").fill("school")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/datasets\?q=school$"))
    matches = result_count(page)
    assert matches > 0

    option(page, "Type", "Dataset").check()
    page.get_by_role("button", name="Apply filters").first.click()
    expect(page).to_have_url(re.compile(r"q=school.*type=dataset"))
    assert 0 < result_count(page) <= matches
    expect(page.locator("#q")).to_have_value("school")
