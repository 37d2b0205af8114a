"""The judged related entries (judged_related.json): 60 seed entries, each with the 5-8 entries a
reader would find related. precision@5 (the share of the first five related entries that the
judges named, averaged over the entries) as a signed-in reader, through the API. Issue 18's goal
is 0.8; reached so far is 0.697 (0.69 held here so that it cannot slip back unseen), against
0.163 for the old "shares a theme, newest first". It was 0.707 with Whoosh's Porter stemmer;
Snowball's, which joins more forms of a word (recycle and recycling) for the search people type,
leaves a little more out of the key terms as too common. `make bench` prints both, and the entries with
a miss (bench/judged.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import api

JUDGED_RELATED = Path(__file__).with_name("judged_related.json")
REACHED = 0.69


@dataclass(frozen=True)
class JudgedRelated:
    entry: str  # slug
    related: frozenset[str]  # slugs


def judged_related(path: Path = JUDGED_RELATED) -> list[JudgedRelated]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [JudgedRelated(e["entry"], frozenset(e["related"])) for e in data["entries"]]


def precision_at_5(judged: list[JudgedRelated], related: Callable[[str], list[str]]) -> float:
    """The mean over `judged` of the share of the first five of `related(slug)` that were judged
    related; fewer than five listed count as misses."""
    return sum(len(set(related(item.entry)[:5]) & item.related) / 5 for item in judged) / len(judged)


JUDGED = judged_related()


@pytest.fixture(scope="module")
def precision(seeded) -> float:
    def related(slug: str) -> list[str]:
        path = f"/api/v1/datasets/{slug}/related?limit=5"
        body = api(seeded.client, "GET", path, status=200, token=seeded.reader).get_json()
        return [item["slug"] for item in body["items"]]

    return precision_at_5(JUDGED, related)


def test_the_set_is_large_enough_and_names_only_published_seed_entries(seeded):
    assert len(JUDGED) >= 30
    published = {entry.slug for entry in seeded.where(status="published")}
    named = {item.entry for item in JUDGED} | {slug for item in JUDGED for slug in item.related}
    assert not named - published


def test_related_entries_are_related_in_the_first_five(precision):
    assert precision >= REACHED, f"precision@5 {precision:.3f}"
