"""The find page sorts by title, by last update, or by relevance for a search, and its pages keep
every parameter and move through the results."""

from __future__ import annotations

from marketplace.services.catalogue import Page
from marketplace.web.find import Search
from tests.web.finding import (
    TRANSPORT,
    controls_of,
    get,
    link_to,
    options_of,
    query_of,
    result_titles,
    text_of,
)


def test_sort_by_title_or_recently_updated_and_relevance_only_for_a_search(client, catalogue):
    body = get(client, "/datasets?sort=title")
    assert result_titles(body) == [
        "Rail passenger numbers",
        "Road casualties",
        "Road traffic counts API",
        "School census",
    ]
    assert controls_of(body).labels["sort"] == "Sort by"
    # The default order's value is empty, so a new search gets its own default.
    assert options_of(body) == [
        ("", "Recently updated", False),
        ("title", "Title (A to Z)", True),
        ("quality", "Metadata quality", False),
    ]
    searched = get(client, "/datasets?q=road")
    assert options_of(searched) == [
        ("", "Most relevant", True),
        ("updated", "Recently updated", False),
        ("title", "Title (A to Z)", False),
        ("quality", "Metadata quality", False),
    ]
    assert result_titles(get(client, "/datasets?q=road&sort=updated")) == [
        "Road casualties",
        "Road traffic counts API",
    ]
    assert result_titles(get(client, "/datasets?q=road&sort=&page=")) == [
        "Road casualties",
        "Road traffic counts API",
    ]


def test_pages_keep_every_parameter_and_move_through_the_results(client, catalogue):
    path = f"/datasets?theme={TRANSPORT}&theme=education&sort=title&per_page=3"
    first = get(client, path)
    assert "4 results" in text_of(first)
    assert result_titles(first) == ["Rail passenger numbers", "Road casualties", "Road traffic counts API"]
    assert 'aria-label="Results pages"' in first
    next_page = link_to(first, "Next page")
    assert query_of(next_page) == [
        ("theme", TRANSPORT),
        ("theme", "education"),
        ("sort", "title"),
        ("per_page", "3"),
        ("page", "2"),
    ]
    second = get(client, next_page)
    assert result_titles(second) == ["School census"]
    assert 'aria-current="page"' in second and "Next page" not in text_of(second)
    assert query_of(link_to(second, "Previous page")) == query_of(next_page)[:-1]
    # The form carries the page size along, so filtering again keeps it.
    assert '<input type="hidden" name="per_page" value="3">' in second


def test_a_page_past_the_end_says_so_and_links_to_the_first(client, catalogue):
    body = get(client, "/datasets?page=9&per_page=2")
    assert "There are no results on this page" in body
    assert query_of(link_to(body, "Go to the first page")) == [("per_page", "2")]


def test_long_result_lists_show_the_first_last_and_neighbouring_pages():
    search = Search("/datasets", params={"q": "road", "page": 5, "per_page": 20})
    search.results = Page(items=[], total=200, page=5, per_page=20)
    pagination = search.pagination()
    numbers = [item.get("number", "…") for item in pagination["items"]]
    assert numbers == ["1", "…", "4", "5", "6", "…", "10"]
    assert [item["current"] for item in pagination["items"] if "number" in item] == [
        False,
        False,
        True,
        False,
        False,
    ]
    assert pagination["previous"]["href"] == "/datasets?q=road&page=4"
    assert pagination["next"]["href"] == "/datasets?q=road&page=6"
    search.results = Page(items=[], total=20, page=1, per_page=20)
    assert search.pagination() is None
