"""Every bad parameter of the find page is answered with the page and an error summary that says
what is wrong and links to the input; no value makes a server error."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.finding import (
    TRANSPORT,
    facet,
    get,
    links_of,
    result_titles,
    summary_links,
    text_of,
)
from tests.web.pages import title_of

BAD_PARAMETERS = [
    ("page=0", "Page number: Must be 1 or more."),
    ("page=-1", "Page number: Must be 1 or more."),
    ("page=two", "Page number: Must be a whole number."),
    ("page=1e3", "Page number: Must be a whole number."),
    ("page=99999999999999999999999", "Results beyond the first 10,000 are not paged"),
    ("per_page=1000", "Results per page: Must be from 1 to 100."),
    ("per_page=0", "Results per page: Must be from 1 to 100."),
    ("page=1&page=2", "Page number: Give this parameter once."),
    ("theme=nope", "Theme: &#39;nope&#39; is not a known theme."),
    ("access_rights=SECRET", "Access: &#39;SECRET&#39; is not a known access right."),
    ("licence=%3Cscript%3E", "Licence: &#39;&lt;script&gt;&#39; is not a licence we list."),
    ("organisation=nobody", "Organisation: There is no organisation called nobody."),
    ("sort=best", "Sort by: Use one of: relevance, updated, title, quality."),
    ("q=" + "x" * 10_000, "Search terms: Must be 500 characters or fewer."),
    ("format=" + "x" * 51, "Format: Length must be between 1 and 50."),
]


@pytest.mark.parametrize(("query", "message"), BAD_PARAMETERS, ids=[q[:40] for q, _ in BAD_PARAMETERS])
def test_a_bad_parameter_gets_the_page_with_an_error_summary(client, catalogue, query, message):
    body = get(client, f"/datasets?{query}", status=400)
    assert title_of(body).startswith("Error: ")
    summary = re.search(r'class="govuk-error-summary".*?</ul>', body, re.S).group(0)
    assert message in summary
    if query.startswith("q="):  # the words cannot be searched: only the box to correct
        assert "Correct the search above" in body and result_titles(body) == []
    else:  # a bad filter, order or page is left out: the rest is searched
        assert "Correct the search above" not in body and len(result_titles(body)) == 4


def test_a_bad_filter_value_is_left_out_and_marked_on_its_filter_as_the_other_input_errors_are(
    client, catalogue
):
    body = get(client, f"/datasets?organisation=nobody&theme={TRANSPORT}", status=400)
    # The rest of the search still answers: the theme is applied, the organisation left out.
    assert sorted(result_titles(body)) == [
        "Rail passenger numbers",
        "Road casualties",
        "Road traffic counts API",
    ]
    assert summary_links(body) == {
        "Organisation: There is no organisation called nobody.": "#filter-organisation"
    }
    group = re.search(
        r'<div class="govuk-form-group govuk-form-group--error">(.*?)</fieldset>', body, re.S
    ).group(1)
    assert "Organisation</legend>" in group
    assert 'aria-describedby="filter-organisation-error"' in group
    assert "Organisation: There is no organisation called nobody." in text_of(group)
    assert 'id="filter-organisation"' in group  # the summary's link lands on the first box


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("access_rights=secret", "Access: &#39;secret&#39; is not a known access right."),
        ("quality=superb", "Metadata quality: &#39;superb&#39; is not a known quality band."),
        ("format=zzz", "Format: There are no entries in the format zzz."),
    ],
)
def test_every_bad_filter_value_is_handled_the_same_way(client, catalogue, query, message):
    body = get(client, f"/datasets?{query}", status=400)
    name = query.split("=")[0]
    links = summary_links(body)
    assert [href for text, href in links.items() if html_lib.unescape(message) in text] == [f"#filter-{name}"]
    assert len(result_titles(body)) == 4
    assert "app-filter-tag" not in body  # nothing bad is kept as a chosen filter


def test_a_chosen_band_nothing_matches_stays_ticked_with_its_label_so_it_can_be_unticked(client, catalogue):
    body = get(client, "/datasets?quality=excellent")
    assert facet(body, "quality").get("Excellent (0)") == "checked"
    assert "Remove filter Metadata quality: Excellent" in links_of(body, "app-filter-tag")


def test_a_bad_order_links_to_the_sort_box_and_a_bad_page_number_shows_the_first_page(client, catalogue):
    body = get(client, "/datasets?sort=best", status=400)
    assert summary_links(body) == {"Sort by: Use one of: relevance, updated, title, quality.": "#sort"}
    assert len(result_titles(body)) == 4
    body = get(client, "/datasets?page=two", status=400)
    assert summary_links(body) == {"Page number: Must be a whole number.": None}  # no control for it
    assert len(result_titles(body)) == 4


def test_too_many_parameters_leave_only_the_search_box(client, catalogue):
    names = ("theme", "licence", "type", "access_rights", "format")
    query = urlencode([("q", "road"), ("sort", "title")] + [(name, "x") for name in names for _ in range(20)])
    body = get(client, f"/datasets?{query}", status=400)
    assert "Give at most 100 parameters (102 given)." in text_of(body)
    assert "Correct the search above" in body and result_titles(body) == []


def test_a_query_too_long_links_the_summary_to_the_search_box(client, catalogue):
    body = get(client, "/datasets?q=" + "é" * 501, status=400)
    assert '<a href="#q">Search terms: Must be 500 characters or fewer.</a>' in body
    assert re.search(r'class="govuk-input app-search__input govuk-input--error" id="q"[^>]* value=""', body)


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "'\"",
        '"road',
        "<script>alert(1)</script>",
        "ρόδος ☃ 🚗",
        "\ud7ff\ue000\U0010ffff",
        "-",
        "OR",
        "%_\\",
    ],
)
def test_any_short_query_gets_a_page(client, catalogue, q):
    body = get(client, "/datasets", query_string={"q": q})
    assert "<script>alert" not in body


@pytest.mark.parametrize("q", ["\x00", "road\x00casualties"])
def test_a_nul_character_gets_the_bad_request_page(client, catalogue, q):
    body = get(client, "/datasets", query_string={"q": q}, status=400)
    assert "Check the query parameters." in body


def test_parameters_that_are_not_the_searchs_own_are_ignored(client, catalogue):
    body = get(client, "/datasets?utm_source=newsletter&q=census&fbclid=x")
    assert result_titles(body) == ["School census"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(
        ["q", "page", "per_page", "sort", "theme", "organisation", "format", "licence", "type"]
    ),
    value=st.text(max_size=600),
)
def test_no_parameter_value_makes_a_server_error(client, catalogue, name, value):
    response = client.get("/datasets", query_string={name: value}, headers={"Accept": "text/html"})
    assert response.status_code in {200, 400}, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    if response.status_code == 400:
        body = response.get_data(as_text=True)
        assert "There is a problem" in body or "Check the query parameters." in body
