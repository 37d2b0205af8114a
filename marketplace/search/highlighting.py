"""Marking a query's words in an entry's text, exactly as Whoosh's highlighter does, faster.

Whoosh's `highlight.highlight` runs the text through TEXT_ANALYZER's chain of generators (a
tokeniser, lower case, stop words, the stemmer, then its "matched" filter), one Token through
five generators a word, and then its fragmenter, scorer and formatter over Token copies: at 20
entries a page, with a title and a description each, that was half the time of a search at
10,000 entries (bench/search.py). Here the words are found in one loop (analysis.marked_words),
a text none of whose words match is done with at once (most titles and many descriptions), and
Whoosh's WholeFragmenter, ContextFragmenter, BasicFragmentScorer, top_fragments and
HtmlFormatter, as this module calls them, are followed step by step over plain tuples. A
property test holds the output to Whoosh's own on any text.
"""

from __future__ import annotations

from html import escape

from whoosh.highlight import DEFAULT_CHARLIMIT

from marketplace.search.analysis import marked_words

TOP = 2  # fragments of a description shown, best first, then in text order
MAX_CHARS = 240  # of a fragment (ContextFragmenter's maxchars)
SURROUND = 60  # characters of context before the first and after the last match
BETWEEN = " … "

_Word = tuple[str, int, int, bool]  # (word as the index holds it, start, end, matched)
_Fragment = tuple[int, int, list[_Word]]  # (start, end, matched words)


def highlight_text(text: str | None, terms: set[str], *, whole: bool = False) -> str | None:
    """`text` with the query's terms marked (HTML-escaped, ``<mark>``), or None if none occur.

    Titles are marked whole; descriptions give the best fragments around the matches.
    """
    if not text or not terms:
        return None
    analysed = marked_words(text, frozenset(terms))
    reachable = _reachable(analysed)
    if not any(word[3] for word in analysed[:reachable]):
        return None
    if whole:
        fragments = [(0, len(text), [word for word in analysed[:reachable] if word[3]])]
    else:
        fragments = _best(_context_fragments(analysed, reachable))
    return BETWEEN.join(_format(text, fragment) for fragment in fragments) or None


def _reachable(analysed: list[_Word]) -> int:
    """How many words come before the first ending past Whoosh's character limit, where its
    fragmenters stop."""
    if not analysed or analysed[-1][2] <= DEFAULT_CHARLIMIT:
        return len(analysed)
    return next(i for i, word in enumerate(analysed) if word[2] > DEFAULT_CHARLIMIT)


def _context_fragments(analysed: list[_Word], reachable: int) -> list[_Fragment]:
    """Whoosh's ContextFragmenter(maxchars=MAX_CHARS, surround=SURROUND).fragment_tokens, over
    the words up to the `reachable`th (the last fragment ends where the one after it does)."""
    out: list[_Fragment] = []
    first = None
    firsts: list[int] = []  # starts of unmatched words within SURROUND before the next match
    countdown = -1
    matches: list[_Word] = []
    end = 0
    length = 0
    for i, word in enumerate(analysed):
        _, start, end, matched = word
        if i == reachable:
            break
        size = end - start
        if countdown < 0 and not matched:
            firsts.append(start)
            while firsts and end - firsts[0] > SURROUND:
                firsts.pop(0)
        elif length + size > MAX_CHARS:
            countdown = 0
        elif matched:
            countdown = SURROUND
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = start
                    countdown += SURROUND
            matches.append(word)
        if countdown >= 0:
            length += size
            countdown -= size
            if countdown <= 0:
                out.append((_start(first, matches), end, matches))
                matches, firsts, first, length = [], [], None, 0
    if matches:
        out.append((_start(first, matches), end, matches))
    return out


def _start(first: int | None, matches: list[_Word]) -> int:
    # Whoosh's mkfrag: a fragment cut short before its first match starts at that match (or 0).
    if first is not None:
        return first
    return matches[0][1] if matches else 0


def _score(fragment: _Fragment) -> int:
    """BasicFragmentScorer: the matches (each of boost 1) times 100 a distinct word matched."""
    matches = fragment[2]
    return len(matches) * ((len({word for word, *_ in matches}) * 100) or 1)


def _best(fragments: list[_Fragment]) -> list[_Fragment]:
    """top_fragments(fragments, TOP, minscore=1, order=FIRST): the TOP best scored (of equal
    scores the later, as heapq.nlargest compares Whoosh's fragments by start), in text order."""
    ranked = sorted(fragments, key=lambda f: (_score(f), f[0]), reverse=True)[:TOP]
    return sorted((f for f in ranked if _score(f) >= 1), key=lambda f: f[0])


def _format(text: str, fragment: _Fragment) -> str:
    """HtmlFormatter.format_fragment with each match as ``<mark>``."""
    start, end, matches = fragment
    output = []
    index = start
    for _, word_start, word_end, _ in sorted(matches, key=lambda w: (w[1], -(w[2] - w[1]))):
        if word_start < index:
            continue
        if word_start > index:
            output.append(escape(text[index:word_start], quote=False))
        output.append(f"<mark>{escape(text[word_start:word_end])}</mark>")
        index = word_end
    output.append(escape(text[index:end], quote=False))
    return "".join(output)
