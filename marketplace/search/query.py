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
# A broader term of the thesaurus ("crime" for "burglary") says less than a synonym.
BROADER_WEIGHT = 0.25

# Words of a question or a request ("how many people claim pension credit", "what did next door
# sell for", "burglaries in my area") that say nothing of the subject. Whoosh's stop words are
# a document's ("the", "of"), so these were searched for, and an entry had to hold every one:
# "my" in some description outranked the entry wanted. They are left out of the search unless
# nothing else was typed; inside an expression of the thesaurus or a quoted phrase they count.
QUESTION_WORDS = frozenset(
    """how what which who whom whose where why do does did done doing was were been being has had
    me my mine our ours their theirs they them these those there here its his him he she many much
    most please show find get give want need what's whats who's where's""".split()  # noqa: SIM905 (words read better as words)
)
# "How long ...", "how often ...": the second word asks the question too.
QUESTION_PAIRS = {("how", "long"), ("how", "often")}
# "In my area", "in our council": the place is where the person is, which an entry gives by
# local authority or small area without saying "my area"; it is optional after "my" or "our".
OWN_PLACES = frozenset(
    """area areas council borough district county town city village street neighbourhood postcode
    region ward constituency""".split()  # noqa: SIM905
)
# Words that say what every entry of a data catalogue is ("road map data", "soldiers numbers",
# "people in prison"): an entry need not hold them, and one that does ranks higher.
CATALOGUE_WORDS = frozenset(
    """data dataset datasets database statistics stats figures numbers number information info
    people""".split()  # noqa: SIM905
)


@dataclass
class ParsedQuery:
    query: wq.Query | None  # None: nothing to match on (empty, or only stop words)
    terms: set[str] = field(default_factory=set)  # stemmed terms, for highlighting
    words: list[str] = field(default_factory=list)  # what the user typed, for "did you mean"
    # Expressions of the thesaurus found in what was typed, and the query without them (what
    # matches the words as typed ranks first; None if nothing would).
    expansions: list[Match] = field(default_factory=list)
    exact: wq.Query | None = None
    # Words of CATALOGUE_WORDS typed: matching one adds to an entry's score, but is not needed.
    optional: list[wq.Query] = field(default_factory=list)
    left_out: bool = False  # some typed words were left out or made optional
    groups: list[list[wq.Query]] = field(default_factory=list)  # the OR of ANDs searched
    # A query of parts that must all match (no OR): each part, and what is excluded, so that a
    # search finding (almost) nothing can look for entries with most of the parts instead.
    parts: list[wq.Query] = field(default_factory=list)
    excluded: list[wq.Query] = field(default_factory=list)


@dataclass
class _Found:
    """What a typed word or expression searches for: `clause`, with what the thesaurus adds;
    `exact`, the words as typed only; their stems (`tokens`); and the `typed` words."""

    clause: wq.Query | None
    exact: wq.Query | None
    tokens: list[str]
    typed: list[str]


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


def _alternative(term: str, weight: float = SYNONYM_WEIGHT) -> tuple[wq.Query | None, list[str]]:
    """An expression of the thesaurus as a phrase, weighted below the words typed. One longer
    than the shingle fields hold ("His Majesty's Revenue and Customs") is its runs of three
    words side by side, each found in a shingle field (scoring.py), rather than Whoosh's phrase
    search, which reads every word's positions (slow at 100,000 entries)."""
    tokens = analyse(term)
    longest = max(SHINGLE_SIZES)
    if len(tokens) <= longest:
        return _clause(term, phrase=True, boost=weight)
    runs = [tokens[i : i + longest] for i in range(len(tokens) - longest + 1)]
    per_field = [wq.And([wq.Phrase(name, run, boost=weight) for run in runs]) for name in TEXT_FIELDS]
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


def _expanded(
    parts: list[_Part], thesaurus: Thesaurus | None, parsed: ParsedQuery, keep: bool
) -> list[_Part | _Found]:
    """`parts` with each run of typed words replaced by what it searches for, one _Found a word
    or expression of the thesaurus (see `_run_clauses`)."""
    out: list[_Part | _Found] = []
    run: list[str] = []
    for part in parts:
        if part.is_or or part.quoted or part.negative:
            out.extend(_run_clauses(run, thesaurus, parsed, keep=keep))
            run = []
            out.append(part)
        else:
            run.append(part.text)
    out.extend(_run_clauses(run, thesaurus, parsed, keep=keep))
    return out


def _loses_letters(term: str) -> bool:
    """Whether the index would not see all of `term`: a word of one letter is not indexed, so
    "A level" would be searched as "level" and "E coli" as "coli", finding far more than they
    mean. People typing such an expression still reach the others of its group ("A&E" is kept
    whole, so "a and e" finds it)."""
    return any(len(word) < 2 for word in WORD.findall(term))


def _all(clauses: list[wq.Query]) -> wq.Query:
    return clauses[0] if len(clauses) == 1 else wq.And(clauses)


def _plain(word: str) -> str:
    """A typed word as the lists above hold it: lower case, a typographic apostrophe as "'",
    without the question mark or comma after it."""
    return word.lower().replace("\u2019", "'").strip("?!.,;:")


def _words(words: list[str], parsed: ParsedQuery, keep: bool) -> list[_Found]:
    """A clause for each typed word outside the thesaurus's expressions; unless `keep`, the
    words of a question are left out and the catalogue's own words made optional."""
    out = []
    for at, word in enumerate(words):
        lowered = _plain(word)
        if not keep and (
            lowered in QUESTION_WORDS or (at and (_plain(words[at - 1]), lowered) in QUESTION_PAIRS)
        ):
            parsed.left_out = True
            continue
        clause, tokens = _clause(word, phrase=False)
        own_place = at and _plain(words[at - 1]) in ("my", "our") and lowered in OWN_PLACES
        if not keep and (lowered in CATALOGUE_WORDS or own_place):
            parsed.left_out = True
            if clause is not None:
                parsed.optional.append(clause)
                parsed.terms.update(tokens)
            continue
        out.append(_Found(clause, clause, tokens, [word]))
    return out


def _run_clauses(
    words: list[str], thesaurus: Thesaurus | None, parsed: ParsedQuery, whole: bool = True, keep: bool = False
) -> list[_Found]:
    """What each typed word searches for, or each expression of the thesaurus among them: the
    expression as typed, or any other of its group as a phrase, weighted below it. Within a
    longer expression ("A&E waiting times"), shorter ones ("A&E") are expanded too; `whole`
    False is that inner pass, which must not find the whole run again. Every word of an
    expression counts, as typed."""
    out: list[_Found] = []
    at = 0
    for match in thesaurus.matches(words, whole=whole) if thesaurus is not None else []:
        out.extend(_words(words[at : match.start], parsed, keep))
        span = words[match.start : match.end]
        inner = (
            _run_clauses(span, thesaurus, parsed, whole=False, keep=True)
            if len(span) > 1
            else _words(span, parsed, keep=True)
        )
        typed = [found.clause for found in inner if found.clause is not None]
        exact = [found.exact for found in inner if found.exact is not None]
        tokens = [token for found in inner for token in found.tokens]
        alternatives = [_all(typed)] if typed else []
        seen, searched = {tuple(tokens)}, []
        weights = [SYNONYM_WEIGHT] * len(match.including) + [BROADER_WEIGHT] * len(match.broader)
        for term, weight in zip((*match.including, *match.broader), weights, strict=True):
            if _loses_letters(term):
                continue
            clause, term_tokens = _alternative(term, weight)
            if clause is not None and tuple(term_tokens) not in seen:
                seen.add(tuple(term_tokens))
                searched.append(term)
                alternatives.append(clause)
                parsed.terms.update(term_tokens)
        if len(alternatives) > bool(typed):
            parsed.expansions.append(replace(match, including=tuple(searched), broader=()))
            # An expression typed matches as typed where its words are side by side: "out of
            # work" is not in an entry that says "work" in one place and "carried out" in another.
            if len(tokens) > 1:
                exact = [_alternative(" ".join(span), weight=1.0)[0]]
            out.append(_Found(wq.Or(alternatives), _all(exact) if exact else None, tokens, span))
        else:
            out.extend(inner)
        at = match.end
    out.extend(_words(words[at:], parsed, keep))
    return out


def _assemble(groups: list[list[wq.Query]], excluded: list[wq.Query]) -> wq.Query | None:
    """An OR of the groups, each an AND of its clauses, less what is excluded."""
    alternatives = [_all(group) for group in groups if group]
    if not alternatives:
        # Only exclusions: everything except them.
        return wq.AndNot(wq.Every(), wq.Or(excluded)) if excluded else None
    positive = alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)
    return wq.AndNot(positive, wq.Or(excluded)) if excluded else positive


def parse_query(text: str, thesaurus: Thesaurus | None = None) -> ParsedQuery:
    """Turn what a person typed into a Whoosh query: all words must match (in any text field),
    a quoted phrase must match in order, ``-word`` excludes, ``OR`` between two parts makes
    either enough. The words of a question ("how many") are left out and the catalogue's own
    words ("data", "statistics") are optional, unless nothing else was typed. With a
    `thesaurus`, typed words it knows also match the other expressions of their group, and
    `exact` is the query without them."""
    parsed = _parse(text, thesaurus, keep=False)
    if parsed.left_out and not any(parsed.groups):
        parsed = _parse(text, thesaurus, keep=True)
    return parsed


def _parse(text: str, thesaurus: Thesaurus | None, keep: bool) -> ParsedQuery:
    parsed = ParsedQuery(None)
    parts = _expanded(_parts(text), thesaurus, parsed, keep)
    groups: list[list[wq.Query]] = [[]]  # OR of ANDs
    exact_groups: list[list[wq.Query]] = [[]]
    excluded: list[wq.Query] = []
    pending_or = False
    for part in parts:
        if isinstance(part, _Found):
            found = part
        elif part.is_or:
            pending_or = bool(groups[-1])
            continue
        else:
            clause, tokens = _clause(part.text, phrase=part.quoted)
            if part.negative:
                if clause is not None:
                    excluded.append(clause)
                continue
            found = _Found(clause, clause, tokens, [])  # quoted: no "did you mean" for it
        if found.clause is None:
            continue
        parsed.terms.update(found.tokens)
        parsed.words.extend(re.findall(r"\w+", " ".join(found.typed)))
        if pending_or:
            groups.append([])
            exact_groups.append([])
            pending_or = False
        groups[-1].append(found.clause)
        if found.exact is not None:
            exact_groups[-1].append(found.exact)
    parsed.excluded = excluded
    parsed.groups = groups
    if len(groups) == 1:
        parsed.parts = list(groups[0])
    parsed.query = _assemble(groups, excluded)
    if parsed.expansions:
        parsed.exact = _assemble(exact_groups, excluded)
    if parsed.optional and any(groups):
        parsed.query = wq.AndMaybe(parsed.query, wq.Or(parsed.optional))
    return parsed
