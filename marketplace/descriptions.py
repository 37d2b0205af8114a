"""Descriptions written in Markdown, turned into HTML that is safe to put on a page.

Two locks, so that one mistake does not open the door: Markdown is run with raw HTML switched
off (any HTML a publisher types is shown as text) and links keep only allowed schemes, and the
output then passes nh3's allow-list of tags, attributes, classes and link schemes. Images are not
loaded from other sites (a tracking pixel would learn who reads the page): they become links to
the picture.

Anyone can make the server render a description by visiting its page, so rendering must cost
little whatever the text. Python-Markdown's work grew as the square of the text (25 to 50 seconds
for 20 KB of brackets); markdown-it-py parses CommonMark in time linear in the text (its
backtracking is bounded by design, and nesting by `maxNesting`). Being pure Python it still
costs some microseconds a character on the worst texts (0.1 to 0.4 s for 20 KB, against under a
millisecond for ordinary prose), so the entry schema bounds what costs most (square and angle
brackets, lines, emphasis and code marks: see the MAX_ constants), tables are held to a budget
of cells, text longer than the schema allows is not parsed, and each description is rendered
once, when it is saved: the entry
keeps the HTML with the version of these rules that made it (`description_html`), and a page
shows it as kept. Only an entry saved before, or under older rules, is rendered when viewed,
once per process, then served from a cache.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from typing import NamedTuple

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import table
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup, escape

# GOV.UK Frontend styles nothing by element alone: each element gets its class.
GOVUK_CLASSES = {
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
    "h2": "govuk-heading-m",
    "h3": "govuk-heading-s",
    "h4": "govuk-heading-s",
    "h5": "govuk-heading-s",
    "h6": "govuk-heading-s",
    "blockquote": "govuk-inset-text",
    "hr": "govuk-section-break govuk-section-break--m govuk-section-break--visible",
    "table": "govuk-table",
    "thead": "govuk-table__head",
    "tbody": "govuk-table__body",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
}
ALLOWED_TAGS = {"br", "code", "em", "li", "pre", "strong", *GOVUK_CLASSES}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
ALLOWED_CLASSES = {tag: set(classes.split()) for tag, classes in GOVUK_CLASSES.items()}
URL_SCHEMES = {"http", "https", "mailto"}

# Blocks nested deeper than this (quotes in lists in quotes…) end the parse of that block, and
# inline markup deeper than this is left as text: CommonMark's own preset, said here so it stays.
MAX_NESTING = 20
# The entry schema's limit on a description (held equal by a test). A longer text can only be
# older data or written around the schema: it is shown as plain paragraphs, which costs little
# whatever its size, rather than parsed.
MAX_MARKDOWN_CHARACTERS = 20_000
# Table cells in one description, in all its tables: each cell costs the parser some tens of
# microseconds, and a short row is filled up to the header's width, so 20 KB of text could ask
# for 65,536 cells (2.5 MB of HTML, over a second). Rows past the budget are shown as text.
MAX_TABLE_CELLS = 1000
# Square brackets in one description: each opens a possible link or image, and CommonMark's
# search for the matching bracket costs tens of Python calls a character, so 10,000 of them took
# about a quarter of a second to render even in linear time. A thousand is far more than any real
# description has (links and images use one each); the entry schema refuses more.
MAX_SQUARE_BRACKETS = 1000
# The same for blocks and inline marks (measured, at 20 KB: 6,667 paragraphs took 240 ms, 5,000
# list items 295 ms, 10,000 emphasis marks 146 ms, 1,400 autolinks 74 ms; within these bounds
# the worst takes about 50 ms). Each line can open a block; each *, _ or ` can open emphasis or
# code; each < can open an autolink. Real descriptions use a small part of each.
MAX_LINES = 1000
MAX_INLINE_MARKS = 2000
MAX_ANGLE_BRACKETS = 500
# Rendered descriptions kept per process, by size of the HTML (characters), not by count, so
# that a few huge texts cannot hold the memory of thousands of ordinary ones.
CACHE_CHARACTERS = 16 * 1024 * 1024

_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def _allowed_href(href: str) -> bool:
    # markdown-it has already percent-encoded spaces and control characters, so what looks like
    # a scheme here is what a browser would take for one; anything else is a relative address.
    scheme = _SCHEME.match(href)
    return scheme is None or scheme.group(1).lower() in URL_SCHEMES


def _image_as_link(image: Token, alt: str, inside_link: bool) -> list[Token]:
    """A link to the picture, its alt text the link's text (or the address if it has none);
    inside another link only the alt text, as links cannot nest."""
    text = Token("text", "", 0, content=alt or str(image.attrs.get("src", "")))
    if inside_link:
        return [text]
    attrs = {"class": GOVUK_CLASSES["a"]}
    if _allowed_href(src := str(image.attrs.get("src", ""))):
        attrs["href"] = src
    if image.attrs.get("title"):
        attrs["title"] = image.attrs["title"]
    return [Token("link_open", "a", 1, attrs=attrs), text, Token("link_close", "a", -1)]


def _inline(state: StateCore, children: list[Token]) -> list[Token]:
    result: list[Token] = []
    inside_link = False
    tokens = iter(children)
    for token in tokens:
        if token.type == "image":
            alt = state.md.renderer.renderInlineAsText(token.children, state.md.options, state.env)
            result.extend(_image_as_link(token, alt, inside_link))
            continue
        if token.type == "link_open":
            if not _allowed_href(str(token.attrs.get("href", ""))):
                if token.markup == "autolink":  # "<javascript:…>" stays the text it was
                    text, _ = next(tokens), next(tokens)  # an autolink is open, text, close
                    result.append(Token("text", "", 0, content=f"<{text.content}>"))
                    continue
                del token.attrs["href"]  # the link's text stays, as plain text
            token.attrs = {"class": GOVUK_CLASSES["a"], **token.attrs}
            inside_link = True
        elif token.type == "link_close":
            inside_link = False
        result.append(token)
    return result


def _govuk(state: StateCore) -> None:
    """Images to links, disallowed link schemes dropped, headings moved down below the page's
    own, and each element given its GOV.UK class."""
    shift = state.env["top_heading"] - 1
    for token in state.tokens:
        if token.type == "inline" and token.children:
            token.children = _inline(state, token.children)
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
        if token.nesting == -1 or token.tag not in GOVUK_CLASSES:
            continue
        # The alignment the table rule writes is an inline style, which the CSP forbids.
        token.attrs.pop("style", None)
        token.attrs = {"class": GOVUK_CLASSES[token.tag], **token.attrs}
        if token.tag == "th":
            token.attrs["scope"] = "col"


def _table_within_budget(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's table rule, given only as many rows as the description's remaining budget
    of cells allows (its own limit, 65,536 filled-in cells, is far more than we can afford)."""
    if not table(state, start_line, end_line, True):  # what is not a table is turned away cheaply
        return False
    # The delimiter row (the second line, such as "|---|:--:|") has one part for each column.
    delimiter = state.src[state.bMarks[start_line + 1] : state.eMarks[start_line + 1]].strip()
    columns = len(delimiter.removeprefix("|").removesuffix("|").split("|"))
    budget = state.env.setdefault("table_cells_left", MAX_TABLE_CELLS)
    rows = budget // columns - 1  # less the header
    if rows < 0:
        return False
    if silent:
        return True
    first = len(state.tokens)
    table(state, start_line, min(end_line, start_line + 2 + rows), False)
    state.env["table_cells_left"] -= sum(t.type in {"th_open", "td_open"} for t in state.tokens[first:])
    return True


def _parser() -> MarkdownIt:
    # CommonMark with raw HTML off ("<b>" and "<script>" are text, escaped like any other), tables
    # on; no linkify, no typographer. The parser holds no state between calls, so one serves all
    # threads.
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING, "xhtmlOut": False}).enable(
        "table"
    )
    # Every [text](address) becomes a link whatever its scheme, so that the scheme check below
    # can drop a bad address and keep the text, rather than print the Markdown source.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.block.ruler.at("table", _table_within_budget, {"alt": ["paragraph", "reference"]})
    md.core.ruler.push("govuk", _govuk)
    return md


_PARSER = _parser()
# markdown-it builds each rule list on first use, and a thread arriving while another builds it
# would find it half-built: build them all now, with a text that reaches every list.
_PARSER.render("> - *a*\n\n[b]: c", {"top_heading": 1})
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _plain_paragraphs(text: str) -> str:
    return "".join(
        f'<p class="govuk-body">{escape(part.strip())}</p>\n'
        for part in _BLANK_LINE.split(text)
        if part.strip()
    )


def _render(text: str, top_heading: int) -> str:
    if len(text) > MAX_MARKDOWN_CHARACTERS:
        return _plain_paragraphs(text)
    html = _PARSER.render(text, {"top_heading": top_heading})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    entries: int
    characters: int


class RenderCache:
    """The HTML of recently rendered descriptions, the least recently used dropped first to stay
    within a budget of characters; keyed by a digest, so it does not hold the texts as well.
    Two threads that miss the same text both render it: harmless, and no lock is held while
    rendering."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._characters = 0
        self._hits = 0
        self._misses = 0
        self._entries: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> str | None:
        with self._lock:
            html = self._entries.get(key)
            if html is None:
                self._misses += 1
            else:
                self._hits += 1
                self._entries.move_to_end(key)
            return html

    def put(self, key: bytes, html: str) -> None:
        if len(html) > self.budget:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = html
            self._characters += len(html)
            while self._characters > self.budget:
                _, dropped = self._entries.popitem(last=False)
                self._characters -= len(dropped)

    def info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self._hits, self._misses, len(self._entries), self._characters)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._characters = self._hits = self._misses = 0


_CACHE = RenderCache(CACHE_CHARACTERS)
# The version of these rules (parser, options, allow-lists, GOV.UK classes, heading level) that
# stored HTML was made with. Raise it with any change to what the HTML would be: entries then
# render again when viewed (and are stored anew at their next change), so a fix reaches them all.
RENDERING = 1
# Entry pages put a description under the page's <h2> sections.
DESCRIPTION_TOP_HEADING = 3


def render_markdown(text: str | None, top_heading: int = 3) -> Markup:
    """`text` as sanitised HTML; its headings start at <h`top_heading`> so they sit under the page's."""
    if not text:
        return Markup("")
    digest = hashlib.blake2b(b"%d\n" % top_heading, digest_size=16)
    digest.update(text.encode("utf-8", "surrogatepass"))
    key = digest.digest()
    html = _CACHE.get(key)
    if html is None:
        html = _render(text, top_heading)
        _CACHE.put(key, html)
    return Markup(html)


def description_html(text: str | None) -> tuple[str | None, int | None]:
    """What an entry keeps for its description: the page's HTML and the rules' version (both
    None for no description). Renders without the cache: it runs once, when the entry is saved."""
    if not text:
        return None, None
    return _render(text, DESCRIPTION_TOP_HEADING), RENDERING


def shown_description(html: str | None, rendering: int | None, text: str | None) -> Markup:
    """The description's HTML for a page: as kept when the entry was saved, unless it was kept by
    older rules (or before entries kept it), when it is rendered now."""
    if html is not None and rendering == RENDERING:
        return Markup(html)
    return render_markdown(text, DESCRIPTION_TOP_HEADING)


def cache_info() -> CacheInfo:
    """Hits, misses, entries and characters held by this process's cache of rendered HTML."""
    return _CACHE.info()


def cache_clear() -> None:
    _CACHE.clear()
