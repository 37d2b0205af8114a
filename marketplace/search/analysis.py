"""Turning text into the words the index holds, once per text.

`TEXT_ANALYZER` is Whoosh's own chain (a tokeniser, lower case, stop words, a stemmer);
the highlighter uses it because it needs each word's place in the text. Everything else uses
`analyse`, which gives exactly the same words (a property test holds it to that) in plain Python
lists: the index is handed those lists rather than the texts, so each text is analysed once
for its words, its stems and its shingles, instead of once per field and again per shingle
field, and without a Token object per word. That, with bulk.py, is what makes a full reindex
fast enough at 100,000 entries.
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import STOP_WORDS, StandardAnalyzer, StemmingAnalyzer
from whoosh.lang.porter2 import stem

# Words are runs of letters and digits, kept whole across "&" ("A&E", "R&D") and inner dots
# ("3.5"); Whoosh's default pattern also keeps "*", so "road*" would look for "road*".
WORD_PATTERN = r"\w+(?:&\w+)*(?:\.?\w+)*"
# Snowball's English stemmer (Porter2) rather than Whoosh's default Porter, whose version leaves
# words apart that people type in either form: "recycle" and "recycling", "map" and "mapping",
# "month" and "monthly", "aging" and "ageing" (and joins "news" with "new").
TEXT_ANALYZER = StemmingAnalyzer(expression=WORD_PATTERN, stemfn=stem)
# Unstemmed: "did you mean" and completion must offer real words, not stems ("burglari").
WORD_ANALYZER = StandardAnalyzer(expression=WORD_PATTERN)

WORD = re.compile(WORD_PATTERN)
_MIN_LENGTH = 2  # Whoosh's StopFilter drops shorter words
# Stems of a catalogue's vocabulary: tens of thousands of distinct words at 100,000 entries.
_stem = lru_cache(maxsize=200_000)(stem)


def stem_word(word: str) -> str:
    """The stem of one lower-case word, as the index holds it."""
    return _stem(word)


def words(text: str) -> list[str]:
    """The text's words, lower case, without stop words: what WORD_ANALYZER gives."""
    lowered = (match.lower() for match in WORD.findall(text))
    return [w for w in lowered if len(w) >= _MIN_LENGTH and w not in STOP_WORDS]


def stems(text_words: list[str]) -> list[str]:
    """Stems of words from `words`: together, what TEXT_ANALYZER gives."""
    return [_stem(w) for w in text_words]


def analyse(text: str) -> list[str]:
    """The stemmed words of `text`, in order: what TEXT_ANALYZER gives."""
    return stems(words(text))


def marked_words(text: str, terms: frozenset[str]) -> list[tuple[str, int, int, bool]]:
    """What TEXT_ANALYZER gives the highlighter for `text` (stop words kept, lower case and
    unstemmed): (word, start, end, whether it is one of `terms`) for each word, in order."""
    out = []
    for match in WORD.finditer(text):
        word = match.group(0).lower()
        if len(word) >= _MIN_LENGTH and word not in STOP_WORDS:
            word = _stem(word)
        out.append((word, match.start(), match.end(), word in terms))
    return out
