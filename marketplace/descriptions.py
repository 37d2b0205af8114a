"""Descriptions written in Markdown, turned into HTML that is safe to put on a page.

Two locks, so that one mistake does not open the door. Markdown is rendered by cmark-gfm, the C
reference implementation of CommonMark with GitHub's tables (through cmarkgfm, as PyPI renders
READMEs), in its safe mode, with every "<" that does not begin an autolink turned into text
first, so any HTML a publisher types is shown as the text it is; links keep only allowed schemes,
and images are not loaded from other sites (a tracking pixel would learn who reads the page):
they become links to the picture. The output then passes nh3's allow-list of tags, attributes
and link schemes, which also gives each element its GOV.UK class.

Anyone can make the server render a description by visiting its page, so rendering must cost
little whatever the text. Python-Markdown's work grew as the square of the text (25 to 50
seconds for 20 KB of brackets), and even markdown-it-py, linear in the text, spent up to 0.6 s on
20 KB of some texts in pure Python (an unclosed "[" before a run of "-"). cmark-gfm is linear and
in C: a millisecond or two for 20 KB whatever it holds. What is left is bounded here: tables
(short rows are filled up to the header's width), block quotes nested deeply (nh3's HTML parser
takes time growing as the square of the depth), and text longer than the schema allows, which
is not parsed. Each description is also rendered once, when it is saved: the entry keeps the HTML
with the version of these rules that made it (`description_html`), and a page shows it as kept.
Only an entry saved before, or under older rules, is rendered when viewed, once per process,
then served from a cache.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from typing import NamedTuple

import nh3
from cmarkgfm.cmark import Options, markdown_to_html_with_extensions
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
# Set on every such element, whatever the Markdown made (nh3 drops any other class). One each,
# so that the HTML is the same each time (nh3 adds several in no fixed order).
SET_ATTRIBUTES = {tag: {"class": classes} for tag, classes in GOVUK_CLASSES.items()}
URL_SCHEMES = {"http", "https", "mailto"}

# The entry schema's limit on a description (held equal by a test). A longer text can only be
# older data or written around the schema: it is shown as plain paragraphs, which costs little
# whatever its size, rather than parsed.
MAX_MARKDOWN_CHARACTERS = 20_000
# Table cells in one description, in all its tables. A table's short rows are filled up to its
# header's width, so 20 KB could ask for millions of cells (cmark-gfm stops at about 500,000:
# 5 MB of HTML and 0.2 s). Counted before parsing, as an upper bound (`table_cells_at_most`):
# the entry schema refuses a description past it, and older text past it is shown with its
# tables as the text they were typed as. 5,000 cells is 100 rows of 50 columns.
MAX_TABLE_CELLS = 5000
# Block quotes nested deeper than this: the ">" past it are text. cmark nests any number, and
# nh3's HTML parser takes time growing as the square of the depth (a second for 10,000).
MAX_NESTING = 20
# Rendered descriptions kept per process, by size of the HTML (characters), not by count, so
# that a few huge texts cannot hold the memory of thousands of ordinary ones.
CACHE_CHARACTERS = 16 * 1024 * 1024

# Two noncharacters (never meant for interchange, so no real text needs them) stand for a "<" or
# ">" that must stay text while cmark parses the Markdown, and are turned back after.
_LT, _GT = "\ufdd0", "\ufdd1"
_RESTORED = (
    (_LT, "&lt;"),
    (_GT, "&gt;"),
    # In a link's address cmark writes them percent-encoded, as UTF-8.
    ("%EF%B7%90", "%3C"),
    ("%EF%B7%91", "%3E"),
)
# A "<" that could begin raw HTML is made text: any not escaped by a backslash, except one that
# begins an autolink whose scheme is allowed (<https://…>, <mailto:…> or <e-mail address>; any
# other autolink stays the text it was) or a link's address in angle brackets, "](<…>)" (were it
# raw HTML after all, cmark's safe mode would drop it, not run it). Within code, where "<" is always
# text, the stand-in is turned back into the same "<".
_TEXT_LT = re.compile(
    r"(?<!\\)((?:\\\\)*)<(?!(?<=\]\(<)[^<>\n]*>[ \t]*[)\"'(])(?!"
    r"(?i:https?|mailto):[^\x00-\x20<>]*>"
    r"|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>)"
)
# A run of more block quote markers than MAX_NESTING (">>>>" or "> > > >").
_QUOTE_MARKERS = re.compile(rf"(?:>[ \t]*){{{MAX_NESTING + 1},}}")
_FIRST_MARKERS = re.compile(rf"(?:>[ \t]*){{{MAX_NESTING}}}")
_LINE_END = re.compile(r"\r\n|\r")
# A line that could be a table's delimiter row (the second line, such as "|---|:--:|"), with any
# block quote markers and indentation before it. The classes do not overlap, so that no line
# makes the expression backtrack more than its length.
# (cmark counts vertical tab and form feed as spaces here.)
_DELIMITER_ROW = re.compile(r"^[ \t\v\f>]*[|:-][|:\- \t\v\f]*$", re.MULTILINE)
_DELIMITER_CHARACTERS = re.compile(r"[|:\- \t\v\f]+")
_DASHES = re.compile(r"-+")


def table_cells_at_most(text: str) -> int:
    """At least as many cells as the tables in `text` would have, counted without parsing it: a
    table has a delimiter row's columns (each has its run of "-") in its header and each row
    below it, until a blank line. Anything shaped like a delimiter row counts (a "---" line, or
    one in a code block), so this may count more than there are, never fewer."""
    text = _LINE_END.sub("\n", text)
    if not _DELIMITER_ROW.search(text):  # most descriptions: no need to look at each line
        return 0
    cells = 0
    lines_below = 0  # lines from the one below to the next blank line
    for line in reversed(text.split("\n")):
        line = line.lstrip(" \t>")
        if not line.strip(" \t"):
            lines_below = 0
            continue
        if "-" in line and _DELIMITER_CHARACTERS.fullmatch(line):
            # Cells are parted by "|", and each has its own run of "-".
            columns = len(_DASHES.findall(line)) if "|" in line else 1
            cells += columns * (lines_below + 1)  # the header and the rows below
        lines_below += 1
    return cells


def _deep_quotes_as_text(run: re.Match[str]) -> str:
    kept = _FIRST_MARKERS.match(run.group()).end()  # type: ignore[union-attr]
    return run.group()[:kept] + run.group()[kept:].replace(">", _GT)


def _prepared(text: str) -> str:
    """`text` with what must stay text marked so: any "<" that could begin HTML, and the ">"
    that would nest block quotes past MAX_NESTING."""
    text = text.replace(_LT, "\ufffd").replace(_GT, "\ufffd")
    text = text.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate becomes "?"
    text = _TEXT_LT.sub(lambda match: match.group(1) + _LT, text)
    return _QUOTE_MARKERS.sub(_deep_quotes_as_text, text)


_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)
# Every "<" in cmark's output begins one of its own tags: text, code and attribute values are
# escaped, and no raw HTML reaches it. These are the tags changed here.
_LINK_OR_IMAGE = re.compile(r"<(/?)(a|img)((?: [a-z]+=\"[^\"]*\")*) ?/?>")
_ATTRIBUTE = re.compile(r'([a-z]+)="([^"]*)"')
# A column's alignment would be an inline style, which the CSP forbids; a header cell says what
# it heads, for screen readers.
_HEADER_CELL = re.compile(r'<th(?: align="[a-z]+")?>')


def _allowed_href(href: str) -> bool:
    # cmark has already percent-encoded spaces and control characters (and emptied the
    # addresses its safe mode refuses, such as javascript:), so what looks like a scheme here is
    # what a browser would take for one; anything else is a relative address.
    scheme = _SCHEME.match(href)
    return href != "" and (scheme is None or scheme.group(1).lower() in URL_SCHEMES)


class _Retagged:
    """What each of cmark's <a> and <img> tags becomes: links whose scheme is not allowed kept
    as their text; an image a link to the picture, its alt text the link's text (or the
    address if it has none), or inside another link only the alt text, as links cannot nest."""

    def __init__(self) -> None:
        self.inside_link = False

    def __call__(self, tag: re.Match[str]) -> str:
        closing, name, attributes = tag.groups()
        if closing:
            self.inside_link = False
            return "</a>"
        found = dict(_ATTRIBUTE.findall(attributes))
        if name == "a":
            self.inside_link = True
            return self._link_open(found.get("href", ""), found.get("title"))
        text = found.get("alt") or found.get("src", "")
        if self.inside_link:
            return text
        return f"{self._link_open(found.get('src', ''), found.get('title'))}{text}</a>"

    @staticmethod
    def _link_open(href: str, title: str | None) -> str:
        attributes = f' href="{href}"' if _allowed_href(href) else ""
        if title:
            attributes += f' title="{title}"'
        return f"<a{attributes}>"


def _markdown_html(text: str, top_heading: int) -> str:
    """The Markdown step alone (the first lock): cmark-gfm in its safe mode, what must stay text
    kept so, headings moved down below the page's own, links and images as `_Retagged` says."""
    tables = ["table"] if table_cells_at_most(text) <= MAX_TABLE_CELLS else []
    html = markdown_to_html_with_extensions(_prepared(text), Options.CMARK_OPT_DEFAULT, tables)
    for level in range(6, 0, -1):  # the deepest first, so that none moves twice
        moved = min(level + top_heading - 1, 6)
        html = html.replace(f"<h{level}>", f"<h{moved}>").replace(f"</h{level}>", f"</h{moved}>")
    html = _LINK_OR_IMAGE.sub(_Retagged(), html)
    if tables:
        html = _HEADER_CELL.sub('<th scope="col">', html)
    for stand_in, character in _RESTORED:
        html = html.replace(stand_in, character)
    return html


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
    return nh3.clean(
        _markdown_html(text, top_heading),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        set_tag_attribute_values=SET_ATTRIBUTES,
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
# The version of these rules (renderer, options, allow-lists, GOV.UK classes, heading level) that
# stored HTML was made with. Raise it with any change to what the HTML would be: entries then
# render again when viewed (and are stored anew at their next change), so a fix reaches them all.
RENDERING = 2
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
