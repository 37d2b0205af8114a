"""The home page: what the service is, the search box, themes with the visitor's counts,
recently updated entries and the way to the API."""

from __future__ import annotations

import re

import pytest

from marketplace.search.store import close_searchers
from marketplace.vocabularies import THEMES
from tests.factories import create_user
from tests.web.finding import TRANSPORT, build_catalogue, text_of
from tests.web.pages import TITLE_SUFFIX, h1_of, page, scripts_of, title_of


@pytest.fixture
def catalogue(app):
    yield build_catalogue()
    close_searchers()


def themes_of(body: str) -> dict[str, str]:
    """{theme label: what the page says about its count} from the theme list."""
    items = re.findall(r'<li class="app-themes__item">(.*?)</li>', body, re.S)
    themes = {}
    for item in items:
        label = text_of(re.search(r"<a [^>]*>(.*?)</a>", item, re.S).group(1))
        count = re.search(r'class="govuk-body-s app-themes__count">(.*?)</span>', item, re.S)
        themes[label] = text_of(count.group(1)) if count else ""
    return themes


def recent_of(body: str) -> list[tuple[str, str]]:
    return re.findall(r'<li class="app-recent__item">\s*<a [^>]*href="([^"]+)">([^<]+)</a>', body)


def test_the_home_page_says_what_the_service_is_and_offers_the_search_box(client, catalogue):
    body = page(client, "/", status=200).get_data(as_text=True)
    assert title_of(body) == "Find and use UK government data" + TITLE_SUFFIX
    assert h1_of(body) == "Find and use UK government data"
    assert '<form action="/datasets" method="get" role="search" novalidate>' in body
    assert '<label class="govuk-label govuk-label--m" for="q">' in body
    assert re.search(r'<input[^>]* id="q" name="q" type="search"', body)
    # The API's documentation, not raw JSON, is what a person is offered.
    assert 'href="/api"' in body and 'href="/organisations"' in body and 'href="/api/v1/datasets"' not in body


def test_every_theme_links_to_its_search_with_counts_of_what_an_anonymous_visitor_may_see(client, catalogue):
    body = page(client, "/", status=200).get_data(as_text=True)
    themes = themes_of(body)
    assert list(themes) == list(THEMES.values())
    assert themes["Transport and infrastructure"] == "3 entries"
    assert themes["Education"] == "1 entry"
    # The only environment and health entry is internal: not counted for anonymous visitors.
    assert themes["Environment and nature"] == "0 entries"
    assert themes["Health and care"] == "0 entries"
    for value in THEMES:
        assert f'href="/datasets?theme={value}"' in body


def test_signed_in_visitors_get_counts_of_every_published_entry(signed_in, catalogue):
    client = signed_in(create_user(email="carol@cabinetoffice.gov.uk", roles=()))
    themes = themes_of(page(client, "/", status=200).get_data(as_text=True))
    assert themes["Environment and nature"] == "1 entry"
    assert themes["Health and care"] == "1 entry"
    # Drafts are not counted, even for the publishers who can see them.
    assert themes["Transport and infrastructure"] == "3 entries"


def test_recently_updated_entries_are_the_visitors_newest_published_ones(client, catalogue):
    body = page(client, "/", status=200).get_data(as_text=True)
    assert recent_of(body) == [
        ("/datasets/road-casualties", "Road casualties"),
        ("/datasets/rail-passenger-numbers", "Rail passenger numbers"),
        ("/datasets/school-census", "School census"),
        ("/datasets/road-traffic-counts-api", "Road traffic counts API"),
    ]
    assert "Department for Transport, data updated 1 September 2025" in text_of(body)
    assert "See all 4 entries" in body
    assert "Bathing" not in body and "Secret road plans" not in body


def test_the_theme_link_finds_that_themes_entries(client, catalogue):
    body = page(client, f"/datasets?theme={TRANSPORT}", status=200).get_data(as_text=True)
    assert "3 results" in text_of(body)


def test_an_empty_catalogue_says_nothing_is_published_yet(client, app):
    body = page(client, "/", status=200).get_data(as_text=True)
    assert "Nothing has been published yet." in body
    assert len(themes_of(body)) == 13


def test_without_the_search_index_the_home_page_still_lists_recent_entries(client, app):
    build_catalogue(index=False)
    body = page(client, "/", status=200).get_data(as_text=True)
    assert recent_of(body)[0] == ("/datasets/road-casualties", "Road casualties")
    # No counts without the index, rather than wrong ones.
    assert set(themes_of(body).values()) == {""}


def test_the_home_page_loads_the_completion_script_as_a_module(client, catalogue):
    body = page(client, "/", status=200).get_data(as_text=True)
    assert {"type": "module", "src": "/assets/search.js"} in scripts_of(body)
    assert 'data-app-suggest="/api/v1/suggest"' in body
