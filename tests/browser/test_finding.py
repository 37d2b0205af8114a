"""Finding data: search, filter by two facets, sort, page through, and open an entry.

Only the seed's published entries are counted on: other tests add their own, with their own words.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.finding import facet, option, result_count, result_titles


def test_searching_from_the_home_page_finds_entries_and_one_opens(page: Page):
    page.goto("/")
    page.get_by_label("Search for data").fill("road casualties")
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_title(re.compile("^Search results for .road casualties."))
    expect(page.get_by_label("Search for data")).to_have_value("road casualties")
    assert result_count(page) > 0
    titles = result_titles(page)
    assert any("casualties" in title.lower() for title in titles[:3]), titles
    check_page(page, "find-results")

    first = page.locator(".app-result__title a").first
    title = " ".join(first.inner_text().split())
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("heading", name="Description")).to_be_visible()
    check_page(page, "dataset-open")


def test_filtering_by_two_facets_narrows_the_results_and_a_tag_removes_one(page: Page):
    page.goto("/datasets")
    everything = result_count(page)

    option(page, "Theme", "Transport and infrastructure").check()
    option(page, "Access", "Open").check()
    page.get_by_role("button", name="Apply filters").first.click()

    expect(page).to_have_url(re.compile(r"theme=transport-and-infrastructure.*access_rights=OPEN"))
    both = result_count(page)
    assert 0 < both < everything
    expect(option(page, "Theme", "Transport and infrastructure")).to_be_checked()
    expect(option(page, "Access", "Open")).to_be_checked()
    for meta in page.locator(".app-result__meta").all():
        expect(meta).to_contain_text("Open")
    selected = page.locator(".app-selected-filters")
    expect(selected.get_by_role("link")).to_have_count(2)
    check_page(page, "find-filtered")

    selected.get_by_role("link", name=re.compile("Access")).click()
    expect(page).not_to_have_url(re.compile("access_rights="))
    transport = result_count(page)
    assert both <= transport < everything
    expect(option(page, "Access", "Open")).not_to_be_checked()


def test_sorting_by_title_orders_the_results_and_the_next_page_carries_on(page: Page):
    page.goto("/datasets")
    page.get_by_label("Sort by").select_option(label="Title (A to Z)")
    # Wait for the new page to load, not only for its address: the address changes when the
    # navigation commits, and reading the results then can still read the old page's.
    with page.expect_navigation(url=re.compile("sort=title"), wait_until="load"):
        page.get_by_role("button", name="Sort", exact=True).click()
    first_page = result_titles(page)
    assert len(first_page) == 20
    assert first_page == sorted(first_page, key=str.casefold)

    pages = page.get_by_role("navigation", name="Results pages")
    with page.expect_navigation(url=re.compile(r"sort=title.*page=2"), wait_until="load"):
        pages.get_by_role("link", name=re.compile("Next")).click()
    expect(page.get_by_label("Sort by")).to_have_value("title")
    second_page = result_titles(page)
    assert second_page and second_page == sorted(second_page, key=str.casefold)
    assert first_page[-1].casefold() <= second_page[0].casefold()
    assert not set(first_page) & set(second_page)
    expect(pages.locator("[aria-current=page]")).to_have_text("2")
    check_page(page, "find-page-2")


def test_a_search_with_no_results_says_what_to_try(page: Page):
    page.goto("/datasets?q=zyzzogeton+quasar")
    assert result_count(page) == 0
    expect(page.get_by_text("There are no matching results.")).to_be_visible()
    expect(page.get_by_role("link", name="everything in the catalogue")).to_be_visible()
    check_page(page, "find-no-results")


def test_the_organisations_list_leads_to_an_organisations_page_of_its_entries(page: Page):
    page.goto("/organisations")
    check_page(page, "organisations")
    page.get_by_role("link", name="Department for Transport", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Department for Transport (DfT)")
    assert result_count(page) > 0
    check_page(page, "organisation")

    page.get_by_label("Search Department for Transport").fill("bus")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/organisations/department-for-transport\?q=bus"))
    assert result_count(page) > 0
    expect(facet(page, "Organisation")).to_have_count(0)


def test_a_withdrawn_entry_and_a_data_service_have_accessible_pages(page: Page, catalogue):
    page.goto(f"/datasets/{catalogue.slug_of(status='withdrawn')}")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("was withdrawn")
    check_page(page, "dataset-withdrawn")

    page.goto(f"/datasets/{catalogue.slug_of(status='published', type='data_service')}")
    expect(page.locator(".govuk-caption-l").first).to_be_visible()
    check_page(page, "dataset-data-service")


def test_on_a_phone_the_results_come_first_and_the_filters_open_from_show_filters(new_context):
    page = new_context(viewport={"width": 375, "height": 812}).new_page()
    page.goto("/datasets?q=road")
    toggle = page.get_by_text("Show filters", exact=True)
    expect(toggle).to_be_visible()
    expect(facet(page, "Theme")).to_be_hidden()
    # The first result follows the search box and "Show filters", not every filter (it was
    # 2,300 px down or more).
    first = page.locator(".app-result__title a").first
    assert toggle.bounding_box()["y"] < first.bounding_box()["y"] < 1000, first.bounding_box()
    check_page(page, "find-phone-filters-closed")

    toggle.click()
    expect(page.get_by_text("Hide filters", exact=True)).to_be_visible()
    option(page, "Access", "Open").check()
    page.get_by_role("button", name="Apply filters").first.click()
    expect(page).to_have_url(re.compile(r"access_rights=OPEN"))
    # Folded again on the new page, saying how many filters are chosen.
    expect(page.get_by_text("Show filters (1 chosen)", exact=True)).to_be_visible()
    for meta in page.locator(".app-result__meta").all():
        expect(meta).to_contain_text("Open")


def test_on_a_desktop_the_filters_are_always_shown_and_a_long_filter_shows_more_on_request(page: Page):
    page.goto("/datasets")
    expect(page.get_by_text("Show filters", exact=True)).to_be_hidden()
    organisation = facet(page, "Organisation")
    expect(organisation).to_be_visible()
    more = organisation.locator("details.app-filter-more")
    expect(more).to_have_count(1)
    hidden = more.get_by_role("checkbox").first
    expect(hidden).to_be_hidden()
    more.locator("summary").click()
    expect(hidden).to_be_visible()
    names = [" ".join(t.split()).rsplit(" (", 1)[0] for t in more.locator("label").all_inner_texts()]
    assert names == sorted(names, key=str.casefold), names
    check_page(page, "find-show-more-organisations")


def test_a_bad_filter_in_the_address_is_marked_on_its_filter_and_the_summary_takes_you_there(page: Page):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/datasets?organisation=nonsense")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("There is no organisation called nonsense")).click()
    # On a phone too: the panel is open because a filter has an error.
    expect(page.locator("#filter-organisation")).to_be_focused()
    expect(facet(page, "Organisation")).to_contain_text("There is no organisation called nonsense")
    assert result_count(page) > 0
    check_page(page, "find-bad-filter")
