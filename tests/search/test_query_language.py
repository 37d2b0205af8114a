"""The query language people type (search/query.py): words, "phrases", -exclusions and OR, where
any input whatsoever means something plain; and, through the API, any q up to the documented
length gives results or a clear 4xx, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from marketplace.schemas.listing import MAX_QUERY_LENGTH
from marketplace.search.query import parse_query
from marketplace.search.schema import TEXT_FIELDS
from tests.factories import create_dataset, create_organisation
from tests.helpers import api, assert_problem
from tests.search.searching import DATASETS, search, slugs


def leaves(query: wq.Query) -> list[wq.Query]:
    children = list(query.children())
    return [query] if not children else [leaf for child in children for leaf in leaves(child)]


def searched_words(query: wq.Query) -> set[str]:
    """The terms a query looks for, having checked each is looked for in every text field."""
    words = {}
    for leaf in leaves(query):
        if isinstance(leaf, wq.Every):
            continue
        text = " ".join(leaf.words) if isinstance(leaf, wq.Phrase) else leaf.text
        words.setdefault(text, set()).add(leaf.fieldname)
    assert all(fields == set(TEXT_FIELDS) for fields in words.values()), words
    return set(words)


# Parsing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "the of and", "-", '""', '" "', "OR", "OR OR"])
def test_nothing_to_match_on_gives_no_query(text):
    parsed = parse_query(text)
    assert parsed.query is None and parsed.terms == set()


def test_every_word_must_match_stemmed_in_any_text_field():
    parsed = parse_query("Road Casualties")
    assert isinstance(parsed.query, wq.And)
    assert searched_words(parsed.query) == {"road", "casualti"}
    assert parsed.terms == {"road", "casualti"}
    assert parsed.words == ["Road", "Casualties"]


def test_a_quoted_phrase_matches_its_words_in_order_even_if_unclosed():
    for text in ('"road traffic"', '"road traffic', '"Road   Traffic"'):
        parsed = parse_query(text)
        phrases = leaves(parsed.query)
        assert all(isinstance(p, wq.Phrase) and p.words == ["road", "traffic"] for p in phrases), text
        assert {p.fieldname for p in phrases} == set(TEXT_FIELDS)
        assert parsed.words == []  # nothing in a phrase is offered a correction


def test_a_minus_excludes_a_word_or_a_phrase():
    parsed = parse_query('road -cameras -"speed limits"')
    assert isinstance(parsed.query, wq.AndNot)
    assert searched_words(parsed.query.a) == {"road"}
    assert searched_words(parsed.query.b) == {"camera", "speed limit"}
    assert parsed.terms == {"road"}  # excluded words are not highlighted


def test_only_exclusions_mean_everything_but_them():
    parsed = parse_query("-walking")
    assert isinstance(parsed.query, wq.AndNot) and isinstance(parsed.query.a, wq.Every)
    assert searched_words(parsed.query.b) == {"walk"}


def test_a_hyphen_inside_or_alone_is_not_an_exclusion():
    assert searched_words(parse_query("covid-19").query) == {"covid", "19"}
    assert searched_words(parse_query("road - rail").query) == {"road", "rail"}
    assert not isinstance(parse_query("road - rail").query, wq.AndNot)


def test_or_between_two_parts_makes_either_enough():
    parsed = parse_query("rail OR bus stations")
    assert isinstance(parsed.query, wq.Or)
    left, right = parsed.query.subqueries
    assert searched_words(left) == {"rail"} and searched_words(right) == {"bus", "station"}


@pytest.mark.parametrize("text", ["OR rail", "rail OR", "rail OR OR", "rail or"])
def test_a_dangling_or_a_lowercase_or_is_not_an_operator(text):
    assert searched_words(parse_query(text).query) == {"rail"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("title:road", {"titl", "road"}),  # no field names: both are words
        ("road^30", {"road", "30"}),  # no boosts
        ("[road TO rail]", {"road", "rail"}),  # no ranges ("to" is a stop word)
        ("(road AND rail)", {"road", "rail"}),  # no grouping; AND is a stop word
        ("NOT road", {"road"}),
        ("road~20", {"road", "20"}),  # no fuzzy operator
    ],
)
def test_search_syntax_of_other_engines_is_read_as_plain_words(text, words):
    assert searched_words(parse_query(text).query) == words


def test_words_people_type_in_either_form_are_stemmed_alike():
    # Snowball's English stemmer: Whoosh's Porter left "recycle", "mapping" and "monthly" apart
    # from "recycling", "map" and "month".
    assert searched_words(parse_query("recycle mapping monthly").query) == {"recycl", "map", "month"}
    assert searched_words(parse_query("recycling maps month").query) == {"recycl", "map", "month"}


# Questions -------------------------------------------------------------------------------------


def test_the_words_of_a_question_are_left_out_and_the_catalogues_own_words_are_optional():
    parsed = parse_query("how many people claim pension credit in my area")
    assert isinstance(parsed.query, wq.AndMaybe)
    assert searched_words(parsed.query.a) == {"claim", "pension", "credit"}
    assert searched_words(parsed.query.b) == {"peopl", "area"}  # "in my area": optional
    assert parsed.words == ["claim", "pension", "credit"]  # no "did you mean" for the rest
    assert [searched_words(part) for part in parsed.parts] == [{"claim"}, {"pension"}, {"credit"}]


def test_how_long_asks_the_question_and_long_alone_is_a_word():
    assert searched_words(parse_query("how long to wait for surgery").query) == {"wait", "surgeri"}
    assert searched_words(parse_query("long term unemployment").query) == {"long", "term", "unemploy"}


@pytest.mark.parametrize(
    ("text", "words"), [("how many", {"how", "mani"}), ("data", {"data"}), ("what is it", {"what"})]
)
def test_a_search_of_nothing_but_such_words_searches_for_them(text, words):
    parsed = parse_query(text)
    assert not isinstance(parsed.query, wq.AndMaybe)
    assert searched_words(parsed.query) == words


def test_the_words_of_a_question_count_in_a_quoted_phrase():
    parsed = parse_query('"how many" data')
    assert searched_words(parsed.query.a) == {"how mani"}
    assert searched_words(parsed.query.b) == {"data"}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=MAX_QUERY_LENGTH))
def test_parsing_any_text_never_raises_and_searches_only_the_text_fields(text):
    parsed = parse_query(text)
    if parsed.query is not None:
        searched_words(parsed.query)


# Through the API -------------------------------------------------------------------------------

OPERATORS = [
    '"',
    "'",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "AND",
    "OR",
    "NOT",
    "-",
    "+",
    "*",
    "?",
    ":",
    "~",
    "^",
    "\\",
    "/",
    "&",
    "|",
    "!",
    "%",
    "_",
    "TO",
    "road",
    "casualties",
    "A&E",
    "covid-19",
    "title:",
    "وزارة النقل",  # right to left
    "שלום",
    "🚗🚌",
    "👩‍👩‍👧",
    "\u202e",
    "\u200b",
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\ufeff",
]
typed = st.one_of(
    st.text(max_size=MAX_QUERY_LENGTH),
    st.lists(st.one_of(st.sampled_from(OPERATORS), st.text(max_size=12)), max_size=40)
    .map(" ".join)
    .filter(lambda text: len(text) <= MAX_QUERY_LENGTH),
    st.lists(st.sampled_from(OPERATORS), max_size=80)
    .map("".join)
    .filter(lambda t: len(t) <= MAX_QUERY_LENGTH),
)
AT_EVERY_EXAMPLE = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def add_entries() -> None:
    dft = create_organisation()
    plain = {"summary": None, "description": "Figures.", "keywords": []}
    create_dataset(organisation=dft, **{**plain, "title": "Road casualties"})
    create_dataset(organisation=dft, **{**plain, "title": "A&E attendances", "keywords": ["a&e", "covid-19"]})
    create_dataset(organisation=dft, **{**plain, "title": "Rail stations", "access_rights": "INTERNAL"})
    create_dataset(organisation=dft, **{**plain, "title": "وزارة النقل statistics 🚗"})


@pytest.fixture
def indexed_client(client, runner):
    add_entries()
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    return client


def check_answer(client, text: str) -> None:
    response = client.get(DATASETS, query_string={"q": text})
    assert response.status_code != 500, (text, response.get_data(as_text=True)[:500])
    if response.status_code == 200:
        body = response.get_json()
        assert body["total"] >= len(body["items"])
    else:
        assert 400 <= response.status_code < 500, (text, response.status_code)
        assert_problem(response)


@AT_EVERY_EXAMPLE
@given(text=typed)
@example(text="\x00")
@example(text='"' * 500)
@example(text="-" * 500)
@example(text="OR " * 166)
def test_any_q_up_to_the_limit_gets_results_or_a_clear_refusal_from_the_index(indexed_client, text):
    check_answer(indexed_client, text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=typed)
@example(text="\x00")
@example(text="road\x00casualties")
@example(text="100% _ \\")
@example(text="\ud7ff\ue000\U0010ffff")
def test_any_q_up_to_the_limit_gets_results_or_a_clear_refusal_from_the_database(client, text):
    # No index was built: the database answers, with the same promise.
    check_answer(client, text)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=MAX_QUERY_LENGTH + 1, max_size=3 * MAX_QUERY_LENGTH))
def test_any_q_beyond_the_limit_is_refused_naming_q(indexed_client, text):
    response = api(indexed_client, "GET", DATASETS, status=400, query_string={"q": text})
    assert_problem(response, "q")


@pytest.mark.parametrize("text", ["a" * 501, "é" * 501, "🚗" * 501, "road " * 2000])
def test_a_q_of_501_characters_or_more_is_refused_and_500_is_answered(indexed_client, text):
    response = api(indexed_client, "GET", DATASETS, status=400, query_string={"q": text})
    assert str(MAX_QUERY_LENGTH) in " ".join(assert_problem(response, "q")["errors"]["q"])
    api(indexed_client, "GET", DATASETS, status=200, query_string={"q": text[:MAX_QUERY_LENGTH]})


def test_the_operators_work_through_the_api(indexed_client):
    client = indexed_client
    assert slugs(search(client, "road")) == ["road-casualties"]
    assert set(slugs(search(client, "road OR attendances"))) == {"road-casualties", "a-e-attendances"}
    assert search(client, "road -casualties")["total"] == 0
    assert slugs(search(client, '"road casualties"')) == ["road-casualties"]
    assert search(client, '"casualties road"')["total"] == 0
    assert search(client, "rail")["total"] == 0  # INTERNAL: not for anonymous callers


def test_a_trailing_wildcard_does_not_stop_a_word_matching(indexed_client):
    # There are no wildcards, but people type them: "road*" should at least find what "road" finds.
    assert slugs(search(indexed_client, "road*")) == slugs(search(indexed_client, "road"))
