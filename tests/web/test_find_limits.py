"""The find pages take the filters the API takes, within the same bounds: values that name
something (a theme, an organisation, a format we list or one some entry the visitor may see is
in), at most MAX_FILTER_VALUES values a filter and MAX_PARAMETERS parameters a request; anything
else gets the page's error summary with status 400 (problem+json on the API). Within the bounds,
the page's size grows in step with the number of chosen values, never with its square.

(The review sent 1,300 distinct formats: 2.8 s and 23 MB; 2,300: 13.6 s and 77 MB; 5,000
repeated parameters: 61.7 s. Each remove-link repeated every other chosen value.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import requests

from marketplace.schemas.listing import MAX_FILTER_VALUES, MAX_PARAMETERS
from marketplace.search import index_root, rebuild_index
from marketplace.search.store import close_searchers
from marketplace.vocabularies import THEMES
from marketplace.vocabularies.formats import FORMATS
from marketplace.web.find import MAX_VALUE_TAGS
from tests.factories import create_user
from tests.helpers import api, assert_problem
from tests.web.finding import (
    TRANSPORT,
    Catalogue,
    add,
    build_catalogue,
    facet,
    get,
    links_of,
    query_of,
    result_titles,
)
from tests.web.pages import BROWSER_ACCEPT, title_of

# Formats we list that no entry of the test catalogue is in: choosing them changes no result.
UNUSED_FORMATS = [name for name in FORMATS if name not in {"CSV", "JSON", "XLS", "GEOJSON"}]


@pytest.fixture
def catalogue(app) -> Iterator[Catalogue]:
    yield build_catalogue()
    close_searchers()


def reindex() -> None:
    close_searchers()
    rebuild_index(index_root())


def summary_of(body: str) -> str:
    found = re.search(r'class="govuk-error-summary".*?</ul>', body, re.S)
    assert found, "the page has no error summary"
    return re.sub(r"\s+", " ", found.group(0))


def formats(count: int) -> str:
    return urlencode([("format", f"F{n:05d}") for n in range(count)])


# What the review sent ----------------------------------------------------------------------------


def test_thirteen_hundred_formats_get_the_error_summary_not_a_page_of_megabytes(live_server, catalogue):
    plain = requests.get(f"{live_server}/datasets", headers={"Accept": BROWSER_ACCEPT}, timeout=30)
    query = formats(1300)
    response = requests.get(f"{live_server}/datasets?{query}", headers={"Accept": BROWSER_ACCEPT}, timeout=30)
    assert response.status_code == 400
    assert title_of(response.text).startswith("Error: ")
    assert f"Format: Give at most {MAX_FILTER_VALUES} values (1,300 given)." in summary_of(response.text)
    # Before: 23 MB. Now the page without results, and the address once (the sign-in link's
    # "next", percent-encoded).
    assert len(response.content) < len(plain.content) + 2 * len(query)


def test_five_thousand_repeated_parameters_get_the_error_summary(live_server, catalogue):
    plain = requests.get(f"{live_server}/datasets", headers={"Accept": BROWSER_ACCEPT}, timeout=30)
    query = urlencode([("format", "CSV")] * 5000)
    response = requests.get(f"{live_server}/datasets?{query}", headers={"Accept": BROWSER_ACCEPT}, timeout=30)
    assert response.status_code == 400
    assert f"Format: Give at most {MAX_FILTER_VALUES} values (5,000 given)." in summary_of(response.text)
    assert len(response.content) < len(plain.content) + 2 * len(query)


@pytest.mark.parametrize(
    ("query", "field"),
    [(formats(1300), "format"), (urlencode([("format", "CSV")] * 5000), "format")],
    ids=["distinct formats", "repeated parameters"],
)
def test_the_api_refuses_the_same_input_naming_the_field(live_server, catalogue, query, field):
    response = requests.get(f"{live_server}/api/v1/datasets?{query}", timeout=30)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]


# The bounds --------------------------------------------------------------------------------------


def test_a_filter_takes_up_to_its_bound_of_values_and_no_more(client, catalogue):
    allowed = ",".join([*UNUSED_FORMATS[: MAX_FILTER_VALUES - 1], "CSV"])
    assert result_titles(get(client, f"/datasets?format={allowed}")) == ["Road casualties", "School census"]
    body = get(client, f"/datasets?format={allowed},XLS", status=400)
    assert f"Format: Give at most {MAX_FILTER_VALUES} values ({MAX_FILTER_VALUES + 1} given)." in summary_of(
        body
    )
    # The filter is left out and the rest searched, as for any bad filter value.
    assert len(result_titles(body)) > 2 and "app-filter-tag" not in body


@pytest.mark.parametrize("name", ["organisation", "theme", "licence", "access_rights", "status"])
def test_every_filter_has_the_same_bound_counted_before_its_values_are_looked_up(client, catalogue, name):
    query = urlencode([(name, f"nothing-{n}") for n in range(MAX_FILTER_VALUES + 1)])
    body = get(client, f"/datasets?{query}", status=400)
    # One message for the whole filter, not one for each unknown value.
    assert f"Give at most {MAX_FILTER_VALUES} values" in summary_of(body)
    assert "nothing-0" not in summary_of(body)
    api(client, "GET", f"/api/v1/datasets?{query}", status=400)


def test_comma_separated_values_count_as_values(client, catalogue):
    query = "format=" + ",".join(["CSV"] * (MAX_FILTER_VALUES + 1))
    assert "Give at most" in summary_of(get(client, f"/datasets?{query}", status=400))


def test_the_parameter_bound_counts_every_parameter_the_search_reads(client, catalogue):
    # Each filter within its own bound, 100 parameters in all.
    allowed = (
        [("q", "road")]
        + [("theme", theme) for theme in THEMES]
        + [("format", f) for f in UNUSED_FORMATS[:MAX_FILTER_VALUES]]
        + [("access_rights", "OPEN")] * MAX_FILTER_VALUES
        + [("type", "dataset")] * MAX_FILTER_VALUES
        + [("freshness", "fresh")] * MAX_FILTER_VALUES
        + [("quality", "good")] * 6
    )
    assert len(allowed) == MAX_PARAMETERS
    get(client, f"/datasets?{urlencode(allowed)}")
    api(client, "GET", f"/api/v1/datasets?{urlencode(allowed)}", status=200)
    one_more = urlencode([*allowed, ("sort", "title")])
    body = get(client, f"/datasets?{one_more}", status=400)
    assert f"Give at most {MAX_PARAMETERS} parameters ({MAX_PARAMETERS + 1:,} given)" in summary_of(body)
    assert_problem(api(client, "GET", f"/api/v1/datasets?{one_more}", status=400), "_schema")


def test_parameters_that_are_not_the_searchs_own_do_not_count_on_the_page(client, catalogue):
    # A link with tracking parameters still works (the API refuses what it does not know).
    query = urlencode([("utm_source", "x")] * (MAX_PARAMETERS + 1) + [("q", "census")])
    assert result_titles(get(client, f"/datasets?{query}")) == ["School census"]


def test_repeated_values_are_one_choice(client, catalogue):
    body = get(client, "/datasets?format=CSV&format=csv&format=CSV,csv&theme=education&theme=education")
    tags = re.findall(r'class="govuk-link app-filter-tag" href="([^"]*)"', body)
    assert len(tags) == 2
    assert set(links_of(body, "app-filter-tag")) == {
        "Remove filter Format: CSV",
        "Remove filter Theme: Education",
    }
    listed = api(client, "GET", "/api/v1/datasets?format=csv,CSV&format=Csv", status=200).get_json()
    assert {item["title"] for item in listed["items"]} == {"Road casualties", "School census"}


def test_an_organisation_page_has_the_same_bounds(client, catalogue):
    body = get(
        client, f"/organisations/department-for-transport?{formats(MAX_FILTER_VALUES + 1)}", status=400
    )
    assert "Format: Give at most" in summary_of(body)


# Values must name something ----------------------------------------------------------------------


def test_a_format_nobody_uses_and_we_do_not_list_is_refused(client, catalogue):
    body = get(client, "/datasets?format=NOSUCHFORMAT", status=400)
    assert "Format: There are no entries in the format NOSUCHFORMAT." in summary_of(body)
    problem = assert_problem(api(client, "GET", "/api/v1/datasets?format=NOSUCHFORMAT", status=400), "format")
    assert problem["errors"]["format"] == ["There are no entries in the format NOSUCHFORMAT."]


def test_a_format_we_list_is_taken_even_when_no_entry_is_in_it(client, catalogue):
    assert result_titles(get(client, "/datasets?format=avro")) == []


def test_a_format_we_do_not_list_is_taken_when_an_entry_is_in_it(client, catalogue):
    add(
        catalogue.defra,
        "Sea temperature grids",
        distributions=[{"title": "Grids", "download_url": "https://data.gov.uk/sst.nc", "format": "NetCDF"}],
    )
    reindex()
    assert result_titles(get(client, "/datasets?format=netcdf")) == ["Sea temperature grids"]
    listed = api(client, "GET", "/api/v1/datasets?format=NETCDF", status=200).get_json()
    assert [item["title"] for item in listed["items"]] == ["Sea temperature grids"]


def test_a_format_only_a_hidden_draft_is_in_is_refused_as_if_nobody_used_it(client, signed_in, catalogue):
    # Otherwise the answer (refused or not) would tell anyone what a hidden draft holds.
    add(
        catalogue.defra,
        "Unreleased survey",
        status="draft",
        distributions=[{"title": "Survey", "download_url": "https://data.gov.uk/s.sav", "format": "SAV"}],
    )
    reindex()
    anonymous = get(client, "/datasets?format=SAV&status=draft", status=400)
    assert "Format: There are no entries in the format SAV." in summary_of(anonymous)
    assert_problem(api(client, "GET", "/api/v1/datasets?format=SAV", status=400), "format")
    owner = signed_in(
        create_user(email="pat@defra.gov.uk", organisation=catalogue.defra, roles=("publisher",))
    )
    assert result_titles(get(owner, "/datasets?format=SAV&status=draft")) == ["Unreleased survey"]


# The page grows in step with the chosen values ---------------------------------------------------


def many_choices() -> list[tuple[str, str]]:
    """Every theme and MAX_FILTER_VALUES formats: more values than fit the page as single tags."""
    return [("theme", theme) for theme in THEMES] + [
        ("format", f) for f in UNUSED_FORMATS[:MAX_FILTER_VALUES]
    ]


def test_past_the_single_tags_each_filter_is_one_tag_that_removes_all_its_values(client, catalogue):
    chosen = many_choices()
    assert len(chosen) > MAX_VALUE_TAGS
    body = get(client, f"/datasets?q=road&{urlencode(chosen)}&sort=title")
    tags = links_of(body, "app-filter-tag")
    assert [text.split(":")[0] for text in tags] == ["Remove filters Theme", "Remove filters Format"]
    without_formats = next(href for text, href in tags.items() if text.startswith("Remove filters Format"))
    assert query_of(without_formats) == [("q", "road"), *[("theme", t) for t in THEMES], ("sort", "title")]
    assert ", ".join(UNUSED_FORMATS[:MAX_FILTER_VALUES]) in next(iter(reversed(tags)))
    # Each format can still be unticked on its own.
    checked = {label.split(" (")[0] for label, state in facet(body, "format").items() if state}
    assert checked == set(UNUSED_FORMATS[:MAX_FILTER_VALUES])


def test_each_chosen_value_is_written_a_bounded_number_of_times(client, catalogue):
    # With a remove-link for each value, every value was written once in every other value's
    # link: the page grew with the square of the number of values.
    value = UNUSED_FORMATS[0]
    few = get(
        client, f"/datasets?{urlencode([('format', value), ('theme', TRANSPORT), ('theme', 'education')])}"
    )
    many = get(client, f"/datasets?{urlencode(many_choices())}")
    assert many.count(f"format={value}") <= few.count(f"format={value}") + 2
    assert len(many) - len(few) < 30 * 1024


def test_up_to_the_single_tags_each_value_has_its_own_remove_link(client, catalogue):
    chosen = many_choices()[:MAX_VALUE_TAGS]
    tags = links_of(get(client, f"/datasets?{urlencode(chosen)}"), "app-filter-tag")
    assert len(tags) == MAX_VALUE_TAGS
    assert all(text.startswith("Remove filter Theme: ") for text in tags)
