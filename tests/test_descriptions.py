"""Descriptions in Markdown: rendered with GOV.UK classes, and nothing a publisher types can run."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from marketplace import descriptions as markdown
from marketplace.descriptions import render_markdown


class _Attributes(HTMLParser):
    """The name of every attribute on every element, to check none could run script."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.extend(name for name, _ in attrs)


def _attribute_names(html: str) -> list[str]:
    parser = _Attributes()
    parser.feed(html)
    return parser.names


def test_headings_sit_below_the_pages_own_and_can_be_moved():
    html = render_markdown("# Method\n\n## Sources\n\n###### Deepest")
    assert '<h3 class="govuk-heading-s">Method</h3>' in html
    assert '<h4 class="govuk-heading-s">Sources</h4>' in html
    assert '<h6 class="govuk-heading-s">Deepest</h6>' in html  # never beyond h6
    assert '<h2 class="govuk-heading-m">Method</h2>' in render_markdown("# Method", top_heading=2)


def test_lists_emphasis_and_links_get_govuk_styles():
    html = render_markdown(
        "Some *emphasis*, **strong** and `code`.\n\n- one\n- two\n\n1. first\n2. second\n\n"
        '[Road safety](https://www.gov.uk/road-safety "Guidance") and <https://data.gov.uk/>'
    )
    assert (
        '<p class="govuk-body">Some <em>emphasis</em>, <strong>strong</strong> and <code>code</code>.</p>'
        in html
    )
    assert '<ul class="govuk-list govuk-list--bullet">\n<li>one</li>\n<li>two</li>\n</ul>' in html
    assert '<ol class="govuk-list govuk-list--number">\n<li>first</li>\n<li>second</li>\n</ol>' in html
    assert (
        '<a href="https://www.gov.uk/road-safety" title="Guidance" class="govuk-link" '
        'rel="noopener noreferrer">Road safety</a>'
    ) in html
    assert (
        'href="https://data.gov.uk/" class="govuk-link" rel="noopener noreferrer">https://data.gov.uk/</a>'
        in html
    )


def test_tables_quotes_and_code_blocks_render():
    html = render_markdown(
        "| Year | Casualties |\n|:-----|-----:|\n| 2024 | 128,272 |\n\n> Note\n\n```\na < b\n```"
    )
    assert '<table class="govuk-table">' in html
    assert '<th scope="col" class="govuk-table__header">Year</th>' in html
    assert '<td class="govuk-table__cell">128,272</td>' in html
    assert "style=" not in html and "align=" not in html  # the CSP forbids inline styles
    assert '<blockquote class="govuk-inset-text">' in html
    assert "<pre><code>a &lt; b\n</code></pre>" in html


def test_the_result_is_markup_and_nothing_gives_nothing():
    assert isinstance(render_markdown("text"), Markup)
    assert render_markdown(None) == "" and render_markdown("") == ""


@pytest.mark.parametrize(
    ("source", "absent", "present"),
    [
        ("<script>alert(1)</script>", "<script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("Text <b onclick=alert(1)>bold</b>", "<b", "&lt;b onclick=alert(1)&gt;bold&lt;/b&gt;"),
        ("<div>\n<p>block</p>\n</div>", "<div", "&lt;div&gt;"),
        ('<img src="x" onerror="alert(1)">', "<img", "&lt;img src="),
        ("<iframe src='https://evil.example'></iframe>", "<iframe", "&lt;iframe"),
        ("<style>body{display:none}</style>", "<style", "&lt;style&gt;"),
        ("<!-- hidden --> after", "<!--", "&lt;!-- hidden --&gt;"),
        ("[click](javascript:alert(1))", "javascript:", ">click</a>"),
        ("[click](JaVaScRiPt:alert(1))", "avascript", ">click</a>"),
        ("[click](data:text/html;base64,PHNjcmlwdD4=)", "data:", ">click</a>"),
        ("[click](vbscript:msgbox)", "vbscript", ">click</a>"),
        ("<javascript:alert(1)>", "href", "&lt;javascript:alert(1)&gt;"),
        ("![pixel](http://tracker.example/p.gif)", "<img", 'href="http://tracker.example/p.gif"'),
        ("![x](javascript:alert(1))", "javascript:", ">x</a>"),
        ("![x](data:image/png;base64,iVBORw0KGgo=)", "data:", ">x</a>"),
        ("![chart][c]\n\n[c]: https://tracker.example/c.png", "<img", 'href="https://tracker.example/c.png"'),
    ],
)
def test_anything_that_could_run_or_fetch_is_escaped_or_stripped(source, absent, present):
    html = render_markdown(source)
    assert absent not in html.lower()
    assert present in html
    assert not [name for name in _attribute_names(html) if name.startswith("on")]


@pytest.mark.parametrize(
    "source",
    [
        '[x](https://a.example "t" onmouseover="alert(1)")',  # not a link in CommonMark: text
        '[x](https://a.example "t\\" onmouseover=\\"alert(1)")',  # a link whose title has quotes
        "[x](https://a.example 't' onmouseover='alert(1)')",
    ],
)
def test_a_links_title_cannot_add_an_attribute(source):
    html = render_markdown(source)
    assert "https://a.example" in html
    assert set(_attribute_names(html)) <= {"class", "href", "title", "rel"}


def test_links_always_carry_noopener_noreferrer():
    html = render_markdown("[a](https://a.example) [b](mailto:stats@dft.gov.uk) [c](/datasets)")
    assert html.count('rel="noopener noreferrer"') == 3
    assert 'href="mailto:stats@dft.gov.uk"' in html and 'href="/datasets"' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "![x](javascript:alert(1))",
        "<javascript:alert(1)>",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_the_markdown_step_alone_already_keeps_out_html_and_bad_schemes(source):
    # nh3 is the second lock: the first, Markdown with raw HTML off, must hold without it.
    html = markdown._markdown_html(source, 3)
    assert "<script" not in html and 'href="javascript' not in html and 'href="data' not in html


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("Use <b> for bold", "Use &lt;b&gt; for bold"),
        ("`<div>` and\n\n    <p>indented</p>", "<code>&lt;div&gt;</code>"),
        ("```\n<script>\n```", "<pre><code>&lt;script&gt;\n</code></pre>"),
        ("a \\<b> c", "a &lt;b&gt; c"),  # escaped, as CommonMark says
        ("a \\\\<b> c", "a \\&lt;b&gt; c"),  # an escaped backslash, then a "<" like any other
        ("<ftp://files.example/x>", "&lt;ftp://files.example/x&gt;"),  # not a scheme we link to
        ("x < y > z", "x &lt; y &gt; z"),
    ],
)
def test_angle_brackets_a_publisher_types_are_shown_as_typed_wherever_they_are(source, shown):
    html = render_markdown(source)
    assert shown in html
    assert "<b>" not in html and "<div>" not in html and "<script" not in html


def test_autolinks_and_addresses_in_angle_brackets_are_links():
    html = render_markdown('<https://www.gov.uk/> <stats@dft.gov.uk> [Guide](<guide notes.pdf> "Notes")')
    assert 'href="https://www.gov.uk/"' in html
    assert 'href="mailto:stats@dft.gov.uk"' in html
    assert 'href="guide%20notes.pdf" title="Notes"' in html


def test_characters_the_renderer_stands_in_with_are_never_turned_into_angle_brackets():
    # U+FDD0 and U+FDD1 stand for "<" and ">" while cmark parses: typed, they are replaced.
    html = render_markdown("a \ufdd0b\ufdd1 c [d](e\ufdd0)")
    assert "&lt;" not in html and "&gt;" not in html and "%3C" not in html
    assert "a \ufffdb\ufffd c" in html


def test_text_that_is_not_valid_unicode_renders_rather_than_failing():
    assert "a?b" in render_markdown("a\ud800b")  # a lone surrogate, as JSON can carry
    assert "\ufffd" in render_markdown("a\x00b")  # NUL, as CommonMark says


def test_an_image_inside_a_link_is_the_links_text():
    html = render_markdown("[![Chart of casualties](chart.png)](https://www.gov.uk/stats)")
    assert html == (
        '<p class="govuk-body"><a href="https://www.gov.uk/stats" class="govuk-link" '
        'rel="noopener noreferrer">Chart of casualties</a></p>\n'
    )
