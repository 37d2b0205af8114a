"""Descriptions written in Markdown, turned into HTML that is safe to put on a page.

Two locks, so that one mistake does not open the door: Markdown is run with raw HTML switched
off (any HTML a publisher types is shown as text), and its output then passes nh3's
allow-list of tags, attributes, classes and link schemes. Images are not loaded from other
sites (a tracking pixel would learn who reads the page): they become links to the picture.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

import nh3
from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE
from markupsafe import Markup

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
EXTENSIONS = ["tables", "fenced_code", "sane_lists"]


class _Govuk(Treeprocessor):
    """Move headings down below the page's own, and give each element its GOV.UK class."""

    def __init__(self, md: Markdown, top_heading: int) -> None:
        super().__init__(md)
        self.shift = top_heading - 1

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                element.tag = f"h{min(int(element.tag[1]) + self.shift, 6)}"
            if element.tag == "p" and HTML_PLACEHOLDER_RE.fullmatch(element.text or ""):
                continue  # a stashed code block: Markdown unwraps it from this <p> only if untouched
            if element.tag in GOVUK_CLASSES:
                element.set("class", GOVUK_CLASSES[element.tag])
            if element.tag == "th":
                element.set("scope", "col")
            # The alignment the tables extension writes is an inline style, which the CSP forbids.
            element.attrib.pop("style", None)


class _SafeMarkdown(Extension):
    def __init__(self, top_heading: int) -> None:
        super().__init__()
        self.top_heading = top_heading

    def extendMarkdown(self, md: Markdown) -> None:
        # No raw HTML: without these, "<b>" or "<script>" is text and is escaped like any other.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # An image becomes a link to it, its alt text the link text: nothing is fetched.
        md.inlinePatterns.register(LinkInlineProcessor(IMAGE_LINK_RE, md), "image_link", 150)
        md.inlinePatterns.register(ReferenceInlineProcessor(IMAGE_REFERENCE_RE, md), "image_reference", 140)
        md.inlinePatterns.register(
            ShortReferenceInlineProcessor(IMAGE_REFERENCE_RE, md), "short_image_ref", 125
        )
        # After the inline patterns (20) have made the links, before pretty-printing (10).
        md.treeprocessors.register(_Govuk(md, self.top_heading), "govuk", 15)


def render_markdown(text: str | None, top_heading: int = 3) -> Markup:
    """`text` as sanitised HTML; its headings start at <h`top_heading`> so they sit under the page's."""
    if not text:
        return Markup("")
    # A new converter each time: Python-Markdown keeps state between calls and is not thread-safe.
    html = Markdown(extensions=[*EXTENSIONS, _SafeMarkdown(top_heading)]).convert(text)
    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            allowed_classes=ALLOWED_CLASSES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer",
            strip_comments=True,
        )
    )
