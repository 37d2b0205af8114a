"""Everything publishers typed on the dataset page is escaped, and the description's markdown is
rendered and sanitised: nothing they type can run in a reader's browser."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.factories import create_dataset, create_organisation
from tests.web.pages import TITLE_SUFFIX, h1_of, html_of, title_of

HOSTILE = '<script>alert("x")</script> Bob\'s "data" & café ☕ 数据'


class _Elements(HTMLParser):
    """Every start tag on a page with its attributes, to check what a browser would run."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def _page_body(html: str) -> str:
    return html[html.index("</header>") : html.index("<footer")]


def assert_nothing_runs(html: str) -> None:
    """No element or attribute that publisher-typed text could have smuggled in: everything
    between GOV.UK's header and footer (which bring their own logo SVGs) is checked."""
    parser = _Elements()
    parser.feed(_page_body(html))
    for tag, attrs in parser.elements:
        assert tag not in {"script", "img", "iframe", "svg", "object", "embed", "style"}, (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on") and name != "style", (tag, attrs)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, attrs)


def test_the_description_is_rendered_from_markdown_and_sanitised(dft, client):
    description = "\n\n".join(
        [
            "# How the data is collected",
            "Police forces report *every* collision with **injury**; see [the guidance](https://www.gov.uk/x).",
            "- fatal\n- serious",
            "<script>alert(1)</script>",
            '<img src="https://tracker.example/p.gif" onerror="alert(2)">',
            "![a chart](https://tracker.example/chart.png)",
            "[click me](javascript:alert(3))",
            '<iframe src="https://evil.example"></iframe>',
            '<a href="https://evil.example" onclick="alert(4)">raw link</a>',
        ]
    )
    dataset = create_dataset(organisation=dft, description=description)
    html = html_of(client, f"/datasets/{dataset.slug}")
    body = html[html.index('<div class="app-markdown">') : html.index("</div>", html.index("app-markdown"))]
    assert '<h3 class="govuk-heading-s">How the data is collected</h3>' in body
    assert "<em>every</em>" in body and "<strong>injury</strong>" in body
    assert (
        '<a href="https://www.gov.uk/x" class="govuk-link" rel="noopener noreferrer">the guidance</a>' in body
    )
    assert '<ul class="govuk-list govuk-list--bullet">' in body and "<li>fatal</li>" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;iframe" in body and "&lt;a href=" in body
    # The picture is a link to it, never loaded from the other site.
    assert (
        'href="https://tracker.example/chart.png" class="govuk-link" rel="noopener noreferrer">a chart</a>'
    ) in body
    assert_nothing_runs(html)


def test_hostile_text_is_escaped_everywhere_on_the_page(client):
    organisation = create_organisation(slug="hostile-office", title='Office of <b>"Tests"</b> & Co')
    dataset = create_dataset(
        organisation=organisation,
        title=HOSTILE,
        summary="<i>summary</i> \"quoted\" 'single'",
        keywords=['<img src=x onerror=alert("k")>', '"quoted" keyword', "naïve ключ"],
        contact_point={"name": '</dd><script>alert("c")</script>', "email": "stats@hostile-office.gov.uk"},
        alternative_titles=["<svg onload=alert(1)>"],
        creators=["<b>creator</b>"],
        version='"><script>v</script>',
        identifier="javascript:alert(1)",
        spatial_coverage="<marquee>GB</marquee>",
        distributions=[
            {
                "title": "<svg onload=alert(2)>file",
                "description": "<script>d</script>",
                "download_url": "https://data.example/file.csv",
                "format": "<b>CSV</b>",
                "media_type": "text/csv",
            }
        ],
    )
    html = html_of(client, f"/datasets/{dataset.slug}")
    assert_nothing_runs(html)
    escaped_title = (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Bob&#39;s &#34;data&#34; &amp; café ☕ 数据"
    )
    assert title_of(html) == escaped_title + TITLE_SUFFIX
    assert h1_of(html) == escaped_title
    assert "<script>alert" not in html and "<script>v" not in html and "<script>d" not in html
    body = _page_body(html)
    assert "<svg" not in body and "<marquee" not in body and "<b>" not in body and "<i>" not in body
    assert "Office of &lt;b&gt;&#34;Tests&#34;&lt;/b&gt; &amp; Co" in html
    assert "&lt;img src=x onerror=alert(&#34;k&#34;)&gt;" in html
    assert "naïve ключ" in html
    assert "&lt;/dd&gt;&lt;script&gt;alert(&#34;c&#34;)&lt;/script&gt;" in html
    # The keyword link carries the keyword in its query, percent-encoded.
    assert 'href="/datasets?q=%22%3Cimg+src%3Dx+onerror%3Dalert%28%22k%22%29%3E%22"' in html
