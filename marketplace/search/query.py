"""The query language people type: words, "phrases", -exclusions and OR.

Written by hand rather than with Whoosh's QueryParser because that parser also understands
field names, wildcards, ranges and boosts, so ordinary input ("covid-19: cases", "A&E *")
changes meaning or fails; here every input means something plain, and nothing raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from whoosh import query as wq

from marketplace.search.analysis import WORD, analyse
from marketplace.search.schema import SHINGLE_SIZES, TEXT_FIELDS
from marketplace.search.thesaurus import Match, Thesaurus

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


# What a match through the thesaurus counts for against the same match on the words typed. The
# ranking also puts every entry matching the words as typed first (engine.py); this orders the
# entries found only through the thesaurus, and those matching both.
SYNONYM_WEIGHT = 0.5


@dataclass
class ParsedQuery:
    query: wq.Query | None  # None: nothing to match on (empty, or only stop words)
    terms: set[str] = field(default_factory=set)  # stemmed terms, for highlighting
    words: list[str] = field(default_factory=list)  # what the user typed, for "did you mean"
    # Expressions of the thesaurus found in what was typed, and the query without them (what
    # matches the words as typed ranks first; None if nothing would).
    expansions: list[Match] = field(default_factory=list)
    exact: wq.Query | None = None
    # A query of parts that must all match (no OR): each part, and what is excluded, so that a
    # search finding (almost) nothing can look for entries with most of the parts instead.
    parts: list[wq.Query] = field(default_factory=list)
    excluded: list[wq.Query] = field(default_factory=list)


@dataclass
class _Part:
    text: str
    quoted: bool = False
    negative: bool = False
    is_or: bool = False


def _clause(text: str, phrase: bool, boost: float = 1.0) -> tuple[wq.Query | None, list[str]]:
    tokens = analyse(text)
    if not tokens:
        return None, []
    if phrase and len(tokens) > 1:
        return wq.Or([wq.Phrase(name, tokens, boost=boost) for name in TEXT_FIELDS]), tokens
    per_token = [wq.Or([wq.Term(name, token, boost=boost) for name in TEXT_FIELDS]) for token in tokens]
    return (per_token[0] if len(per_token) == 1 else wq.And(per_token)), tokens


def _alternative(term: str) -> tuple[wq.Query | None, list[str]]:
    """An expression of the thesaurus as a phrase, weighted below the words typed. One longer
    than the shingle fields hold ("His Majesty's Revenue and Customs") is its runs of three
    words side by side, each found in a shingle field (scoring.py), rather than Whoosh's phrase
    search, which reads every word's positions (slow at 100,000 entries)."""
    tokens = analyse(term)
    longest = max(SHINGLE_SIZES)
    if len(tokens) <= longest:
        return _clause(term, phrase=True, boost=SYNONYM_WEIGHT)
    runs = [tokens[i : i + longest] for i in range(len(tokens) - longest + 1)]
    per_field = [wq.And([wq.Phrase(name, run, boost=SYNONYM_WEIGHT) for run in runs]) for name in TEXT_FIELDS]
    return wq.Or(per_field), tokens


def _parts(text: str) -> list[_Part]:
    parts = []
    for match in _TOKEN.finditer(text):
        negative, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR":
            parts.append(_Part("OR", is_or=True))
        elif quoted is not None:
            parts.append(_Part(quoted, quoted=True, negative=bool(negative)))
        elif bare.startswith("-") and len(bare) > 1:
            parts.append(_Part(bare[1:], negative=True))
        else:
            parts.append(_Part(bare))
    return parts


def _expanded(parts: list[_Part], thesaurus: Thesaurus, parsed: ParsedQuery) -> list[_Part | tuple]:
    """`parts` with each run of typed words replaced by (clause, tokens, words) triples, one a
    word or expression of the thesaurus (see `_run_clauses`)."""
    out: list[_Part | tuple] = []
    run: list[str] = []
    for part in parts:
        if part.is_or or part.quoted or part.negative:
            out.extend(_run_clauses(run, thesaurus, parsed))
            run = []
            out.append(part)
        else:
            run.append(part.text)
    out.extend(_run_clauses(run, thesaurus, parsed))
    return out


def _loses_letters(term: str) -> bool:
    """Whether the index would not see all of `term`: a word of one letter is not indexed, so
    "A level" would be searched as "level" and "E coli" as "coli", finding far more than they
    mean. People typing such an expression still reach the others of its group ("A&E" is kept
    whole, so "a and e" finds it)."""
    return any(len(word) < 2 for word in WORD.findall(term))


def _run_clauses(
    words: list[str], thesaurus: Thesaurus, parsed: ParsedQuery, whole: bool = True
) -> list[tuple]:
    """A clause for each typed word, or for each expression of the thesaurus among them: the
    expression as typed, or any other of its group as a phrase, weighted below it. Within a
    longer expression ("A&E waiting times"), shorter ones ("A&E") are expanded too; `whole`
    False is that inner pass, which must not find the whole run again."""
    out: list[tuple] = []
    at = 0
    for match in thesaurus.matches(words, whole=whole):
        out.extend((*_clause(word, phrase=False), [word]) for word in words[at : match.start])
        span = words[match.start : match.end]
        inner = (
            _run_clauses(span, thesaurus, parsed, whole=False)
            if len(span) > 1
            else [(*_clause(span[0], phrase=False), span)]
        )
        typed = [clause for clause, _, _ in inner if clause is not None]
        tokens = [token for _, found, _ in inner for token in found]
        alternatives = [typed[0] if len(typed) == 1 else wq.And(typed)] if typed else []
        seen, searched = {tuple(tokens)}, []
        for term in match.including:
            if _loses_letters(term):
                continue
            clause, term_tokens = _alternative(term)
            if clause is not None and tuple(term_tokens) not in seen:
                seen.add(tuple(term_tokens))
                searched.append(term)
                alternatives.append(clause)
                parsed.terms.update(term_tokens)
        if len(alternatives) > bool(typed):
            parsed.expansions.append(replace(match, including=tuple(searched)))
            out.append((wq.Or(alternatives), tokens, span))
        else:
            out.extend(inner)
        at = match.end
    out.extend((*_clause(word, phrase=False), [word]) for word in words[at:])
    return out


def parse_query(text: str, thesaurus: Thesaurus | None = None) -> ParsedQuery:
    """Turn what a person typed into a Whoosh query: all words must match (in any text field),
    a quoted phrase must match in order, ``-word`` excludes, ``OR`` between two parts makes
    either enough. With a `thesaurus`, typed words it knows also match the other expressions
    of their group, and `exact` is the query without them."""
    parsed = ParsedQuery(None)
    parts: list[_Part | tuple] = _parts(text)
    if thesaurus is not None:
        parts = _expanded(parts, thesaurus, parsed)
        if parsed.expansions:
            parsed.exact = parse_query(text).query
    groups: list[list[wq.Query]] = [[]]  # OR of ANDs
    excluded: list[wq.Query] = []
    pending_or = False
    for part in parts:
        if isinstance(part, tuple):
            clause, tokens, typed_words = part
        elif part.is_or:
            pending_or = bool(groups[-1])
            continue
        else:
            clause, tokens = _clause(part.text, phrase=part.quoted)
        if clause is None:
            continue
        if isinstance(part, _Part) and part.negative:
            excluded.append(clause)
            continue
        parsed.terms.update(tokens)
        if isinstance(part, tuple):
            parsed.words.extend(re.findall(r"\w+", " ".join(typed_words)))
        elif not part.quoted:
            parsed.words.extend(re.findall(r"\w+", part.text))
        if pending_or:
            groups.append([])
            pending_or = False
        groups[-1].append(clause)
    parsed.excluded = excluded
    if len(groups) == 1:
        parsed.parts = list(groups[0])
    alternatives = [g[0] if len(g) == 1 else wq.And(g) for g in groups if g]
    if not alternatives:
        if excluded:  # only exclusions: everything except them
            parsed.query = wq.AndNot(wq.Every(), wq.Or(excluded))
        return parsed
    positive = alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)
    parsed.query = wq.AndNot(positive, wq.Or(excluded)) if excluded else positive
    return parsed
