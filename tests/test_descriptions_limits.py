"""Descriptions cost little to render whatever a publisher types (issue 11): the parser's work
grows in step with the text, tables and nesting are bounded, and each text is rendered once.

Work is counted, never timed: the number of function calls a render makes does not depend on the
machine's speed or load. Counted so, Python-Markdown's work grew as the square of the text on
three of the review's four inputs (on "[a](" the square was inside its regular expressions, which
a count of calls does not see); the timings by hand are in the report on issue 11.
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


@pytest.mark.parametrize("make", [*REVIEW.values(), *CMARK.values()], ids=[*REVIEW, *CMARK])
def test_rendering_work_grows_in_step_with_the_text(make):
    # Twice the text, about twice the work; work growing as the square of it would be 4 times.
    assert _work(make(4_000)) <= 2.5 * _work(make(2_000))


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


def test_tables_in_one_description_share_a_budget_of_cells_and_the_rest_is_text():
    table = "| a | b | c | d |\n|---|---|---|---|\n" + "".join(f"| {i} | x | y | z |\n" for i in range(400))
    html = render_markdown(f"{table}\n{table}")
    assert _cells(html) <= markdown.MAX_TABLE_CELLS
    assert _cells(html) > markdown.MAX_TABLE_CELLS - 8  # every row that fits is kept
    assert "| 399 | x | y | z |" in html  # rows past the budget are shown as they were typed


def test_short_rows_are_not_filled_up_beyond_the_budget():
    html = render_markdown(CMARK["short rows filled up to a wide header"](markdown.MAX_MARKDOWN_CHARACTERS))
    assert _cells(html) == 0  # the header alone is wider than the budget: text, not a table
    html = render_markdown("|a" * 100 + "\n" + "|-" * 100 + "\nx" * 100)
    assert 100 <= _cells(html) <= markdown.MAX_TABLE_CELLS


def test_ordinary_tables_are_whole():
    table = "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 20
    html = render_markdown(f"{table}\nBetween.\n\n{table}")
    assert _cells(html) == 2 * 42 and html.count("<table") == 2


def test_nesting_stops_at_the_limit():
    html = render_markdown("> " * 1000 + "deep")
    assert html.count("<blockquote") == markdown.MAX_NESTING
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


BOUNDS: list[tuple[Callable[[str], int], int]] = [
    (len, markdown.MAX_MARKDOWN_CHARACTERS),
    (lambda text: text.count("["), markdown.MAX_SQUARE_BRACKETS),
    (lambda text: text.count("\n") + 1, markdown.MAX_LINES),
    (lambda text: sum(text.count(mark) for mark in "*_`"), markdown.MAX_INLINE_MARKS),
    (lambda text: text.count("<"), markdown.MAX_ANGLE_BRACKETS),
]


def accepted(name: str) -> str:
    """The review's (or cmark's) input `name` at the longest the entry schema accepts: the full
    20,000 characters, or shorter where the text would pass one of the schema's bounds."""
    make = {**REVIEW, **CMARK}[name]
    n = markdown.MAX_MARKDOWN_CHARACTERS
    text = make(n)
    for count, limit in BOUNDS:
        if count(text) > limit:
            n = n * limit // count(text)
            text = make(n)
    while any(count(text) > limit for count, limit in BOUNDS):  # the last rounding
        n -= 10
        text = make(n)
    assert "description" not in DatasetInputSchema().validate({"description": text})
    return text


@pytest.mark.parametrize("name", ["nested brackets", "image openers", "unclosed links"])
def test_a_description_with_more_square_brackets_than_links_need_is_refused_naming_the_field(app, name):
    text = REVIEW[name](markdown.MAX_MARKDOWN_CHARACTERS)
    errors = DatasetInputSchema().validate({"title": "T", "publisher": "p", "description": text})
    assert list(errors) == ["description"]
    assert errors["description"] == [
        f"Use at most 1,000 opening square brackets ([): each link or image uses one. "
        f"This description has {text.count('['):,}."
    ]
    # The limit itself passes.
    assert "description" not in DatasetInputSchema().validate({"description": "[a] " * 1000})


@pytest.mark.parametrize("name", ["nested brackets", "image openers", "unclosed links"])
def test_the_review_inputs_that_the_schema_accepts_cost_a_tenth_of_the_full_ones(name):
    full = REVIEW[name](markdown.MAX_MARKDOWN_CHARACTERS)
    assert _work(accepted(name)) * 5 < _work(full)


@pytest.mark.parametrize("name", REVIEW)
def test_an_open_entrys_page_with_a_pathological_description_shows_the_html_kept_at_saving(
    app, live_server, name
):
    organisation = create_organisation(slug="hostile-office", title="Hostile Office")
    text = accepted(name)
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
    text = accepted("image openers")
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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\n" * 1000 + "a", "Use at most 1,000 lines. This description has 1,001."),
        (
            "a*" * 2001,
            "Use at most 2,000 of the characters *, _ and ` (they mark emphasis and code). "
            "This description has 2,001.",
        ),
        (
            "<https://a.uk> " * 501,
            "Use at most 500 opening angle brackets (<): each may start a link. This description has 501.",
        ),
    ],
    ids=["lines", "emphasis and code marks", "angle brackets"],
)
def test_a_description_past_a_bound_is_refused_naming_the_field_and_saying_what_to_change(app, text, message):
    errors = DatasetInputSchema().validate({"title": "T", "publisher": "p", "description": text})
    assert errors.get("description") == [message]


def test_each_bound_itself_is_accepted(app):
    for text in ("a\n" * 999 + "a", "a*" * 2000, "<https://a.uk> " * 500):
        assert "description" not in DatasetInputSchema().validate({"description": text})


@pytest.mark.parametrize("name", [*REVIEW, *CMARK])
def test_every_accepted_pathological_text_costs_little_more_than_ordinary_prose_of_its_size(name):
    # Counted, not timed: within the bounds the worst of these makes a few hundred thousand calls
    # (about 50 ms here); unbounded, 20 KB of paragraphs or emphasis made millions (240 ms, 146 ms).
    assert _work(accepted(name)) < 600_000
