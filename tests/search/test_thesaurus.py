"""The words people use: a search for an expression of the thesaurus also finds the others of its
group, ranked below what matches the words as typed, says so, and can be switched off."""

from __future__ import annotations

import json

import pytest

from marketplace.search.thesaurus import DATA, load, normalise, thesaurus
from tests.factories import create_dataset, create_organisation
from tests.helpers import api, assert_problem
from tests.search.searching import DATASETS, search, slugs


def add(organisation, title: str, **fields):
    defaults = {"summary": None, "description": "Figures.", "keywords": []}
    return create_dataset(organisation=organisation, title=title, **{**defaults, **fields})


@pytest.fixture
def catalogue(app, runner) -> None:
    nhs = create_organisation(slug="nhs-england", title="NHS England", abbreviation="NHSE")
    add(nhs, "Emergency department attendances", keywords=["urgent care"])
    add(
        nhs,
        "Hospital activity",
        description="Admissions, outpatients and a table of A&E attendances by trust. " + "Beds. " * 40,
    )
    add(nhs, "Special educational needs in schools")
    add(nhs, "Pupils who send letters")
    add(nhs, "A levels taken")
    add(nhs, "Levels of service in general practice")
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output


# The data ---------------------------------------------------------------------------------------


def test_the_thesaurus_has_a_reason_for_each_of_at_least_150_groups():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert len(data["groups"]) >= 150
    for group in data["groups"]:
        assert group["source"].strip() and group["kind"].strip(), group
        assert len({normalise(term) for term in group["terms"]}) >= 2, group
    words_in_groups = {t for g in data["groups"] for t in g["terms"]}
    assert set(data["match_case"]) <= words_in_groups
    load()  # refuses an expression in two groups


def test_an_expression_in_two_groups_is_refused(tmp_path):
    path = tmp_path / "thesaurus.json"
    groups = [{"terms": ["A&E", "emergency department"]}, {"terms": ["a and e", "casualty"]}]
    path.write_text(json.dumps({"groups": [{**g, "kind": "nhs", "source": "test"} for g in groups]}))
    with pytest.raises(ValueError, match="two groups"):
        load(path)


def test_ampersands_punctuation_and_case_are_read_the_same():
    assert normalise("A&E") == normalise("a & e") == normalise("A and E") == ("a", "and", "e")
    assert normalise("C. diff") == normalise("c.diff")


def test_the_longest_expression_wins_and_shorter_ones_inside_it_are_found_too():
    matches = thesaurus().matches(["A&E", "waiting", "times", "london"])
    assert [(m.typed, m.start, m.end) for m in matches] == [("A&E waiting times", 0, 3)]
    inner = thesaurus().matches(["A&E", "waiting", "times"], whole=False)
    assert [m.typed for m in inner] == ["A&E waiting"]  # "A&E waits", as words are stemmed
    assert [m.typed for m in thesaurus().matches(["A&E", "waiting"], whole=False)] == ["A&E"]


def test_an_abbreviation_that_is_also_a_word_is_known_only_in_capitals():
    assert thesaurus().matches(["SEND", "pupils"])
    assert not thesaurus().matches(["send", "pupils"])


# Searching --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["A&E", "a&e", "a and e", "A and E", "AandE", "accident and emergency"])
def test_an_abbreviation_typed_any_way_reaches_the_same_entries(client, catalogue, typed):
    found = slugs(search(client, typed))
    assert set(found) == {"emergency-department-attendances", "hospital-activity"}


def test_an_entry_matching_the_words_typed_outranks_one_found_through_the_thesaurus(client, catalogue):
    # "Hospital activity" says A&E once, deep in a long description; the other entry's title is
    # a synonym: scored alone, the synonym's title would win.
    body = search(client, "A&E")
    assert slugs(body) == ["hospital-activity", "emergency-department-attendances"]
    [expansion] = body["expanded"]
    assert expansion["typed"] == "A&E"
    assert {"accident and emergency", "emergency department"} <= set(expansion["including"])


def test_expand_false_searches_only_for_the_words_typed(client, catalogue):
    body = search(client, "A&E", expand="false")
    assert slugs(body) == ["hospital-activity"]
    assert body["expanded"] == []


def test_a_search_with_nothing_the_thesaurus_knows_expands_nothing(client, catalogue):
    body = search(client, "activity")
    assert body["expanded"] == []


def test_an_abbreviation_that_is_also_a_word_is_expanded_only_in_capitals(client, catalogue):
    assert "special-educational-needs-in-schools" in slugs(search(client, "SEND"))
    assert slugs(search(client, "send")) == ["pupils-who-send-letters"]


def test_an_expression_the_index_would_only_half_see_is_not_searched_for(client, catalogue):
    # "A levels" is indexed as "levels": searched for in place of "Advanced Level", it would find
    # every entry that says "levels".
    body = search(client, "Advanced Level")
    assert body["expanded"] == []


def test_an_expression_typed_matches_as_typed_only_where_its_words_are_side_by_side(client, runner):
    dwp = create_organisation(slug="dwp", title="Department for Work and Pensions", abbreviation="DWP")
    add(dwp, "Roadworks carried out", keywords=["work", "out"], description="Work carried out on roads.")
    add(dwp, "Labour market survey", description="People out of work, by region.")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    # Both hold the words typed; only the survey holds "out of work".
    assert slugs(search(client, "out of work", expand="false")) == [
        "roadworks-carried-out",
        "labour-market-survey",
    ]
    assert slugs(search(client, "out of work")) == ["labour-market-survey", "roadworks-carried-out"]


def test_a_broader_term_is_searched_below_the_words_typed_and_their_synonyms(client, runner):
    police = create_organisation(slug="home-office", title="Home Office", abbreviation="HO")
    add(police, "Police recorded crime", keywords=["crime"])
    add(police, "Break-ins reported by households")
    add(police, "Burglary in the home")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    body = search(client, "burglaries")
    assert slugs(body) == [
        "burglary-in-the-home",
        "break-ins-reported-by-households",
        "police-recorded-crime",
    ]
    [expansion] = body["expanded"]
    assert "crime" in expansion["including"]
    assert slugs(search(client, "burglaries", expand="false")) == ["burglary-in-the-home"]


def test_the_broader_terms_of_the_data_are_not_expressions_of_their_own_group():
    for group in thesaurus().groups:
        assert not {normalise(t) for t in group.broader} & {normalise(t) for t in group.terms}, group


def test_the_words_found_through_the_thesaurus_are_highlighted(client, catalogue):
    body = search(client, "A&E")
    item = next(i for i in body["items"] if i["slug"] == "emergency-department-attendances")
    assert "<mark>Emergency</mark>" in item["highlights"]["title"]


def test_spelling_never_corrects_an_abbreviation_the_thesaurus_knows(client, catalogue):
    # No entry holds "NEET"; as an unknown word, "did you mean" would offer "need" or "meet".
    body = search(client, "NEET", expand="false")
    assert body["total"] == 0
    assert body["suggestion"] is None


@pytest.mark.parametrize("value", ["maybe", "2", ""])
def test_expand_must_be_true_or_false(client, catalogue, value):
    response = api(client, "GET", f"{DATASETS}?q=A%26E&expand={value}", status=400)
    assert_problem(response, "expand")


# The find page ----------------------------------------------------------------------------------


def test_the_find_page_says_what_else_it_searched_for_and_how_to_search_only_the_words(client, catalogue):
    page = client.get("/datasets?q=A%26E").get_data(as_text=True)
    assert "Including results for A&amp;E: " in page
    assert "emergency department" in page
    assert 'href="/datasets?q=A%26E&amp;expand=false"' in page
    only = client.get("/datasets?q=A%26E&expand=false").get_data(as_text=True)
    assert "Including results for" not in only
    assert "Showing results only for the words typed" in only
    assert 'href="/datasets?q=A%26E"' in only
    assert 'name="expand" value="false"' in only  # sorting keeps it


# Most of the words ----------------------------------------------------------------------------


def test_when_no_entry_holds_every_word_those_with_most_of_them_are_listed_and_it_is_said(client, catalogue):
    body = search(client, "emergency department attendances london")
    assert body["all_words"] is False
    assert set(slugs(body)) == {"emergency-department-attendances", "hospital-activity"}
    page = client.get("/datasets?q=emergency+department+attendances+london").get_data(as_text=True)
    assert "No entries contain all of your words" in page


def test_an_entry_holding_every_word_is_all_that_is_listed(client, catalogue):
    body = search(client, "hospital activity")
    assert body["all_words"] is True
    assert slugs(body) == ["hospital-activity"]


def test_fewer_than_half_the_words_is_not_enough(client, catalogue):
    body = search(client, "hospital zebra giraffe penguin")
    assert body["total"] == 0


def test_the_find_page_refuses_an_expand_that_is_not_true_or_false_with_an_error_summary(client, catalogue):
    response = client.get("/datasets?q=A%26E&expand=maybe")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and "Must be true or false" in page
