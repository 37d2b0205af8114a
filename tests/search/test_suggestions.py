""" "Did you mean" and title completion draw only on entries the caller may see, and their work
is bounded (issue 11, sections 2 and 3).

The review found that an anonymous `q=zorblaxiam` was answered "did you mean zorblaxian", a word
only another organisation's draft holds, and that the hidden word typed exactly got no
suggestion, which confirmed it exists; and that 125 unknown words, or one 500-letter word, kept
a search busy for seconds. The leaks are reproduced over real HTTP; the bounds by counting the
words the corrector is asked to correct (never by timing).
"""

from __future__ import annotations

import random
import string

import pytest
import requests

from marketplace.search import spelling
from tests.factories import create_dataset, create_organisation, create_token, create_user
from tests.helpers import api
from tests.search.searching import search

HIDDEN = "zorblaxian"  # only in the Department for Education's draft
INTERNAL = "quuxifer"  # only in an INTERNAL entry: signed-in people may see it, anonymous may not


def reindex(runner) -> None:
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def departments(app):
    dft = create_organisation()
    dfe = create_organisation(
        slug="department-for-education", title="Department for Education", abbreviation="DfE"
    )
    return dft, dfe


@pytest.fixture
def catalogue(departments, runner):
    """Road entries for everyone, a draft of DfE's holding HIDDEN and an INTERNAL entry of DfT's
    holding INTERNAL."""
    dft, dfe = departments
    create_dataset(organisation=dft, title="Road casualties", summary="Casualties on roads.")
    create_dataset(organisation=dft, title="Road safety cameras", summary="Where the cameras are.")
    create_dataset(organisation=dft, title="Pollution near roads", summary="Air pollution by roads.")
    create_dataset(
        organisation=dfe,
        status="draft",
        title=f"{HIDDEN.capitalize()} pupil survey",
        summary=f"What the {HIDDEN} pupils said.",
    )
    create_dataset(
        organisation=dft,
        title=f"{INTERNAL.capitalize()} ferry crossings",
        summary="Crossings by ferry.",
        access_rights="INTERNAL",
    )
    reindex(runner)


@pytest.fixture
def other_department(departments) -> str:
    """A signed-in person of DfT: sees every published entry, but not DfE's drafts."""
    dft, _ = departments
    return create_token(user=create_user(email="max@dft.gov.uk", organisation=dft, roles=("publisher",)))


@pytest.fixture
def owning_publisher(departments) -> str:
    _, dfe = departments
    return create_token(user=create_user(email="eve@dfe.gov.uk", organisation=dfe, roles=("publisher",)))


def listed(base: str, q: str, token: str | None = None, **params) -> dict:
    """GET /api/v1/datasets over HTTP; must answer 200."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(f"{base}/api/v1/datasets", params={"q": q, **params}, headers=headers, timeout=30)
    assert response.status_code == 200, response.text[:2000]
    return response.json()


# What a suggestion may draw on -----------------------------------------------------------------


def test_anonymous_misspelling_of_a_drafts_word_gets_no_suggestion(live_server, catalogue):
    body = listed(live_server, "zorblaxiam")
    assert body["total"] == 0
    assert body["suggestion"] is None


def test_another_departments_misspelling_of_a_drafts_word_gets_no_suggestion(
    live_server, catalogue, other_department
):
    for status in (["published"], ["published", "draft"]):
        body = listed(live_server, "zorblaxiam", other_department, status=status)
        assert body["total"] == 0
        assert body["suggestion"] is None, status


def test_the_owning_publisher_is_offered_their_own_drafts_word(live_server, catalogue, owning_publisher):
    # Among the drafts they may list, the word is theirs to be offered...
    body = listed(live_server, "zorblaxiam", owning_publisher, status=["draft"])
    assert body["suggestion"] == HIDDEN
    assert listed(live_server, HIDDEN, owning_publisher, status=["draft"])["total"] == 1
    # ...but not among the published entries, where it would find nothing.
    assert listed(live_server, "zorblaxiam", owning_publisher)["suggestion"] is None


def test_a_hidden_word_typed_exactly_is_treated_as_unknown(live_server, catalogue, departments, runner):
    # A visible word one edit away: the hidden word must be corrected to it, exactly as a word
    # no entry holds would be, rather than left alone (which said that the word exists).
    dft, _ = departments
    create_dataset(organisation=dft, title="Zorblaxia ferry timetables", summary="Sailings.")
    reindex(runner)
    hidden = listed(live_server, HIDDEN)
    nowhere = listed(live_server, "zorblaxiak")
    assert hidden["total"] == nowhere["total"] == 0
    assert hidden["suggestion"] == nowhere["suggestion"] == "zorblaxia"


def test_an_internal_entrys_word_is_offered_only_to_signed_in_people(
    live_server, catalogue, other_department
):
    assert listed(live_server, "quuxifex")["suggestion"] is None
    assert listed(live_server, "quuxifex", other_department)["suggestion"] == INTERNAL
    # Typed exactly, it finds nothing and suggests nothing to anonymous people, as an unknown
    # word would; signed-in people find the entry.
    anonymous = listed(live_server, INTERNAL)
    assert anonymous["total"] == 0 and anonymous["suggestion"] is None
    signed_in = listed(live_server, INTERNAL, other_department)
    assert signed_in["total"] == 1 and signed_in["suggestion"] is None


def test_suggestions_still_correct_visible_words(live_server, catalogue):
    body = listed(live_server, "raod safty")
    assert body["total"] == 0
    assert body["suggestion"] == "road safety"


# Title completion ------------------------------------------------------------------------------


def completions(client, q: str, token: str | None = None) -> list[str]:
    return [
        i["title"]
        for i in api(client, "GET", f"/api/v1/suggest?q={q}", status=200, token=token).json["items"]
    ]


def test_completion_is_not_crowded_out_by_words_of_hidden_entries(client, departments, runner):
    # More words starting "zo" in a hidden draft than completions are tried: they must not take
    # the places of the one visible word.
    dft, dfe = departments
    crowd = [f"zoa{a}{b}" for a in "abcd" for b in "abcdefghij"][:40]
    create_dataset(organisation=dfe, status="draft", title="Zoology draft", summary=" ".join(crowd))
    create_dataset(organisation=dft, title="Zoo visitor numbers", summary="Visitors.")
    reindex(runner)
    reader = create_token(user=create_user(email="carol@cabinetoffice.gov.uk", roles=()))
    for token in (None, reader):
        assert completions(client, "zo", token) == ["Zoo visitor numbers"]
        assert completions(client, "zoa", token) == []


def test_completion_offers_the_owning_publisher_no_draft_titles(client, catalogue, owning_publisher):
    # Completion is of published entries only, whoever asks.
    assert completions(client, "zorbl", owning_publisher) == []
    assert completions(client, "quux") == []


# Bounded work -----------------------------------------------------------------------------------


@pytest.fixture
def corrected(monkeypatch) -> list[str]:
    """The words the corrector is asked to correct, in order (it still does the work)."""
    asked: list[str] = []
    near_words = spelling.near_words

    def counting(segments, word, edits):
        asked.append(word)
        return near_words(segments, word, edits)

    monkeypatch.setattr(spelling, "near_words", counting)
    return asked


def unknown_words(count: int, length: int) -> list[str]:
    rng = random.Random(11)
    return ["".join(rng.choice("qxzjvkw") for _ in range(length)) for _ in range(count)]


def both_ways(client, q: str) -> dict:
    """The API's answer for `q`, then the find page's, which must be 200."""
    body = search(client, q)
    page = client.get("/datasets", query_string={"q": q})
    assert page.status_code == 200
    return body


def test_125_unknown_words_are_not_corrected(client, catalogue, corrected):
    q = " ".join(unknown_words(125, 3))
    assert len(q) == 499
    body = both_ways(client, q)
    assert body["total"] == 0 and body["suggestion"] is None
    assert corrected == []


def test_at_most_a_few_words_are_corrected_in_a_query(client, catalogue, corrected):
    few = "raod safty casualites polution"
    assert search(client, few)["suggestion"] == "road safety casualties pollution"
    assert corrected == ["raod", "safty", "casualites", "polution"]
    corrected.clear()
    # One more unknown word and the query is not corrected at all: every word must match, so a
    # suggestion leaving one unknown would find nothing either.
    assert spelling.MAX_WORDS == 4
    assert search(client, f"{few} roda")["suggestion"] is None
    assert corrected == []


def test_a_500_letter_word_answers_with_no_suggestion(client, catalogue, corrected):
    word = "".join(random.Random(5).choice(string.ascii_lowercase) for _ in range(500))
    body = both_ways(client, word)
    assert body["total"] == 0 and body["suggestion"] is None
    assert corrected == []


def test_a_long_word_beside_a_misspelt_one_is_left_as_typed(client, catalogue, corrected):
    long_word = "roadsafety" * 40
    body = both_ways(client, f"raod {long_word}")
    assert body["suggestion"] == f"road {long_word}"
    assert corrected == ["raod", "raod"]  # for the API, then for the page


def test_words_up_to_the_length_limit_are_corrected(client, departments, runner, corrected):
    dft, _ = departments
    longest = "telecommunicationsregional"[: spelling.MAX_LENGTH]
    create_dataset(organisation=dft, title=f"{longest.capitalize()} masts")
    reindex(runner)
    missing = longest[:10] + longest[11:]  # a letter left out
    doubled = longest[:11] + longest[10:]  # a letter typed twice: one longer than the limit
    assert len(doubled) == spelling.MAX_LENGTH + 1
    assert search(client, missing)["suggestion"] == longest
    assert search(client, doubled)["suggestion"] is None
    assert corrected == [missing]
