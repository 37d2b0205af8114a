"""The find page searches with a plain GET form: each result says what it is, the words are kept
and highlighted, text is escaped, and a misspelling or no results say what to try."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urlsplit

from tests.web.finding import (
    TRANSPORT,
    add,
    get,
    link_to,
    query_of,
    quoted,
    result_titles,
    text_of,
)
from tests.web.pages import TITLE_SUFFIX, h1_of, title_of


def test_the_find_page_lists_what_the_visitor_may_see_newest_first(client, catalogue):
    body = get(client, "/datasets")
    assert title_of(body) == "Find data" + TITLE_SUFFIX
    assert h1_of(body) == "Find data"
    assert "4 results" in text_of(body)
    assert result_titles(body) == [
        "Road casualties",
        "Rail passenger numbers",
        "School census",
        "Road traffic counts API",
    ]


def test_a_search_keeps_its_words_and_highlights_the_matches(client, catalogue):
    body = get(client, "/datasets?q=road")
    assert title_of(body) == f"Search results for {quoted('road')}" + TITLE_SUFFIX
    assert 'id="q" name="q" type="search"' in body and 'value="road"' in body
    assert f"2 results for {quoted('road')}" in text_of(body)
    assert result_titles(body) == ["Road casualties", "Road traffic counts API"]
    link = re.search(r'<a class="govuk-link" href="([^"]+)"><mark>Road</mark> casualties</a>', body)
    # The search was logged, so the result links through the click recorder, on to the entry.
    href = html_lib.unescape(link.group(1))
    assert urlsplit(href).path == "/datasets/road-casualties/from-search"
    assert client.get(href).headers["Location"] == "/datasets/road-casualties"
    assert "Casualties in reported <mark>road</mark> collisions." in body


def test_each_result_says_who_publishes_it_its_type_access_formats_and_when_it_was_updated(client, catalogue):
    body = get(client, "/datasets?q=census")
    result = text_of(re.search(r'<li class="app-result">(.*?)</li>', body, re.S).group(1))
    assert result == (
        "School census Department for Education Pupils in schools in England. "
        "Type: Dataset Access: Open Formats: CSV, JSON Data last updated: 1 March 2025 "
        "Metadata quality: Good Updates: Overdue"
    )


def test_text_from_the_catalogue_and_the_query_is_escaped(client, catalogue):
    add(catalogue.dft, "<script>alert(1)</script> road", summary='"Quoted" & <b>bold</b> road')
    body = get(client, '/datasets?q="<script>"')
    assert "<script>alert" not in body and "<b>bold" not in body
    body = get(client, "/datasets?q=road")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>road</mark>" in body
    assert "Quoted&#34; &amp; &lt;b&gt;bold&lt;/b&gt; <mark>road</mark>" in body or (
        '"Quoted" &amp; &lt;b&gt;bold&lt;/b&gt; <mark>road</mark>' in body
    )


def test_did_you_mean_links_to_the_corrected_search_keeping_the_filters(client, catalogue):
    body = get(client, f"/datasets?q=casualtes&theme={TRANSPORT}")
    assert "Did you mean" in body
    href = link_to(body, "casualties")
    assert query_of(href) == [("q", "casualties"), ("theme", TRANSPORT)]
    assert result_titles(get(client, href)) == ["Road casualties"]


def test_no_results_say_what_to_try(client, catalogue):
    body = get(client, "/datasets?q=zebra")
    assert f"0 results for {quoted('zebra')}" in text_of(body)
    assert "There are no matching results" in body
    assert "checking your spelling" in body and "using fewer words" in body
    with_filter = get(client, "/datasets?q=zebra&theme=education")
    assert query_of(link_to(with_filter, "removing filters")) == [("q", "zebra")]
