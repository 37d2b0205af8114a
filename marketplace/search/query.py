"""The query language people type: words, "phrases", -exclusions and OR.

Written by hand rather than with Whoosh's QueryParser because that parser also understands
field names, wildcards, ranges and boosts, so ordinary input ("covid-19: cases", "A&E *")
changes meaning or fails; here every input means something plain, and nothing raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as wq

from marketplace.search.analysis import analyse
from marketplace.search.schema import TEXT_FIELDS

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass
class ParsedQuery:
    query: wq.Query | None  # None: nothing to match on (empty, or only stop words)
    terms: set[str] = field(default_factory=set)  # stemmed terms, for highlighting
    words: list[str] = field(default_factory=list)  # what the user typed, for "did you mean"


def _clause(text: str, phrase: bool) -> tuple[wq.Query | None, list[str]]:
    tokens = analyse(text)
    if not tokens:
        return None, []
    if phrase and len(tokens) > 1:
        return wq.Or([wq.Phrase(name, tokens) for name in TEXT_FIELDS]), tokens
    per_token = [wq.Or([wq.Term(name, token) for name in TEXT_FIELDS]) for token in tokens]
    return (per_token[0] if len(per_token) == 1 else wq.And(per_token)), tokens


def parse_query(text: str) -> ParsedQuery:
    """Turn what a person typed into a Whoosh query: all words must match (in any text field),
    a quoted phrase must match in order, ``-word`` excludes, ``OR`` between two parts makes
    either enough."""
    groups: list[list[wq.Query]] = [[]]  # OR of ANDs
    excluded: list[wq.Query] = []
    parsed = ParsedQuery(None)
    pending_or = False
    for match in _TOKEN.finditer(text):
        negative, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR":
            pending_or = bool(groups[-1])
            continue
        if bare is not None:
            negative = "-" if bare.startswith("-") and len(bare) > 1 else ""
            bare = bare[1:] if negative else bare
        clause, tokens = _clause(quoted if quoted is not None else bare, phrase=quoted is not None)
        if clause is None:
            continue
        if negative:
            excluded.append(clause)
            continue
        parsed.terms.update(tokens)
        if quoted is None:
            parsed.words.extend(re.findall(r"\w+", bare))
        if pending_or:
            groups.append([])
            pending_or = False
        groups[-1].append(clause)
    alternatives = [g[0] if len(g) == 1 else wq.And(g) for g in groups if g]
    if not alternatives:
        if excluded:  # only exclusions: everything except them
            parsed.query = wq.AndNot(wq.Every(), wq.Or(excluded))
        return parsed
    positive = alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)
    parsed.query = wq.AndNot(positive, wq.Or(excluded)) if excluded else positive
    return parsed
