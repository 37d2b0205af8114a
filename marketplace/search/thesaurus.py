"""The words people use: a thesaurus of UK public-sector synonyms and abbreviations.

People search in their own words ("A&E", "house prices", "NEET"); titles say "emergency
department", "price paid", "not in education, employment or training". Each group in
thesaurus.json is a set of expressions that mean the same in a search, with the reason they do.
A query that holds one of them also searches for the others, weighted below the words typed
(see query.py and engine.py, which put entries matching the words as typed first).

Written here rather than with a library: Whoosh has a word-for-word thesaurus (WordNet's), but
nothing for expressions of several words or for abbreviations typed as "A&E", "a and e" and
"AandE", which is most of what people type; matching typed words against a few hundred
expressions is a dictionary lookup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from marketplace.search.analysis import stem_word as _stem

DATA = Path(__file__).with_name("thesaurus.json")
# The longest expression matched, in words (Ofsted's full name is 11).
MAX_WORDS = 12
_PART = re.compile(r"[^\W_]+")
# Words this short are left as they are: mostly abbreviations, which stemming would merge
# ("EHS" and "EHE", "HES" and "HE").
MAX_UNSTEMMED = 4


def normalise(text: str) -> tuple[str, ...]:
    """The words of `text` as the thesaurus compares them: lower case, "&" read as "and",
    punctuation ignored, each word's stem (so "road accident" is "road accidents", and "sewage
    dumped" is "sewage dumping"). "A&E", "a & e" and "A and E" are all ("a", "and", "e")."""
    words = _PART.findall(text.lower().replace("&", " and "))
    return tuple(_stem(word) if len(word) > MAX_UNSTEMMED else word for word in words)


@dataclass(frozen=True)
class Group:
    terms: tuple[str, ...]  # as written in the file, for showing
    kind: str
    source: str
    match_case: frozenset[str]  # terms matched only when typed exactly so ("SEND", "CAP")
    # Broader terms (ISO 25964's BT): what the group's expressions are kinds of ("burglary" is a
    # crime), searched for too, below the group's own expressions, for entries that cover the
    # whole subject without naming each kind.
    broader: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """Typed words `start` to `end` (exclusive, counted in the caller's words) are `typed`, an
    expression of `group`; `including` is what else the search looks for, `broader` the
    group's broader terms."""

    start: int
    end: int
    typed: str
    including: tuple[str, ...]
    broader: tuple[str, ...] = ()


class Thesaurus:
    def __init__(self, groups: list[Group]) -> None:
        self.groups = groups
        self._by_words: dict[tuple[str, ...], int] = {}
        for number, group in enumerate(groups):
            for term in group.terms:
                key = normalise(term)
                if not key:
                    raise ValueError(f"thesaurus: {term!r} has no words")
                if self._by_words.setdefault(key, number) != number:
                    raise ValueError(f"thesaurus: {term!r} is in two groups")
                if len(key) > MAX_WORDS:
                    raise ValueError(f"thesaurus: {term!r} is longer than {MAX_WORDS} words")

    def knows(self, word: str) -> bool:
        """Whether `word` alone is an expression of the thesaurus ("NEET", "HMRC")."""
        return normalise(word) in self._by_words

    def matches(self, typed_words: list[str], whole: bool = True) -> list[Match]:
        """The expressions in `typed_words` (each as typed, "A&E" one word), longest first from
        the left, none overlapping. An expression must start and end on a typed word's edge;
        with `whole` False, it must not be all of them."""
        parts = [normalise(word) for word in typed_words]
        found: list[Match] = []
        start = 0
        while start < len(typed_words):
            longest = len(typed_words) - (not whole and start == 0)
            match = self._longest_at(typed_words[:longest], parts, start)
            if match is None:
                start += 1
                continue
            found.append(match)
            start = match.end
        return found

    def _longest_at(self, typed_words: list[str], parts: list[tuple[str, ...]], start: int) -> Match | None:
        for end in range(min(len(typed_words), start + MAX_WORDS), start, -1):
            key = tuple(word for part in parts[start:end] for word in part)
            number = self._by_words.get(key)
            if number is None:
                continue
            group = self.groups[number]
            typed = " ".join(typed_words[start:end])
            term = next(t for t in group.terms if normalise(t) == key)
            if term in group.match_case and _cased(typed) != _cased(term):
                continue
            # "A&E" and "a and e" read the same here but not in the index ("a&e" is one word
            # there, and one-letter words are not indexed): the search drops what adds nothing.
            including = tuple(t for t in group.terms if t.casefold() != typed.casefold())
            return Match(start, end, typed, including, group.broader)
        return None


def _cased(text: str) -> tuple[str, ...]:
    return tuple(_PART.findall(text.replace("&", " and ")))


def load(path: Path = DATA) -> Thesaurus:
    data = json.loads(path.read_text(encoding="utf-8"))
    match_case = frozenset(data.get("match_case", []))
    groups = [
        Group(
            tuple(g["terms"]),
            g["kind"],
            g["source"],
            match_case & frozenset(g["terms"]),
            tuple(g.get("broader", ())),
        )
        for g in data["groups"]
    ]
    return Thesaurus(groups)


@cache
def thesaurus() -> Thesaurus:
    """The package's thesaurus, read once per process."""
    return load()
