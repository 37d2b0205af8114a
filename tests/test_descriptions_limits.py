"""Descriptions cost little to render whatever a publisher types (issue 11): the work grows in
step with the text, tables and nesting are bounded, and each text is rendered once.

Work is counted, never timed: the number of Python function calls a render makes, and the size
of the HTML it makes, do not depend on the machine's speed or load. cmark-gfm's own work, in C,
is one call here; it is linear by design and tested so by its authors (its pathological tests
are below), and `make bench` times it (bench/hostile.py). Counted so, Python-Markdown's work
grew as the square of the text on three of the review's four inputs; the timings by hand are in
the report on issue 11.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import update

from marketplace import descriptions as markdown
from marketplace.descriptions import render_markdown
from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.schemas.dataset import DatasetInputSchema
from marketplace.schemas.dataset_out import editable_view
from marketplace.services.datasets import update_dataset
from tests.factories import ADMIN, create_dataset, create_organisation

# The review's four, then cmark's pathological tests (test/pathological_tests.py), each made
# about `n` characters long.
REVIEW: dict[str, Callable[[int], str]] = {
    "nested brackets": lambda n: "[" * (n // 2) + "]" * (n // 2),
    "image openers": lambda n: "![" * (n // 2),
    "unclosed links": lambda n: "[a](" * (n // 4),
    "setext headings": lambda n: "a\n=\n" * (n // 4),
}
CMARK: dict[str, Callable[[int], str]] = {
    "nested strong emphasis": lambda n: "*a **a " * (n // 14) + "b" + " a** a*" * (n // 14),
    "emphasis closers without openers": lambda n: "a_ " * (n // 3),
    "emphasis openers without closers": lambda n: "_a " * (n // 3),
    "link closers without openers": lambda n: "a]" * (n // 2),
    "link openers without closers": lambda n: "[a" * (n // 2),
    "mismatched openers and closers": lambda n: "*a_ " * (n // 4),
    "openers and closers multiple of 3": lambda n: "a**b" + "c* " * (n // 3),
    "link openers and emphasis closers": lambda n: "[ a_" * (n // 4),
    "[ (]( repeated": lambda n: "[ (](" * (n // 5),
    "emphasis in link labels": lambda n: "[*a" * (n // 3),
    "nested block quotes": lambda n: "> " * (n // 2) + "a",
    "nested lists on one line": lambda n: "- " * (n // 2) + "a",
    "unclosed link destinations": lambda n: "[a](<b" * (n // 6),
    "unclosed autolinks": lambda n: "<a" * (n // 2),
    "bad entities": lambda n: "&#" * (n // 2),
    "references used": lambda n: "[a]: b\n" * (n // 14) + "\n" + "[a]" * (n // 6),
    "short rows filled up to a wide header": lambda n: (
        "|a" * (n // 6) + "\n" + "|-" * (n // 6) + "\nx" * (n // 6)
    ),
    "table rows": lambda n: "a|b\n-|-\n" + "|\n" * (n // 2),
    "short lines": lambda n: "a\n" * (n // 2),
}
# What made markdown-it-py, the renderer before, slow within the old bounds (bench/hostile.py),
# and what makes the most HTML now.
FOUND: dict[str, Callable[[int], str]] = {
    "20 unclosed [ before a run of -": lambda n: "[" * 20 + "-" * (n - 20),
    "20 unclosed ![ before a run of $": lambda n: "![" * 20 + "$" * (n - 40),
    "[a]( x1000 before a run of -": lambda n: "[a](" * 1000 + "-" * (n - 4000),
    "empty headings": lambda n: "#\n" * (n // 2),
    "quotes in list items": lambda n: ">=\n- " * (n // 5),
    "paragraphs": lambda n: "a\n\n" * (n // 3),
    "quote markers on one line": lambda n: ">" * n,
    "links": lambda n: "[a](b) " * (n // 7),
    "images": lambda n: "![a](b) " * (n // 8),
}
ALL = {**REVIEW, **CMARK, **FOUND}


class _Calls:
    """Counts the function calls (Python's and C's) made inside a `with` block."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> _Calls:
        sys.setprofile(self._seen)
        return self

    def __exit__(self, *exception: object) -> None:
        sys.setprofile(None)

    def _seen(self, frame: object, event: str, arg: object) -> None:
        self.count += event in {"call", "c_call"}


def _work(text: str) -> int:
    """Function calls made to render `text` afresh."""
    markdown.cache_clear()
    with _Calls() as calls:
        render_markdown(text)
    return calls.count


@pytest.mark.parametrize("make", ALL.values(), ids=ALL)
def test_rendering_work_grows_in_step_with_the_text(make):
    # Twice the text, about twice the work; work growing as the square of it would be 4 times.
    assert _work(make(4_000)) <= 2.5 * _work(make(2_000))
    assert len(render_markdown(make(4_000))) <= 2.5 * len(render_markdown(make(2_000)))


def test_the_reviews_inputs_render_at_the_size_limit_as_the_text_they_are():
    limit = markdown.MAX_MARKDOWN_CHARACTERS
    brackets = REVIEW["nested brackets"](limit)
    assert render_markdown(brackets) == f'<p class="govuk-body">{brackets}</p>\n'
    for name in ("image openers", "unclosed links"):
        text = REVIEW[name](limit)
        assert render_markdown(text) == f'<p class="govuk-body">{text}</p>\n'
    headings = render_markdown(REVIEW["setext headings"](limit))
    assert headings.count('<h3 class="govuk-heading-s">a</h3>') == limit // 4


def test_a_repeat_render_does_no_work_whatever_the_text():
    text = REVIEW["image openers"](markdown.MAX_MARKDOWN_CHARACTERS)
    markdown.cache_clear()
    first = render_markdown(text)
    with _Calls() as calls:
        again = render_markdown(text)
    assert calls.count < 50  # a digest of the text and a look-up, not a parse
    assert again == first == render_markdown(text)
    assert markdown.cache_info().hits == 2 and markdown.cache_info().misses == 1


def test_the_cache_tells_texts_and_heading_levels_apart():
    markdown.cache_clear()
    assert "<h3" in render_markdown("# A") and "<h2" in render_markdown("# A", top_heading=2)
    assert "<h3" in render_markdown("# A") and "B" in render_markdown("# B")
    assert markdown.cache_info()[:3] == (1, 3, 3)


def test_the_cache_keeps_the_most_recently_used_within_its_budget():
    cache = markdown.RenderCache(budget=100)
    cache.put(b"one", "1" * 40)
    cache.put(b"two", "2" * 40)
    assert cache.get(b"one") == "1" * 40  # now the most recently used
    cache.put(b"three", "3" * 40)
    assert cache.get(b"two") is None and cache.get(b"one") and cache.get(b"three")
    cache.put(b"huge", "h" * 101)  # larger than the whole budget: not kept, nothing dropped
    assert cache.get(b"huge") is None
    assert cache.info().entries == 2 and cache.info().characters == 80


def test_threads_rendering_at_once_get_what_one_thread_gets():
    texts = [
        f"# Part {i}\n\n*{i}* [link {i}](https://example.org/{i})\n\n| a | b |\n|---|---|\n| {i} | x |"
        for i in range(40)
    ]
    markdown.cache_clear()
    alone = [render_markdown(text) for text in texts]
    markdown.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(render_markdown, texts * 5))
    assert together == alone * 5
    assert markdown.cache_info().entries == 40
    assert markdown.cache_info().characters == sum(len(html) for html in alone)


def _cells(html: str) -> int:
    return len(re.findall(r"<t[hd][ >]", html))


def _refusal(text: str) -> list[str] | None:
    errors = DatasetInputSchema().validate({"title": "T", "publisher": "p", "description": text})
    return errors.get("description")


def test_ordinary_tables_are_whole():
    table = "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 20
    html = render_markdown(f"{table}\nBetween.\n\n{table}")
    assert _cells(html) == 2 * 42 and html.count("<table") == 2


def test_a_table_as_large_as_the_budget_is_accepted_and_shown_whole():
    # 50 columns: a header and 99 rows, written with the pipes at each end that most people use.
    table = "|h" * 50 + "|\n" + "|-" * 50 + "|\n" + ("|x" * 50 + "|\n") * 99
    assert markdown.table_cells_at_most(table) == markdown.MAX_TABLE_CELLS
    assert _refusal(table) is None
    assert _cells(render_markdown(table)) == markdown.MAX_TABLE_CELLS


@pytest.mark.parametrize(
    "text",
    [
        "|h" * 50 + "|\n" + "|-" * 50 + "|\n" + ("|x" * 50 + "|\n") * 100,
        # Short rows are filled up to the header's width: 100 columns of 100 rows of one cell.
        "|a" * 100 + "\n" + "|-" * 100 + "\n" + "|b\n" * 100,
        # Two tables that fit alone but not together.
        ("|h" * 50 + "|\n" + "|-" * 50 + "|\n" + ("|x" * 50 + "|\n") * 60 + "\n") * 2,
    ],
    ids=["one table", "short rows", "two tables"],
)
def test_a_description_whose_tables_pass_the_budget_is_refused_naming_the_field_and_what_to_do(text):
    cells = markdown.table_cells_at_most(text)
    assert _refusal(text) == [
        f"Tables in a description can have at most 5,000 cells in all, counting each row as wide as "
        f"its header. The tables in this description could have {cells:,}: shorten or split them, or "
        "publish the data as a file."
    ]


def test_older_text_past_the_budget_shows_its_tables_as_the_text_they_were_typed_as():
    text = CMARK["short rows filled up to a wide header"](markdown.MAX_MARKDOWN_CHARACTERS)
    html = render_markdown(text)
    assert _cells(html) == 0 and "|a|a|a" in html
    assert len(html) < 2 * len(text)  # not the millions of cells the header asked for


@pytest.mark.parametrize(
    "text",
    [
        "a|b\n-|-\n1|2\n3\n",
        "| a | b | c |\n|:--|:-:|--:|\n| 1 |\n| 1 | 2 | 3 | 4 | 5 |\n",
        "> | a | b |\n> |---|---|\n> | 1 | 2 |\n>\n> after",
        "- item\n\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n",
        "> - | a | b |\n>   |---|---|\n>   | 1 |\n",
        "| a \\| b | c |\n|---|---|\n| 1 | 2 |\n",
        "| a | b |\r\n|---|---|\r\n| 1 | 2 |\r| 3 | 4 |\r\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\t\n| 3 | 4 |\n",
        "Title\n---\n| a | b |\n|---|---|\n" + "| 1 |\n" * 30,
        "|a|\n|-|\n" + "x\n" * 40 + "\x0c\n" + "y\n" * 40,
        "|a|b|\n|\x0b-\x0b|-\x0c|\n|1|2|\n",  # cmark takes these for spaces in a delimiter row
        "a|b\n-\x0b|\x0b-\n1|2\n",
    ],
)
def test_the_count_before_parsing_is_never_less_than_the_cells_shown(text):
    html = render_markdown(text)
    assert _cells(html) > 0
    assert markdown.table_cells_at_most(text) >= _cells(html)


def test_a_description_without_tables_counts_no_cells():
    assert markdown.table_cells_at_most("Paragraph | with a pipe.\n\n- a - b\n" * 50) == 0


def test_nesting_stops_at_the_limit_and_the_rest_is_text():
    html = render_markdown("> " * 1000 + "deep")
    assert html.count("<blockquote") == markdown.MAX_NESTING
    assert "&gt; &gt; deep" in html
    assert (
        html.count("<blockquote")
        == markdown.MAX_NESTING
        == render_markdown(">" * 20_000).count("<blockquote")
    )
    nested = "".join("  " * depth + f"- level {depth}\n" for depth in range(6))
    assert "level 5" in render_markdown(nested)  # lists as deep as anyone writes them are whole


def test_text_longer_than_the_schema_allows_is_shown_as_plain_paragraphs():
    over = "[" * markdown.MAX_MARKDOWN_CHARACTERS + "\n\n<script>alert(1)</script> *not emphasis*"
    html = render_markdown(over)
    assert html == (
        f'<p class="govuk-body">{"[" * markdown.MAX_MARKDOWN_CHARACTERS}</p>\n'
        '<p class="govuk-body">&lt;script&gt;alert(1)&lt;/script&gt; *not emphasis*</p>\n'
    )
    assert _work("![" * 500_000) < 100  # a megabyte: no parsing at all


def test_the_renderers_limit_is_the_entry_schemas_limit_on_descriptions():
    field = DatasetInputSchema().fields["description"]
    lengths = [validator.max for validator in field.validators if hasattr(validator, "max")]
    assert lengths == [markdown.MAX_MARKDOWN_CHARACTERS]


@pytest.mark.parametrize("name", ALL)
def test_every_pathological_text_at_the_size_limit_is_accepted_and_costs_little(name):
    text = ALL[name](markdown.MAX_MARKDOWN_CHARACTERS)[: markdown.MAX_MARKDOWN_CHARACTERS]
    if name in {"short rows filled up to a wide header", "table rows"}:
        assert _refusal(text)  # past the budget of cells, above
        return
    assert _refusal(text) is None
    # Counted, not timed: the Python part of the work is a call per link or image at most (the
    # worst here, 2,500 images, is about 25,000 calls), and the HTML is at most 20 times the text
    # (an empty heading, "#\n", is 34 characters of HTML). bench/hostile.py times them.
    assert _work(text) < 30_000
    assert len(render_markdown(text)) <= 20 * len(text)


@pytest.mark.parametrize("name", REVIEW)
def test_an_open_entrys_page_with_a_pathological_description_shows_the_html_kept_at_saving(
    app, live_server, name
):
    organisation = create_organisation(slug="hostile-office", title="Hostile Office")
    text = REVIEW[name](markdown.MAX_MARKDOWN_CHARACTERS)
    dataset = create_dataset(organisation=organisation, description=text)
    assert dataset.description_rendering == markdown.RENDERING
    markdown.cache_clear()
    for _ in range(3):
        response = requests.get(f"{live_server}/datasets/{dataset.slug}", timeout=30)
        assert response.status_code == 200
        assert '<div class="app-markdown">' in response.text
    assert text.strip().split("\n")[0] in response.text
    assert dataset.description_html in response.text
    # No view parsed the Markdown (nor even asked the cache): the page showed what was kept.
    assert markdown.cache_info()[:2] == (0, 0)


@pytest.mark.parametrize("kept", [None, 0])
def test_an_entry_kept_without_html_or_by_older_rules_renders_once_when_viewed(app, live_server, kept):
    organisation = create_organisation(slug="hostile-office", title="Hostile Office")
    text = REVIEW["image openers"](markdown.MAX_MARKDOWN_CHARACTERS)
    dataset = create_dataset(organisation=organisation, description=text)
    expected = dataset.description_html
    db.session.execute(
        update(Dataset)
        .where(Dataset.id == dataset.id)
        .values(description_html=None, description_rendering=kept)
    )
    db.session.commit()
    markdown.cache_clear()
    for _ in range(3):
        response = requests.get(f"{live_server}/datasets/{dataset.slug}", timeout=30)
        assert response.status_code == 200 and expected in response.text
    assert markdown.cache_info()[:2] == (2, 1)


def test_changing_a_description_keeps_its_new_html_and_removing_it_clears_it(app):
    organisation = create_organisation(slug="hostile-office", title="Hostile Office")
    # A draft, whose description may be removed (a published entry needs one).
    dataset = create_dataset(organisation=organisation, description="First **draft**", status="draft")
    assert "<strong>draft</strong>" in dataset.description_html
    entry = {**editable_view(dataset), "description": "Second *take*"}
    update_dataset(ADMIN, str(dataset.id), entry)
    db.session.expire_all()
    changed = db.session.get(Dataset, dataset.id)
    assert "<em>take</em>" in changed.description_html and "draft" not in changed.description_html
    entry = {**editable_view(changed), "description": None}
    update_dataset(ADMIN, str(dataset.id), entry)
    db.session.expire_all()
    cleared = db.session.get(Dataset, dataset.id)
    assert cleared.description_html is None and cleared.description_rendering is None
