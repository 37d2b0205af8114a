"""The find page never shows drafts or entries that are not open to those who may not see them,
and without the search index it lists from the database."""

from __future__ import annotations

import pytest

from tests.factories import create_user
from tests.web.finding import (
    TRANSPORT,
    build_catalogue,
    controls_of,
    facet,
    get,
    links_of,
    result_titles,
    text_of,
)


@pytest.mark.parametrize(
    "path",
    [
        "/datasets?q=bathing",
        "/datasets?q=plans",
        "/datasets?status=draft",
        "/datasets?access_rights=INTERNAL",
        "/datasets?organisation=department-for-environment-food-rural-affairs",
    ],
)
def test_drafts_and_entries_that_are_not_open_never_appear_to_anonymous_visitors(client, catalogue, path):
    body = get(client, path)
    assert result_titles(body) == []
    assert "Bathing" not in body and "Secret" not in body
    # A chosen value nothing matches stays, unticked at 0; nothing hidden is counted.
    assert all(label.endswith("(0)") for label in facet(body, "access_rights") if "Internal" in label)
    assert all(label.endswith("(0)") for label in facet(body, "organisation") if "Environment" in label)


def test_signed_in_visitors_see_every_published_entry_but_not_others_drafts(reader, catalogue):
    assert result_titles(get(reader, "/datasets?q=bathing")) == ["Bathing water quality"]
    assert result_titles(get(reader, "/datasets?q=plans")) == []


def test_publishers_can_find_their_own_drafts(signed_in, catalogue):
    publisher = create_user(email="pat@dft.gov.uk", organisation=catalogue.dft, roles=("publisher",))
    body = get(signed_in(publisher), "/datasets?status=draft")
    assert result_titles(body) == ["Secret road plans"]
    assert "Status: Draft" in text_of(body)
    assert "Remove filter Status: Draft" in links_of(body, "app-filter-tag")


# Without the search index ------------------------------------------------------------------------


def test_without_the_search_index_the_page_lists_from_the_database_without_facets(client, app):
    build_catalogue(index=False)
    body = get(client, "/datasets?q=road&theme=" + TRANSPORT)
    assert result_titles(body) == ["Road casualties", "Road traffic counts API"]
    assert "Filtering is not available at the moment" in body
    assert [c for c in controls_of(body).controls if c.get("type") == "checkbox"] == []
    # The chosen filter still shows and is kept by the form, which has no checkbox for it.
    assert "Remove filter Theme: Transport and infrastructure" in links_of(body, "app-filter-tag")
    assert f'<input type="hidden" name="theme" value="{TRANSPORT}">' in body
