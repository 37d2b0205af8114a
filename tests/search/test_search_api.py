"""GET /api/v1/datasets and /api/v1/suggest answered by the search index: facets, sorting, paging,
highlights, suggestions, title completion; changes searchable at once; and the database
answering alone, with the same entries, when there is no index."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from marketplace.services.datasets import withdraw_dataset
from tests.factories import (
    ADMIN,
    OGL,
    create_dataset,
    create_organisation,
    create_token,
    create_user,
    valid_entry,
)
from tests.helpers import api, assert_problem
from tests.search.searching import DATASETS, search, slugs

CC_BY = "https://creativecommons.org/licenses/by/4.0/"
FACETS = ("organisation", "theme", "format", "licence", "access_rights", "type", "quality", "freshness")
TRANSPORT = ["transport-and-infrastructure"]


def add(organisation, title: str, *, media_types: tuple[str, ...] = ("text/csv",), **fields):
    distributions = [
        {"title": f"{title} {n}", "download_url": f"https://data.gov.uk/{n}", "media_type": media_type}
        for n, media_type in enumerate(media_types)
    ]
    defaults = {"summary": None, "description": "Figures.", "keywords": [], "distributions": distributions}
    return create_dataset(organisation=organisation, title=title, **{**defaults, **fields})


def reindex(runner) -> None:
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def catalogue(app) -> None:
    """Seven published entries over three departments (one INTERNAL), a draft and a withdrawn one."""
    dft = create_organisation()
    dfe = create_organisation(
        slug="department-for-education", title="Department for Education", abbreviation="DfE"
    )
    defra = create_organisation(
        slug="department-for-environment-food-rural-affairs",
        title="Department for Environment, Food & Rural Affairs",
        abbreviation="Defra",
    )
    add(dft, "Road casualties", themes=TRANSPORT, keywords=["road safety"], modified="2025-09-01")
    add(
        dft,
        "Rail passenger numbers",
        themes=TRANSPORT,
        media_types=("application/vnd.ms-excel",),
        licence=CC_BY,
        summary="Passenger journeys by rail and road replacement bus.",
        modified="2025-06-01",
    )
    add(
        dfe,
        "School census",
        themes=["education"],
        media_types=("text/csv", "application/json"),
        description="Pupils in schools in England.",
        modified="2025-03-01",
    )
    add(
        dfe,
        "Road safety lessons in schools",
        themes=["education", *TRANSPORT],
        description="Which schools teach road safety, and how.",
        modified="2025-07-01",
    )
    add(
        defra,
        "Bathing water quality",
        themes=["environment-and-nature", "health-and-care"],
        media_types=("application/geo+json",),
        access_rights="INTERNAL",
        modified="2024-12-01",
    )
    add(
        dft,
        "Road traffic API",
        type="data_service",
        distributions=[],
        endpoint_url="https://roadtraffic.dft.gov.uk/api",
        themes=TRANSPORT,
        modified="2025-01-01",
    )
    add(
        dft,
        "Roadworks permits",
        themes=TRANSPORT,
        description="Street works on roads.",
        modified="2024-06-01",
    )
    add(dft, "Road building plans", status="draft", themes=TRANSPORT)
    withdrawn = add(dft, "Road safety cameras", themes=TRANSPORT)
    withdraw_dataset(ADMIN, withdrawn.slug)


@pytest.fixture
def reader(catalogue) -> str:
    return create_token(user=create_user(email="carol@cabinetoffice.gov.uk", roles=()))


@pytest.fixture
def publisher(catalogue) -> str:
    dft = create_organisation()
    return create_token(user=create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",)))


@pytest.fixture
def indexed(catalogue, runner) -> None:
    reindex(runner)


def counts(body: dict, facet: str) -> dict[str, int]:
    return {f["value"]: f["count"] for f in body["facets"][facet]}


# Facets ----------------------------------------------------------------------------------------


def test_every_facet_lists_value_label_and_count(client, indexed, reader):
    body = search(client, token=reader)
    assert set(body["facets"]) >= set(FACETS)
    for name in FACETS:
        assert body["facets"][name], name
        for facet in body["facets"][name]:
            assert set(facet) == {"value", "label", "count"}, facet
            assert isinstance(facet["label"], str) and facet["label"] and facet["count"] > 0
    labels = {f["value"]: f["label"] for f in body["facets"]["organisation"]}
    assert labels["department-for-transport"] == "Department for Transport"
    assert {f["value"]: f["label"] for f in body["facets"]["licence"]}[OGL] == "Open Government Licence v3.0"
    assert counts(body, "organisation") == {
        "department-for-transport": 4,
        "department-for-education": 2,
        "department-for-environment-food-rural-affairs": 1,
    }
    assert counts(body, "type") == {"dataset": 6, "data_service": 1}
    assert counts(body, "access_rights") == {"OPEN": 6, "INTERNAL": 1}
    assert "INTERNAL" not in counts(search(client), "access_rights")


def test_each_facet_count_is_the_total_that_choosing_it_would_give(client, indexed, reader):
    for q in (None, "road"):
        body = search(client, q, token=reader)
        for name in FACETS:
            for value, count in counts(body, name).items():
                assert search(client, q, token=reader, **{name: value})["total"] == count, (q, name, value)


def test_values_within_a_facet_or_together_and_different_facets_and(client, indexed, reader):
    def found(**params) -> set[str]:
        return set(slugs(search(client, token=reader, per_page=100, **params)))

    education, transport = found(theme="education"), found(theme="transport-and-infrastructure")
    assert found(theme="education,transport-and-infrastructure") == education | transport
    assert found(theme=["education", "transport-and-infrastructure"]) == education | transport
    dfe = found(organisation="department-for-education")
    assert (
        found(organisation="department-for-education", theme="transport-and-infrastructure")
        == dfe & transport
    )
    assert dfe & transport == {"road-safety-lessons-in-schools"}
    assert found(format="csv", type="data_service") == set()


def test_each_facet_counts_as_if_its_own_selection_were_cleared(client, indexed, reader):
    everything = search(client, "road", token=reader)
    chosen = search(client, "road", token=reader, organisation="department-for-education")
    # Other departments stay countable, so a person can widen the choice.
    assert counts(chosen, "organisation") == counts(everything, "organisation")
    assert len(counts(chosen, "organisation")) == 2
    # Every other facet counts only within the choice.
    assert counts(chosen, "theme") == {"education": 1, "transport-and-infrastructure": 1}
    both = search(client, "road", token=reader, organisation="department-for-education", theme="education")
    assert counts(both, "theme") == counts(chosen, "theme")
    assert counts(both, "organisation") == {"department-for-education": 1}


# Sorting and paging ----------------------------------------------------------------------------


def test_sort_by_relevance_updated_or_title(client, indexed):
    def titles(**params) -> list[str]:
        return [item["title"] for item in search(client, **params)["items"]]

    by_date = [
        "Road casualties",  # 2025-09-01
        "Road safety lessons in schools",  # 2025-07-01
        "Rail passenger numbers",  # 2025-06-01, "road" only in its summary
        "Road traffic API",  # 2025-01-01
        "Roadworks permits",  # 2024-06-01, "roads" only in its description
    ]
    assert titles(q="road", sort="updated") == by_date
    assert titles(q="road", sort="title") == sorted(by_date, key=str.casefold)
    relevance = titles(q="road", sort="relevance")
    assert set(relevance[:3]) == {"Road casualties", "Road safety lessons in schools", "Road traffic API"}
    assert titles(q="road") == relevance
    assert titles(q="road safety") == ["Road safety lessons in schools", "Road casualties"]
    assert titles() == titles(sort="updated")
    assert titles()[0] == "Road casualties" and titles()[-1] == "Roadworks permits"


def test_pages_cover_the_exact_total_once_with_consistent_links(client, indexed, reader):
    whole = search(client, token=reader, per_page=100)
    assert whole["total"] == len(whole["items"]) == 7
    assert whole["total"] == sum(counts(whole, "type").values())
    seen = []
    for page in (1, 2, 3):
        body = search(client, token=reader, per_page=3, page=page)
        assert (body["total"], body["page"], body["per_page"]) == (7, page, 3)
        links = {k: v and parse_qs(urlsplit(v).query) for k, v in body["links"].items()}
        assert links["self"]["page"] == [str(page)] and links["last"]["page"] == ["3"]
        assert (links["next"] or {}).get("page") == ([str(page + 1)] if page < 3 else None)
        assert (links["prev"] or {}).get("page") == ([str(page - 1)] if page > 1 else None)
        seen += slugs(body)
    assert seen == slugs(whole)
    beyond = search(client, token=reader, per_page=3, page=4)
    assert beyond["items"] == [] and beyond["total"] == 7


# Highlights and suggestions --------------------------------------------------------------------


def test_highlights_mark_the_words_and_escape_the_text(client, indexed):
    dft = create_organisation()
    add(
        dft,
        "Bridges <script>alert(1)</script> & tunnels",
        description="Inspections of <b>bridges</b> & culverts on trunk roads, by condition.",
    )
    body = search(client, "bridges")
    assert body["total"] == 1
    marked = body["items"][0]["highlights"]
    assert marked["title"] == "<mark>Bridges</mark> &lt;script&gt;alert(1)&lt;/script&gt; &amp; tunnels"
    assert "<mark>bridges</mark>" in marked["description"]
    assert "<script" not in marked["description"] and "<b>" not in marked["description"]
    assert "&amp; culverts" in marked["description"]


def test_there_is_no_suggestion_when_results_are_plentiful(client, indexed):
    body = search(client, "road")
    assert body["total"] >= 3 and body["suggestion"] is None
    misspelt = search(client, "raod")
    assert misspelt["total"] == 0 and misspelt["suggestion"] == "road"


def test_suggest_completes_titles_of_visible_published_entries(client, indexed, reader):
    add(create_organisation(), "Road castings", access_rights="INTERNAL")
    anonymous = api(client, "GET", "/api/v1/suggest?q=road%20cas", status=200).get_json()
    assert anonymous["items"] == [{"title": "Road casualties", "slug": "road-casualties"}]
    signed_in = api(client, "GET", "/api/v1/suggest?q=ROAD%20cas", status=200, token=reader).get_json()
    assert sorted(item["title"] for item in signed_in["items"]) == ["Road castings", "Road casualties"]
    # The draft "Road building plans" and the withdrawn "Road safety cameras" are never offered.
    offered = api(client, "GET", "/api/v1/suggest?q=road", status=200, token=reader).get_json()["items"]
    assert {i["title"] for i in offered} >= {"Road casualties", "Road traffic API"}
    assert not {i["title"] for i in offered} & {"Road building plans", "Road safety cameras"}


def test_suggest_refuses_a_too_long_q_with_a_problem(client, indexed):
    response = api(client, "GET", f"/api/v1/suggest?q={'a' * 201}", status=400)
    assert_problem(response, "q")


# Changes are searchable at once ----------------------------------------------------------------


def test_a_publish_through_the_api_is_searchable_straight_after_the_response(client, indexed, publisher):
    body = valid_entry(title="Cycle counts", status="published", keywords=["bicycles"])
    created = api(client, "POST", DATASETS, status=201, token=publisher, json=body).get_json()
    assert slugs(search(client, "bicycles")) == [created["slug"]]
    draft = api(client, "POST", DATASETS, status=201, token=publisher, json=valid_entry(title="Tram stops"))
    assert search(client, "tram")["total"] == 0
    path = f"{DATASETS}/{draft.get_json()['id']}"
    api(client, "PATCH", path, status=200, token=publisher, json={"status": "published"})
    assert slugs(search(client, "tram")) == ["tram-stops"]


def test_an_index_built_from_an_empty_catalogue_serves_the_first_publish(client, app, runner):
    reindex(runner)
    assert search(client)["total"] == 0
    dft = create_organisation()
    token = create_token(user=create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",)))
    body = valid_entry(title="Cycle counts", status="published")
    api(client, "POST", DATASETS, status=201, token=token, json=body)
    assert slugs(search(client, "cycle")) == ["cycle-counts"]
    assert search(client)["total"] == 1


def test_a_delete_or_a_withdrawal_leaves_search_at_once(client, indexed, publisher):
    assert search(client, "roadworks")["total"] == 1
    api(client, "DELETE", f"{DATASETS}/roadworks-permits", status=204, token=publisher)
    assert search(client, "roadworks", token=publisher)["total"] == 0
    assert search(client, "casualties")["total"] == 1
    withdraw = {"status": "withdrawn"}
    api(client, "PATCH", f"{DATASETS}/road-casualties", status=200, token=publisher, json=withdraw)
    assert search(client, "casualties", token=publisher)["total"] == 0
    everything = search(client, per_page=100, token=publisher)
    assert "road-casualties" not in slugs(everything) and everything["total"] == 5


def test_an_edited_entry_is_found_once_by_its_new_words_and_no_longer_by_its_old_ones(
    client, indexed, publisher
):
    assert search(client, "road")["total"] == 5
    rename = {"title": "Reported collisions"}
    api(client, "PATCH", f"{DATASETS}/road-casualties", status=200, token=publisher, json=rename)
    assert slugs(search(client, "collisions")) == ["road-casualties"]
    assert search(client, "casualties")["total"] == 0
    after = search(client, "road", per_page=100)
    # Still 5: its keywords say "road safety".
    assert len(slugs(after)) == len(set(slugs(after))) == after["total"] == 5
    assert sum(counts(after, "organisation").values()) == 5


# Without an index ------------------------------------------------------------------------------


def test_without_an_index_the_list_is_answered_by_the_database(client, catalogue, reader):
    body = search(client, "road", token=reader)
    assert body["facets"] is None and body["suggestion"] is None
    assert {item["title"] for item in body["items"]} == {
        "Road casualties",
        "Road safety lessons in schools",
        "Road traffic API",
        "Roadworks permits",
        "Rail passenger numbers",
    }


FILTER_ONLY = [
    {},
    {"organisation": "department-for-transport"},
    {"theme": "education,health-and-care"},
    {"theme": "transport-and-infrastructure", "organisation": "department-for-education"},
    {"format": "csv"},
    {"format": "XLS,geojson"},
    {"format": "json", "theme": "education"},
    {"licence": "CC-BY-4.0"},
    {"licence": OGL},
    {"access_rights": "INTERNAL"},
    {"access_rights": "OPEN,INTERNAL", "type": "dataset"},
    {"type": "data_service"},
    {"status": "draft"},
    {"status": "withdrawn"},
    {"status": "published,draft", "organisation": "department-for-transport"},
    {"quality": "excellent,good"},
    {"quality": "sufficient,bad", "theme": "transport-and-infrastructure"},
    {"freshness": "fresh"},
    {"freshness": "due,overdue,unknown"},
    {"freshness": "overdue", "quality": "good,sufficient", "status": "published,draft"},
]


def test_the_index_and_the_database_agree_on_filter_only_lists(client, catalogue, runner, reader, publisher):
    callers = {"anonymous": None, "reader": reader, "publisher": publisher}

    def answers() -> dict:
        found = {}
        for who, token in callers.items():
            for params in FILTER_ONLY:
                body = search(client, token=token, per_page=100, **params)
                found[who, str(params)] = (body["total"], sorted(slugs(body)))
                for sort in ("title", "quality"):
                    ordered = search(client, token=token, per_page=100, sort=sort, **params)
                    found[who, str(params), sort] = slugs(ordered)
        return found

    from_database = answers()
    reindex(runner)
    assert search(client)["facets"] is not None
    from_index = answers()
    differ = {
        key: (from_database[key], from_index[key])
        for key in from_database
        if from_database[key] != from_index[key]
    }
    assert differ == {}
