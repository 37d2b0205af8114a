"""The find page: searching, filtering, sorting and paging with a plain GET form, as each visitor
may see the catalogue; and every bad parameter answered with a page that says what is wrong."""

from __future__ import annotations

import html as html_lib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.models import Organisation
from marketplace.search import index_root, rebuild_index
from marketplace.search.store import close_searchers
from marketplace.services.catalogue import Page
from marketplace.web.find import Search
from tests.factories import create_dataset, create_organisation, create_user
from tests.web.pages import TITLE_SUFFIX, h1_of, page, scripts_of, title_of

CC_BY = "https://creativecommons.org/licenses/by/4.0/"
TRANSPORT = "transport-and-infrastructure"


@dataclass
class Catalogue:
    dft: Organisation
    dfe: Organisation
    defra: Organisation


def add(organisation: Organisation, title: str, *, formats: tuple[str, ...] = ("text/csv",), **fields):
    """An entry whose words are only those the test gives it, so searches match on purpose."""
    distributions = [
        {
            "title": f"{title} ({media_type})",
            "download_url": f"https://data.gov.uk/{n}",
            "media_type": media_type,
        }
        for n, media_type in enumerate(formats)
    ]
    defaults = {"description": "Figures.", "keywords": [], "distributions": distributions}
    return create_dataset(organisation=organisation, title=title, **{**defaults, **fields})


def build_catalogue(*, index: bool = True) -> Catalogue:
    """Four OPEN published entries, one INTERNAL, one draft; indexed unless `index` is false."""
    dft = create_organisation()
    dfe = create_organisation(
        slug="department-for-education", title="Department for Education", abbreviation="DfE"
    )
    defra = create_organisation(
        slug="department-for-environment-food-rural-affairs",
        title="Department for Environment, Food & Rural Affairs",
        abbreviation="Defra",
    )
    add(
        dft,
        "Road casualties",
        summary="Casualties in reported road collisions.",
        themes=[TRANSPORT],
        modified="2025-09-01",
    )
    add(
        dft,
        "Rail passenger numbers",
        summary="Passenger journeys by rail.",
        themes=[TRANSPORT],
        formats=("application/vnd.ms-excel",),
        licence=CC_BY,
        modified="2025-06-01",
    )
    add(
        dfe,
        "School census",
        summary="Pupils in schools in England.",
        themes=["education"],
        formats=("text/csv", "application/json"),
        modified="2025-03-01",
    )
    add(
        defra,
        "Bathing water quality",
        summary="Bathing water samples at beaches.",
        themes=["environment-and-nature", "health-and-care"],
        formats=("application/geo+json",),
        access_rights="INTERNAL",
        modified="2024-12-01",
    )
    add(
        dft,
        "Road traffic counts API",
        summary="Traffic counts on major roads.",
        type="data_service",
        distributions=[],
        endpoint_url="https://roadtraffic.dft.gov.uk/api",
        themes=[TRANSPORT],
        modified="2025-01-01",
    )
    add(dft, "Secret road plans", summary="Road plans not yet published.", status="draft", themes=[TRANSPORT])
    if index:
        rebuild_index(index_root())
    return Catalogue(dft, dfe, defra)


@pytest.fixture
def catalogue(app) -> Iterator[Catalogue]:
    yield build_catalogue()
    close_searchers()


@pytest.fixture
def reader(signed_in):
    """A client signed in as someone with no roles: they see every published entry."""
    return signed_in(create_user(email="carol@cabinetoffice.gov.uk", roles=()))


@pytest.fixture
def anonymous(app):
    """A client of its own that nobody signs in (`signed_in` signs in the `client` fixture)."""
    return app.test_client()


# Reading the page --------------------------------------------------------------------------------


def quoted(text: str) -> str:
    """`text` in the curly quotes the pages use."""
    return f"\N{LEFT SINGLE QUOTATION MARK}{text}\N{RIGHT SINGLE QUOTATION MARK}"


def text_of(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def result_titles(body: str) -> list[str]:
    return [text_of(t) for t in re.findall(r'class="govuk-heading-s app-result__title">(.*?)</h', body, re.S)]


class _Controls(HTMLParser):
    """Every form control with its attributes, and every label with the text it says."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labels: dict[str, str] = {}
        self._label: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"input", "select", "textarea"}:
            self.controls.append({"tag": tag, **dict(attrs)})
        if tag == "label":
            self._label, self._text = dict(attrs).get("for"), []

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label is not None:
            self.labels[self._label] = " ".join("".join(self._text).split())
            self._label = None


def controls_of(body: str) -> _Controls:
    parser = _Controls()
    parser.feed(body)
    return parser


def facet(body: str, name: str) -> dict[str, str]:
    """The checkboxes of one facet: {label with count: "checked" or ""}."""
    parsed = controls_of(body)
    return {
        parsed.labels[c["id"]]: "checked" if "checked" in c else ""
        for c in parsed.controls
        if c.get("type") == "checkbox" and c.get("name") == name
    }


def links_of(body: str, css_class: str) -> dict[str, str]:
    """{link text: href} for the links with `css_class`."""
    found = re.findall(rf'<a class="govuk-link {css_class}" href="([^"]*)">(.*?)</a>', body, re.S)
    return {text_of(text): html_lib.unescape(href) for href, text in found}


def link_to(body: str, text: str) -> str:
    for href, inner in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', body, re.S):
        if text_of(inner) == text:
            return html_lib.unescape(href)
    raise AssertionError(f"no link saying {text!r}")


def query_of(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query)


def get(client, path: str, status: int = 200, **kwargs) -> str:
    return page(client, path, status=status, **kwargs).get_data(as_text=True)


# Searching ---------------------------------------------------------------------------------------


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


# Filters -----------------------------------------------------------------------------------------


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


# Sorting and paging ------------------------------------------------------------------------------


def options_of(body: str) -> list[tuple[str, str, bool]]:
    found = re.findall(r'<option value="(\w*)"( selected)?>(.*?)</option>', body, re.S)
    return [(value, " ".join(text.split()), bool(selected)) for value, selected, text in found]


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


# Visibility --------------------------------------------------------------------------------------


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


# Bad parameters ----------------------------------------------------------------------------------

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


def summary_links(body: str) -> dict[str, str | None]:
    """{message: the href it links to, or None} in the error summary."""
    items = re.findall(
        r"<li>(.*?)</li>", re.search(r'govuk-error-summary__list">(.*?)</ul>', body, re.S).group(1), re.S
    )
    found = {}
    for item in items:
        link = re.search(r'<a href="([^"]+)">(.*?)</a>', item, re.S)
        found[text_of(link.group(2) if link else item)] = link.group(1) if link else None
    return found


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


# The form and its script -------------------------------------------------------------------------


def test_every_control_has_a_label_and_headings_go_in_order(client, catalogue):
    body = get(client, "/datasets?q=road&theme=education")
    parsed = controls_of(body)
    for control in parsed.controls:
        if control.get("type") != "hidden":
            assert parsed.labels.get(control.get("id")), f"no label for {control}"
    levels = [int(n) for n in re.findall(r"<h([1-6])", body)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_the_form_submits_with_get_to_the_find_page(client, catalogue):
    body = get(client, "/datasets")
    assert '<form method="get" action="/datasets" novalidate>' in body
    assert "Apply filters" in body


def test_the_completion_script_and_its_library_are_served_and_loaded_as_modules(client, catalogue):
    body = get(client, "/datasets")
    assert {"type": "module", "src": "/assets/search.js"} in scripts_of(body)
    assert 'href="/assets/accessible-autocomplete/accessible-autocomplete.min.css"' in body
    assert 'data-app-suggest="/api/v1/suggest"' in body
    script = client.get("/assets/search.js")
    assert script.status_code == 200 and script.mimetype in {"text/javascript", "application/javascript"}
    source = script.get_data(as_text=True)
    assert 'import "./accessible-autocomplete/accessible-autocomplete.min.js";' in source
    assert "window.accessibleAutocomplete(" in source
    library = client.get("/assets/accessible-autocomplete/accessible-autocomplete.min.js")
    assert library.status_code == 200 and b"accessibleAutocomplete" in library.data
    stylesheet = client.get("/assets/accessible-autocomplete/accessible-autocomplete.min.css")
    assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"
    for response in (script, library, stylesheet):
        response.close()


def test_the_suggestions_the_script_asks_for_are_titles_the_visitor_may_see(anonymous, reader, catalogue):
    assert anonymous.get("/api/v1/suggest?q=ba").get_json()["items"] == []
    assert reader.get("/api/v1/suggest?q=ba").get_json()["items"] == [
        {"title": "Bathing water quality", "slug": "bathing-water-quality"}
    ]
