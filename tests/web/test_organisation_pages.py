"""The organisations: the list with the visitor's counts, and each organisation's page with its
entries, searchable and paged."""

from __future__ import annotations

import re

import pytest

from marketplace.search.store import close_searchers
from tests.factories import create_user
from tests.web.finding import add, build_catalogue, link_to, query_of, result_titles, text_of
from tests.web.pages import TITLE_SUFFIX, h1_of, page, title_of

DFT = "/organisations/department-for-transport"


@pytest.fixture
def catalogue(app):
    yield build_catalogue()
    close_searchers()


def rows_of(body: str) -> list[list[str]]:
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S)
    return [[text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def get(client, path: str, status: int = 200) -> str:
    return page(client, path, status=status).get_data(as_text=True)


def test_the_list_shows_every_organisation_with_the_entries_an_anonymous_visitor_may_see(client, catalogue):
    body = get(client, "/organisations")
    assert title_of(body) == "Organisations" + TITLE_SUFFIX
    assert h1_of(body) == "Organisations"
    assert rows_of(body) == [
        ["Organisation", "Type", "Entries"],
        ["Department for Education", "Ministerial department", "1"],
        ["Department for Environment, Food & Rural Affairs", "Ministerial department", "0"],
        ["Department for Transport", "Ministerial department", "3"],
    ]
    assert f'<a class="govuk-link" href="{DFT}">Department for Transport</a>' in body


def test_signed_in_visitors_count_every_published_entry(signed_in, catalogue):
    client = signed_in(create_user(email="carol@cabinetoffice.gov.uk", roles=()))
    rows = rows_of(get(client, "/organisations"))
    assert ["Department for Environment, Food & Rural Affairs", "Ministerial department", "1"] in rows


def test_an_organisations_page_lists_its_entries(client, catalogue):
    body = get(client, DFT)
    assert title_of(body) == "Department for Transport" + TITLE_SUFFIX
    assert h1_of(body) == "Department for Transport (DfT)"
    assert "Ministerial department" in body and "3 published entries you can see." in text_of(body)
    assert result_titles(body) == ["Road casualties", "Rail passenger numbers", "Road traffic counts API"]
    assert link_to(body, "Filter them in Find data") == "/datasets?organisation=department-for-transport"
    assert link_to(body, "Organisations") == "/organisations"


def test_the_search_box_searches_only_that_organisations_entries(client, catalogue):
    body = get(client, f"{DFT}?q=road")
    assert f'<form method="get" action="{DFT}" novalidate>' in body
    assert result_titles(body) == ["Road casualties", "Road traffic counts API"]
    assert result_titles(get(client, f"{DFT}?q=census")) == []
    # Another organisation in the address does not widen the page.
    assert result_titles(get(client, f"{DFT}?organisation=department-for-education")) == [
        "Road casualties",
        "Rail passenger numbers",
        "Road traffic counts API",
    ]


def test_the_organisations_entries_are_paged_keeping_the_search(client, catalogue):
    for n in range(3):
        add(catalogue.dft, f"Road survey {n}", summary="Roads surveyed.", modified=f"2020-01-0{n + 1}")
    body = get(client, f"{DFT}?q=road&sort=title&per_page=2")
    assert "5 results" in text_of(body)
    assert result_titles(body) == ["Road casualties", "Road survey 0"]
    last = link_to(body, "3")
    assert last.startswith(DFT + "?") and query_of(last) == [
        ("q", "road"),
        ("sort", "title"),
        ("per_page", "2"),
        ("page", "3"),
    ]
    assert result_titles(get(client, last)) == ["Road traffic counts API"]


def test_drafts_and_entries_that_are_not_open_are_not_listed_for_anonymous_visitors(client, catalogue):
    assert "Secret road plans" not in get(client, DFT)
    body = get(client, "/organisations/department-for-environment-food-rural-affairs")
    assert result_titles(body) == [] and "Bathing" not in body
    assert "0 published entries you can see." in text_of(body)


def test_an_unknown_organisation_is_not_found(client, catalogue):
    body = get(client, "/organisations/no-such-department", status=404)
    assert title_of(body) == "Page not found" + TITLE_SUFFIX


def test_a_bad_parameter_on_an_organisations_page_gets_an_error_summary(client, catalogue):
    body = get(client, f"{DFT}?page=0", status=400)
    assert title_of(body).startswith("Error: Department for Transport")
    assert "Page number: Must be 1 or more." in body


@pytest.mark.parametrize(
    ("roles", "organisation", "shown"),
    [
        (("org_admin",), "dft", True),
        (("publisher",), "dft", False),
        (("member",), "dft", False),
        (("org_admin",), "dfe", False),
    ],
)
def test_people_and_roles_is_linked_only_for_the_organisations_admins(
    signed_in, catalogue, roles, organisation, shown
):
    user = create_user(email="sam@dft.gov.uk", organisation=catalogue.dft, roles=roles)
    slug = getattr(catalogue, organisation).slug
    body = get(signed_in(user), f"/organisations/{slug}")
    assert (f'href="/organisations/{slug}/people"' in body) is shown
    assert ("People and roles" in body) is shown


def test_anonymous_visitors_get_no_people_and_roles_link(client, catalogue):
    assert "People and roles" not in get(client, DFT)
