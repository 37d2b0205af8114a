"""Highlighting (search/highlighting.py) marks exactly what Whoosh's highlighter marks.

The highlighter makes its own tokens rather than running Whoosh's analyzer, and answers at once
when no word matches, so it is held to Whoosh's `highlight.highlight` with the same analyzer,
fragmenters, scorer and formatter, on texts made of the words a query looks for, stop words,
punctuation, HTML and anything else.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import highlight

from marketplace.search.analysis import TEXT_ANALYZER, analyse
from marketplace.search.highlighting import BETWEEN, MAX_CHARS, SURROUND, TOP, highlight_text

WORDS = [
    "road",
    "roads",
    "Traffic",
    "the",
    "This",
    "thi",
    "a",
    "and",
    "A&E",
    "3.5",
    "<b>",
    "é",
    "x",
    "data",
    "safety",
]
TEXT = st.lists(
    st.sampled_from(WORDS) | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    max_size=120,
).map(" ".join)
TERMS = st.sets(
    st.sampled_from(["road", "traffic", "a&e", "3.5", "data", "safeti", "the", "thi", "é"]), max_size=4
)


class MarkFormatter(highlight.HtmlFormatter):
    """Whoosh's HTML formatter with each match as a plain <mark>."""

    def __init__(self) -> None:
        super().__init__(tagname="mark", between=BETWEEN)

    def format_token(self, text, token, replace=False):
        return f"<mark>{highlight.htmlescape(highlight.get_text(text, token, replace))}</mark>"


def whoosh_highlight(text: str, terms: set[str], whole: bool) -> str | None:
    fragmenter = (
        highlight.WholeFragmenter()
        if whole
        else highlight.ContextFragmenter(maxchars=MAX_CHARS, surround=SURROUND)
    )
    marked = highlight.highlight(text, frozenset(terms), TEXT_ANALYZER, fragmenter, MarkFormatter(), top=TOP)
    return marked or None


@settings(max_examples=400, deadline=None)
@given(TEXT, TERMS, st.booleans())
def test_marks_what_whoosh_marks(text, terms, whole):
    assert highlight_text(text, terms, whole=whole) == whoosh_highlight(text, terms, whole)


def test_a_long_description_gives_its_two_best_fragments_around_the_words():
    text = ("Counts of vehicles on each road. " * 20) + "Traffic on minor roads, by region. " * 5
    terms = set(analyse("road traffic"))
    marked = highlight_text(text, terms)
    assert marked == whoosh_highlight(text, terms, whole=False)
    assert marked.count(" … ") == 1 and "<mark>Traffic</mark>" in marked


def test_a_word_past_whooshs_character_limit_is_not_marked():
    text = "x " * (highlight.DEFAULT_CHARLIMIT // 2) + "road"
    assert highlight_text(text, {"road"}, whole=True) is None
    assert whoosh_highlight(text, {"road"}, whole=True) is None


def test_text_without_the_words_is_not_marked():
    assert highlight_text("Crime in England and Wales", {"road"}) is None
    assert highlight_text("", {"road"}) is None
    assert highlight_text("Road safety", set()) is None


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=400), st.booleans())
def test_marks_what_whoosh_marks_about_its_character_limit(words_before, whole):
    # Whoosh's fragmenters stop at the first word ending past DEFAULT_CHARLIMIT characters.
    text = "road " + "x " * (highlight.DEFAULT_CHARLIMIT // 2 - 200) + "y " * words_before + "road traffic"
    assert highlight_text(text, {"road", "traffic"}, whole=whole) == whoosh_highlight(
        text, {"road", "traffic"}, whole
    )
