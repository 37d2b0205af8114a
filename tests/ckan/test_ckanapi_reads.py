"""ckanapi, unchanged, reads the catalogue as it reads a CKAN site."""

from __future__ import annotations

import pytest
from ckanapi import NotFound, RemoteCKAN

from tests.ckan.conftest import CC_BY
from tests.factories import create_dataset


def test_package_search_finds_by_words_with_the_find_pages_ranking(ckan, catalogue):
    result = ckan.action.package_search(q="road traffic")
    assert result["results"][0]["name"] == catalogue.roads.slug
    assert catalogue.schools.slug not in [p["name"] for p in result["results"]]


def test_package_search_leaves_out_private_and_draft_entries_for_anonymous_callers(ckan, catalogue):
    result = ckan.action.package_search(rows=100, include_private=True, include_drafts=True)
    names = {p["name"] for p in result["results"]}
    assert names == {catalogue.roads.slug, catalogue.rail.slug, catalogue.schools.slug}
    assert result["count"] == 3


def test_package_search_shows_private_entries_to_a_token_only_when_asked(publisher_ckan, catalogue):
    default = {p["name"] for p in publisher_ckan.action.package_search(rows=100)["results"]}
    assert catalogue.internal.slug not in default
    widened = publisher_ckan.action.package_search(rows=100, include_private=True, include_drafts=True)
    names = {p["name"] for p in widened["results"]}
    assert {catalogue.internal.slug, catalogue.draft.slug} <= names
    assert next(p for p in widened["results"] if p["name"] == catalogue.internal.slug)["private"] is True


def test_package_search_filters_with_fq(ckan, catalogue):
    def names(fq: str) -> set[str]:
        return {p["name"] for p in ckan.action.package_search(fq=fq, rows=100)["results"]}

    assert names("organization:department-for-education") == {catalogue.schools.slug}
    assert names("-organization:department-for-education") == {catalogue.roads.slug, catalogue.rail.slug}
    assert names("tags:rail OR tags:schools") == {catalogue.rail.slug, catalogue.schools.slug}
    assert names('res_format:"XLSX"') == {catalogue.rail.slug}
    # A quoted value keeps its spaces (CKAN's own tags often have them).
    assert names('tags:"road safety" OR tags:traffic') == {catalogue.roads.slug}
    assert names('-tags:"road safety"') == {catalogue.roads.slug, catalogue.rail.slug, catalogue.schools.slug}
    assert names("license_id:cc-by") == {catalogue.rail.slug}
    assert names("groups:education") == {catalogue.schools.slug}
    assert len(names("metadata_modified:[2000-01-01T00:00:00Z TO *]")) == 3
    assert names("metadata_modified:[* TO 2000-01-01T00:00:00Z]") == set()


def test_package_search_counts_facets(ckan, catalogue):
    result = ckan.action.package_search(facet_field=["organization", "tags"], **{"facet.limit": 1})
    assert result["facets"]["organization"] == {"department-for-transport": 2}
    items = result["search_facets"]["organization"]["items"]
    assert items == [
        {"name": "department-for-transport", "display_name": "Department for Transport", "count": 2}
    ]
    assert len(result["search_facets"]["tags"]["items"]) == 1


def test_package_search_pages_with_rows_and_start_in_the_order_asked(ckan, catalogue):
    everything = ckan.action.package_search(sort="title_string asc", rows=100)["results"]
    titles = [p["title"] for p in everything]
    assert titles == sorted(titles)
    page = ckan.action.package_search(sort="title_string asc", rows=1, start=1)
    assert [p["title"] for p in page["results"]] == titles[1:2]
    assert page["count"] == 3
    by_id = [p["id"] for p in ckan.action.package_search(sort="id asc", rows=100)["results"]]
    assert by_id == sorted(by_id)


def test_package_show_fills_ckans_fields_and_keeps_ours_in_extras(ckan, catalogue):
    package = ckan.action.package_show(id=catalogue.roads.slug)
    assert package["id"] == str(catalogue.roads.id)
    assert package["name"] == catalogue.roads.slug
    assert package["notes"] == catalogue.roads.description
    assert package["organization"]["name"] == "department-for-transport"
    assert [t["name"] for t in package["tags"]] == ["roads", "traffic"]
    assert [g["name"] for g in package["groups"]] == ["transport-and-infrastructure"]
    assert package["license_id"] == "uk-ogl" and package["isopen"] is True
    assert package["state"] == "active" and package["private"] is False
    assert package["resources"][0]["url"] == "https://example.gov.uk/a.csv"
    assert package["resources"][0]["format"] == "CSV"
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["access_rights"] == "OPEN"
    assert extras["security_classification"] == "OFFICIAL"
    assert extras["update_frequency"] == "annual"
    assert extras["contact_email"] == "roadacc.stats@dft.gov.uk"
    assert extras["entry_type"] == "dataset"


def test_package_show_of_a_hidden_or_missing_entry_raises_not_found(ckan, catalogue):
    for reference in (catalogue.internal.slug, catalogue.draft.slug, "no-such-entry"):
        with pytest.raises(NotFound):
            ckan.action.package_show(id=reference)


def test_package_list_names_public_entries_in_pages(ckan, catalogue):
    names = ckan.action.package_list()
    assert names == sorted([catalogue.roads.slug, catalogue.rail.slug, catalogue.schools.slug])
    assert ckan.action.package_list(limit=1, offset=1) == names[1:2]


def test_organization_list_with_all_fields_counts_what_the_caller_sees(ckan, catalogue):
    organisations = {o["name"]: o for o in ckan.action.organization_list(all_fields=True)}
    assert organisations["department-for-transport"]["title"] == "Department for Transport"
    assert organisations["department-for-education"]["package_count"] == 1
    assert ckan.action.organization_list() == ["department-for-education", "department-for-transport"]


def test_organization_show_includes_its_public_datasets_when_asked(ckan, catalogue):
    organisation = ckan.action.organization_show(id="department-for-transport", include_datasets=True)
    assert {p["name"] for p in organisation["packages"]} == {catalogue.roads.slug, catalogue.rail.slug}
    by_id = ckan.action.organization_show(id=organisation["id"])
    assert by_id["name"] == "department-for-transport" and "packages" not in by_id


def test_vocabulary_lists(ckan, catalogue):
    assert "rail" in ckan.action.tag_list()
    assert "uk-ogl" in [licence["id"] for licence in ckan.action.license_list()]
    assert "education" in ckan.action.group_list()
    assert ckan.action.status_show()["api_version"] == 3
    assert ckan.action.site_read() is True
    assert ckan.action.help_show(name="package_search").startswith("package_search: takes q, fq")


def test_resource_show_returns_the_resource_of_a_visible_entry(ckan, catalogue):
    resource_id = str(catalogue.roads.distributions[0].id)
    resource = ckan.action.resource_show(id=resource_id)
    assert resource["package_id"] == str(catalogue.roads.id)
    with pytest.raises(NotFound):
        ckan.action.resource_show(id=str(catalogue.internal.distributions[0].id))


def test_package_list_widens_to_private_entries_and_drafts_only_for_those_who_may_see_them(
    ckan, publisher_ckan, catalogue
):
    assert catalogue.internal.slug not in ckan.action.package_list(include_private=True, include_drafts=True)
    widened = publisher_ckan.action.package_list(include_private=True, include_drafts=True)
    assert {catalogue.internal.slug, catalogue.draft.slug} <= set(widened)
    assert catalogue.draft.slug not in publisher_ckan.action.package_list(include_private=True)


def test_words_rank_and_count_the_same_whether_or_not_facets_are_asked_for(ckan, publisher_ckan, catalogue):
    for client in (ckan, publisher_ckan):
        plain = client.action.package_search(q="road", rows=100, include_private=True)
        faceted = client.action.package_search(q="road", rows=100, include_private=True, facet_field=["tags"])
        assert [p["name"] for p in plain["results"]] == [p["name"] for p in faceted["results"]]
        assert plain["count"] == faceted["count"] == len(plain["results"])
        for rows, start in ((1, 1), (2, 1)):  # a page the search has, and one it has not
            page = client.action.package_search(q="road", rows=rows, start=start, include_private=True)
            assert [p["name"] for p in page["results"]] == [p["name"] for p in plain["results"]][
                start : start + rows
            ]


def test_ckanapi_with_get_only_reads_the_same(live_server, ckan, catalogue):
    by_get = RemoteCKAN(live_server, get_only=True, user_agent="tests")
    asked = {
        "q": "road",
        "fq": "-tags:rail",
        "rows": 5,
        "facet_field": ["tags", "organization"],
        "include_private": True,
    }
    assert by_get.action.package_search(**asked) == ckan.action.package_search(**asked)
    assert by_get.action.package_show(id=catalogue.rail.slug) == ckan.action.package_show(
        id=catalogue.rail.slug
    )


def test_with_no_words_and_no_fq_the_database_answers_as_the_filter_would(ckan, publisher_ckan, catalogue):
    # No words and no fq: counted, faceted and paged in SQL (ckan/listing.py). An fq every entry
    # passes sends the same question through the facts every fq is judged on (ckan/facts.py).
    create_dataset(
        organisation=catalogue.schools.organisation,
        title="Attendance",
        keywords=["schools", "attendance", "Schools"],
        distributions=[
            {"title": "A", "download_url": "https://example.gov.uk/b.csv", "format": "CSV"},
            {"title": "B", "download_url": "https://example.gov.uk/c.csv", "format": "CSV"},
        ],
        licence=CC_BY,
    )
    everything = "-name:no-entry-is-called-this"
    facets = ["organization", "tags", "res_format", "license_id", "groups"]
    for client in (ckan, publisher_ckan):
        for sort in ("score desc, metadata_modified desc", "title_string asc", "name desc", "id asc"):
            for rows, start in ((100, 0), (2, 1), (0, 0)):
                asked = {"rows": rows, "start": start, "sort": sort, "facet_field": facets}
                asked |= {"include_private": True, "include_drafts": True, "facet.mincount": 1}
                by_sql = client.action.package_search(**asked)
                by_facts = client.action.package_search(fq=everything, **asked)
                assert by_sql["count"] == by_facts["count"] > 0
                assert [p["name"] for p in by_sql["results"]] == [p["name"] for p in by_facts["results"]]
                assert by_sql["search_facets"] == by_facts["search_facets"]
    # An entry counts once per value: Attendance's two CSV files make one.
    counted = ckan.action.package_search(facet_field=["res_format"])["facets"]["res_format"]
    assert counted == {"CSV": 3, "XLSX": 1}


def test_with_words_the_index_counts_facets_as_the_filter_would(ckan, publisher_ckan, catalogue, runner):
    # Words and facets the index counts, no fq: page, total and counts from the search index. An fq
    # every entry passes sends the same question through every match's facts (ckan/facts.py).
    create_dataset(
        organisation=catalogue.roads.organisation,
        title="Road casualties",
        keywords=["roads"],
        distributions=[
            {"title": "A", "download_url": "https://example.gov.uk/b.csv", "format": "CSV"},
            {"title": "B", "download_url": "https://example.gov.uk/c.csv", "format": "CSV"},
        ],
        licence=CC_BY,
        themes=["transport-and-infrastructure"],
    )
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    everything = "-name:no-entry-is-called-this"
    facets = ["organization", "res_format", "license_id", "groups"]
    for client in (ckan, publisher_ckan):
        for include_private in (False, True):
            asked = {"q": "road", "rows": 100, "facet_field": facets, "include_private": include_private}
            by_index = client.action.package_search(**asked)
            by_facts = client.action.package_search(fq=everything, **asked)
            assert by_index["count"] == by_facts["count"] > 0
            assert [p["name"] for p in by_index["results"]] == [p["name"] for p in by_facts["results"]]
            assert by_index["search_facets"] == by_facts["search_facets"]
    # An entry counts once per value: Road casualties' two CSV files make one.
    found = ckan.action.package_search(q="road", rows=100, facet_field=["res_format"])
    with_csv = [p for p in found["results"] if any(r["format"] == "CSV" for r in p["resources"])]
    assert found["facets"]["res_format"]["CSV"] == len(with_csv) >= 2
