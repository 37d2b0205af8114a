"""Reading the find page's results in tests."""

from __future__ import annotations

import re

from playwright.sync_api import Page


def result_count(page: Page) -> int:
    """The number in the results heading ("1,234 results for …"), once the page has loaded."""
    page.wait_for_load_state()
    text = page.locator("#results-count").inner_text()
    match = re.match(r"\s*([\d,]+) results?", text)
    assert match, f"no count in the results heading: {text!r}"
    return int(match.group(1).replace(",", ""))


def result_titles(page: Page) -> list[str]:
    """The titles of the results shown, once the page has loaded: a URL that has changed only
    says a navigation began, and reading at once can find the list not there yet (seen under load)."""
    page.wait_for_load_state()
    page.locator("#results-count").wait_for()
    return [" ".join(t.split()) for t in page.locator(".app-result__title a").all_inner_texts()]


def facet(page: Page, legend: str):
    """One fieldset of the filter panel, by its legend ("Theme", "Access" …)."""
    return page.get_by_role("group", name=legend, exact=True)


def option(page: Page, legend: str, label: str):
    """A filter checkbox, by its label without the count ("Open", not "Open (132)")."""
    return facet(page, legend).get_by_role("checkbox", name=re.compile(rf"^{re.escape(label)} \([\d,]+\)$"))
