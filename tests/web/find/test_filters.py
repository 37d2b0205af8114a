"""The find page's filters count only what the visitor may see; values of one facet widen and
different facets narrow; each chosen value is a tag that removes just it."""

from __future__ import annotations

import html as html_lib

from tests.web.finding import (
    TRANSPORT,
    facet,
    get,
    link_to,
    links_of,
    query_of,
    result_titles,
    text_of,
)


def test_each_facet_counts_only_what_the_visitor_may_see(anonymous, reader, catalogue):
    anonymous = get(anonymous, "/datasets")
    assert facet(anonymous, "organisation") == {
        "Department for Transport (3)": "",
        "Department for Education (1)": "",
    }
    assert facet(anonymous, "theme") == {"Transport and infrastructure (3)": "", "Education (1)": ""}
    assert facet(anonymous, "format") == {"CSV (2)": "", "JSON (1)": "", "XLS (1)": ""}
    assert facet(anonymous, "access_rights") == {"Open (4)": ""}
    assert facet(anonymous, "type") == {"Dataset (3)": "", "Data service (1)": ""}
    assert set(facet(anonymous, "licence")) == {
        "Open Government Licence v3.0 (3)",
        "Creative Commons Attribution 4.0 (1)",
    }
    signed_in = get(reader, "/datasets")
    assert "Department for Environment, Food &amp; Rural Affairs (1)" in html_lib.escape(
        " ".join(facet(signed_in, "organisation"))
    )
    assert facet(signed_in, "access_rights") == {"Open (4)": "", "Internal to government (1)": ""}
    assert "5 results" in text_of(signed_in)


def test_values_of_one_facet_widen_and_different_facets_narrow(client, catalogue):
    either = get(client, f"/datasets?theme=education&theme={TRANSPORT}")
    assert len(result_titles(either)) == 4
    assert facet(either, "theme") == {
        "Transport and infrastructure (3)": "checked",
        "Education (1)": "checked",
    }
    both = get(client, "/datasets?organisation=department-for-transport&format=CSV")
    assert result_titles(both) == ["Road casualties"]
    # Each facet counts as if its own choice were cleared, so it shows how to widen it.
    assert facet(both, "format") == {"CSV (1)": "checked", "XLS (1)": ""}
    assert facet(both, "organisation") == {
        "Department for Transport (1)": "checked",
        "Department for Education (1)": "",
    }


def test_a_chosen_filter_is_a_tag_that_removes_just_that_value(client, catalogue):
    body = get(client, f"/datasets?q=road&theme=education&theme={TRANSPORT}&format=csv&sort=title")
    tags = links_of(body, "app-filter-tag")
    assert set(tags) == {
        "Remove filter Theme: Education",
        "Remove filter Theme: Transport and infrastructure",
        "Remove filter Format: CSV",
    }
    without_education = tags["Remove filter Theme: Education"]
    assert query_of(without_education) == [
        ("q", "road"),
        ("theme", TRANSPORT),
        ("format", "csv"),
        ("sort", "title"),
    ]
    assert result_titles(get(client, without_education)) == ["Road casualties"]
    without_csv = query_of(tags["Remove filter Format: CSV"])
    assert without_csv == [("q", "road"), ("theme", "education"), ("theme", TRANSPORT), ("sort", "title")]


def test_clear_filters_keeps_the_words_and_the_order(client, catalogue):
    body = get(client, "/datasets?q=road&organisation=department-for-education&sort=title&page=1")
    assert result_titles(body) == []
    cleared = link_to(body, "Clear filters")
    assert query_of(cleared) == [("q", "road"), ("sort", "title")]
    assert result_titles(get(client, cleared)) == ["Road casualties", "Road traffic counts API"]


def test_with_no_filters_chosen_there_are_no_tags(client, catalogue):
    body = get(client, "/datasets?q=road")
    assert links_of(body, "app-filter-tag") == {} and "Clear filters" not in body
