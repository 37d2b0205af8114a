"""Listing entries: filters, word search, sorting and paging; and the organisation and licence lists."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import OGL, create_dataset, create_organisation, create_token, create_user
from tests.helpers import api, assert_problem

DATASETS = "/api/v1/datasets"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def add(organisation, title: str, *, formats: tuple[str, ...] = ("text/csv",), **fields):
    """An entry whose text says only what the test gives it, so word searches match on purpose."""
    distributions = [
        {
            "title": f"{title} ({media_type})",
            "download_url": f"https://data.gov.uk/{n}",
            "media_type": media_type,
        }
        for n, media_type in enumerate(formats)
    ]
    defaults = {"summary": None, "description": "Figures.", "keywords": [], "distributions": distributions}
    return create_dataset(organisation=organisation, title=title, **{**defaults, **fields})


@pytest.fixture
def token(app) -> str:
    """A signed-in reader's token (who sees every published entry); the catalogue below is made too."""
    dft = create_organisation()
    dfe = create_organisation(
        slug="department-for-education", title="Department for Education", abbreviation="DfE"
    )
    defra = create_organisation(
        slug="department-for-environment-food-rural-affairs",
        title="Department for Environment, Food & Rural Affairs",
        abbreviation="Defra",
    )
    create_organisation(slug="ofsted", title="Ofsted", abbreviation="Ofsted")
    transport = ["transport-and-infrastructure"]
    add(dft, "Road casualties", themes=transport, keywords=["road safety"], modified="2025-09-01")
    add(
        dft,
        "Rail passenger numbers",
        themes=transport,
        formats=("application/vnd.ms-excel",),
        licence=CC_BY,
        summary="Passenger journeys by rail.",
        modified="2025-06-01",
    )
    add(
        dfe,
        "School census",
        themes=["education"],
        formats=("text/csv", "application/json"),
        description="Pupils in schools in England.",
        modified="2025-03-01",
    )
    add(
        defra,
        "bathing water quality",
        themes=["environment-and-nature", "health-and-care"],
        formats=("application/geo+json",),
        access_rights="INTERNAL",
        modified="2024-12-01",
    )
    add(
        dft,
        "Road traffic API",
        type="data_service",
        distributions=[],
        themes=transport,
        endpoint_url="https://roadtraffic.dft.gov.uk/api",
        modified="2025-01-01",
    )
    add(dft, "Unpublished road plans", status="draft", themes=transport)
    reader = create_user(email="carol@cabinetoffice.gov.uk", roles=())
    return create_token(user=reader)


def titles(client, query: str, token: str | None = None) -> list[str]:
    body = api(client, "GET", f"{DATASETS}?{query}", status=200, token=token).get_json()
    assert body["total"] == len(body["items"]) or body["per_page"] < body["total"]
    return [item["title"] for item in body["items"]]


# Filters ---------------------------------------------------------------------------------------

FILTERS = [
    ("organisation=department-for-education", {"School census"}),
    (
        "organisation=department-for-transport",
        {"Road casualties", "Rail passenger numbers", "Road traffic API"},
    ),
    (
        "organisation=department-for-education&organisation=department-for-environment-food-rural-affairs",
        {"School census", "bathing water quality"},
    ),
    (
        "organisation=department-for-education,department-for-environment-food-rural-affairs",
        {"School census", "bathing water quality"},
    ),
    ("organisation=ofsted", set()),
    ("theme=education", {"School census"}),
    ("theme=education&theme=health-and-care", {"School census", "bathing water quality"}),
    ("theme=education,health-and-care", {"School census", "bathing water quality"}),
    ("format=csv", {"Road casualties", "School census"}),
    ("format=JSON", {"School census"}),
    ("format=XLS,geojson", {"Rail passenger numbers", "bathing water quality"}),
    ("format=XLS&format=geojson", {"Rail passenger numbers", "bathing water quality"}),
    ("licence=CC-BY-4.0", {"Rail passenger numbers"}),
    (f"licence={CC_BY}", {"Rail passenger numbers"}),
    ("access_rights=INTERNAL", {"bathing water quality"}),
    (
        "access_rights=INTERNAL,OPEN",
        {
            "Road casualties",
            "Rail passenger numbers",
            "School census",
            "bathing water quality",
            "Road traffic API",
        },
    ),
    ("type=data_service", {"Road traffic API"}),
    ("type=dataset&organisation=department-for-transport", {"Road casualties", "Rail passenger numbers"}),
    (
        "organisation=department-for-transport&theme=transport-and-infrastructure&format=csv",
        {"Road casualties"},
    ),
    ("organisation=department-for-education&theme=transport-and-infrastructure", set()),
    ("theme=transport-and-infrastructure&licence=OGL-UK-3.0", {"Road casualties", "Road traffic API"}),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[q for q, _ in FILTERS])
def test_filters_or_within_a_filter_and_and_across_filters(client, token, query, expected):
    assert set(titles(client, query, token)) == expected


def test_the_licence_filter_takes_the_uri_the_id_or_the_ckan_id(client, token):
    for licence in (OGL, "OGL-UK-3.0", "uk-ogl"):
        assert len(titles(client, f"licence={licence}", token)) == 4


def test_filters_apply_the_callers_visibility(client, token):
    assert titles(client, "theme=health-and-care") == []
    assert titles(client, "theme=health-and-care", token) == ["bathing water quality"]
    assert titles(client, "status=draft", token) == []


# Words -----------------------------------------------------------------------------------------

SEARCHES = [
    ("q=casualties", {"Road casualties"}),
    ("q=CASUALTIES", {"Road casualties"}),
    ("q=journeys", {"Rail passenger numbers"}),
    ("q=pupils", {"School census"}),
    ("q=safety", {"Road casualties"}),
    ("q=road", {"Road casualties", "Road traffic API"}),
    ("q=road+casualties", {"Road casualties"}),
    ("q=road+pupils", set()),
    ("q=census+england", {"School census"}),
    (
        "q=++",
        {
            "Road casualties",
            "Rail passenger numbers",
            "School census",
            "bathing water quality",
            "Road traffic API",
        },
    ),
]


@pytest.mark.parametrize(("query", "expected"), SEARCHES, ids=[q for q, _ in SEARCHES])
def test_q_matches_every_word_in_title_summary_description_or_keywords(client, token, query, expected):
    assert set(titles(client, query, token)) == expected


def test_percent_and_underscore_in_q_are_matched_literally(client, token):
    organisation = create_organisation(slug="ofsted", title="Ofsted")
    for title in (
        "Renewables at 100% of demand",
        "Renewables at 100 of demand",
        "Table_1 extract",
        "Table 1 extract",
        "Tablex1 extract",
    ):
        add(organisation, title)
    assert titles(client, "q=100%25") == ["Renewables at 100% of demand"]
    assert titles(client, "q=%25") == ["Renewables at 100% of demand"]
    assert titles(client, "q=table_1") == ["Table_1 extract"]
    assert titles(client, "q=_") == ["Table_1 extract"]
    assert titles(client, "q=%5C") == []


# Sorting ---------------------------------------------------------------------------------------


def test_sort_by_title_ignores_case(client, token):
    assert titles(client, "sort=title", token) == [
        "bathing water quality",
        "Rail passenger numbers",
        "Road casualties",
        "Road traffic API",
        "School census",
    ]


def test_the_default_order_and_sort_updated_put_the_most_recently_modified_first(client, token):
    expected = ["Road casualties", "Rail passenger numbers", "School census", "Road traffic API"]
    expected.append("bathing water quality")
    assert titles(client, "", token) == expected
    assert titles(client, "sort=updated", token) == expected
    assert titles(client, "q=road&sort=updated", token) == ["Road casualties", "Road traffic API"]


def test_sort_by_relevance_puts_title_matches_first(client, token):
    organisation = create_organisation(slug="ofsted", title="Ofsted")
    add(
        organisation,
        "Inspection outcomes",
        description="Traffic-light ratings of schools.",
        modified="2025-10-01",
    )
    assert titles(client, "q=traffic", token) == ["Road traffic API", "Inspection outcomes"]
    assert titles(client, "q=traffic&sort=relevance", token) == ["Road traffic API", "Inspection outcomes"]
    assert titles(client, "q=traffic&sort=updated", token) == ["Inspection outcomes", "Road traffic API"]


# Paging ----------------------------------------------------------------------------------------


def _page_of(link: str | None) -> int | None:
    if link is None:
        return None
    query = parse_qs(urlsplit(link).query)
    assert query["per_page"] == ["2"]
    return int(query["page"][0])


def test_pages_carry_the_total_and_links_to_self_first_last_next_and_prev(client, token):
    seen = []
    expected_links = [(1, 1, 3, 2, None), (2, 1, 3, 3, 1), (3, 1, 3, None, 2)]
    for page, links in enumerate(expected_links, start=1):
        body = api(client, "GET", f"{DATASETS}?per_page=2&page={page}", status=200, token=token).get_json()
        assert (body["total"], body["page"], body["per_page"]) == (5, page, 2)
        got = body["links"]
        assert tuple(_page_of(got[name]) for name in ("self", "first", "last", "next", "prev")) == links
        seen += [item["title"] for item in body["items"]]
    assert len(seen) == len(set(seen)) == 5


def test_page_links_keep_the_filters(client, token):
    query = "theme=transport-and-infrastructure&sort=title&per_page=2"
    body = api(client, "GET", f"{DATASETS}?{query}", status=200, token=token).get_json()
    assert body["total"] == 3
    following = api(client, "GET", body["links"]["next"], status=200, token=token).get_json()
    assert [item["title"] for item in following["items"]] == ["Road traffic API"]
    assert following["links"]["next"] is None
    args = parse_qs(urlsplit(following["links"]["self"]).query)
    assert args["theme"] == ["transport-and-infrastructure"] and args["sort"] == ["title"]


def test_an_empty_list_has_one_page(client, app):
    body = api(client, "GET", DATASETS, status=200).get_json()
    assert (body["items"], body["total"]) == ([], 0)
    assert body["links"]["next"] is None and body["links"]["prev"] is None
    assert parse_qs(urlsplit(body["links"]["last"]).query)["page"] == ["1"]


# Organisations and licences --------------------------------------------------------------------


def test_organisations_are_listed_by_title_with_the_entries_each_caller_can_see(client, token):
    anonymous = api(client, "GET", "/api/v1/organisations", status=200).get_json()
    assert [item["slug"] for item in anonymous["items"]] == [
        "department-for-education",
        "department-for-environment-food-rural-affairs",
        "department-for-transport",
        "ofsted",
    ]
    assert anonymous["total"] == 4
    assert [item["dataset_count"] for item in anonymous["items"]] == [1, 0, 3, 0]
    signed_in = api(client, "GET", "/api/v1/organisations", status=200, token=token).get_json()
    assert [item["dataset_count"] for item in signed_in["items"]] == [1, 1, 3, 0]
    dft = anonymous["items"][2]
    assert dft["title"] == "Department for Transport" and dft["abbreviation"] == "DfT"
    assert dft["links"]["datasets"].endswith("/api/v1/datasets?organisation=department-for-transport")


def test_an_organisation_is_shown_by_its_slug(client, token):
    body = api(client, "GET", "/api/v1/organisations/department-for-transport", status=200).get_json()
    assert (body["slug"], body["title"], body["dataset_count"]) == (
        "department-for-transport",
        "Department for Transport",
        3,
    )
    assert body["links"]["self"].endswith("/api/v1/organisations/department-for-transport")


def test_an_unknown_organisation_is_404_problem(client, token):
    response = api(client, "GET", "/api/v1/organisations/department-of-magic", status=404)
    assert "department-of-magic" in assert_problem(response)["detail"]


def test_licences_lists_each_licence_with_its_uri_title_and_openness(client, app):
    body = api(client, "GET", "/api/v1/licences", status=200).get_json()
    by_id = {item["id"]: item for item in body["items"]}
    assert body["total"] == len(body["items"]) == len(by_id)
    assert by_id["OGL-UK-3.0"] == {
        "id": "OGL-UK-3.0",
        "uri": OGL,
        "title": "Open Government Licence v3.0",
        "is_open": True,
    }
    assert by_id["DATA_SHARE_AGREEMENT"]["is_open"] is False
