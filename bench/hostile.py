"""Hostile inputs: the worst texts a security review found, timed where they would cost the server.

"Did you mean": the search the API runs (services.finding.find_datasets, anonymous, the query
checked by the API's own schema), at each size in BENCH_SIZES, for the review's queries; the
baseline is an ordinary one-word query in the same run. Goal (issue 11): p95 under 200 ms at
100,000 entries.

Description rendering: descriptions.description_html, which renders without the cache (it is
what runs when an entry is saved, and what a page runs for an entry kept under older rules),
for the review's texts made as bad as the entry schema accepts (each is checked against the
schema's description field first); the baseline is an ordinary 2,000-character description.
Goal: under 100 ms each. Rendering does not depend on the catalogue, so it runs once.

Bounded: ROUNDS repetitions of each input, fewer for an input once it has taken BUDGET_S.
`python -m bench.hostile` runs this section alone; BENCH_SIZES and BENCH_CORPUS_DIR as in
bench/search.py.
"""

from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from werkzeug.datastructures import MultiDict

from bench.search import corpus_database, fill_corpus, misspelt_queries, percentiles, sizes
from marketplace import create_app
from marketplace.descriptions import MAX_MARKDOWN_CHARACTERS, MAX_NESTING, description_html
from marketplace.extensions import db
from marketplace.rules.actors import Actor
from marketplace.schemas.dataset import DatasetInputSchema
from marketplace.schemas.listing import load_list_params
from marketplace.search import index_root, rebuild_index
from marketplace.services.finding import find_datasets

ROUNDS = 20
BUDGET_S = 5.0  # per input: stop repeating (after at least 3 rounds) once it has taken this long
SUGGEST_GOAL_MS = 200
RENDER_GOAL_MS = 100
BASELINE_QUERY = "hospital"
PROSE = "Counts are provisional until the annual revision and may change by a few per cent. "


def timings(call: Callable[[], object], rounds: int = ROUNDS) -> list[float]:
    samples: list[float] = []
    spent = 0.0
    while len(samples) < rounds and (len(samples) < 3 or spent < BUDGET_S):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        spent += samples[-1] / 1000
    return samples


class FullCollections:
    """The garbage collector's full (generation 2) collections while open, and the time they
    took: a text that makes the parser allocate many objects sets them off, and each one walks
    every object of the process, so its cost grows with the process, not with the text."""

    def __enter__(self) -> FullCollections:
        self.count, self.ms, self._started = 0, 0.0, 0.0
        gc.callbacks.append(self._observe)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._observe)

    def _observe(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.count += 1
            self.ms += (time.perf_counter() - self._started) * 1000


# "Did you mean" ------------------------------------------------------------------------------


def find(text: str) -> str | None:
    """One search as GET /api/v1/datasets?q=… makes it; the suggestion offered."""
    page = find_datasets(Actor.anonymous(), load_list_params(MultiDict({"q": text})))
    db.session.remove()  # as at the end of a request
    return page.suggestion


def run_size(size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = corpus_database(size, Path(tmp))
        app = create_app(
            {
                "MARKETPLACE_ENV": "development",  # "test" runs only under the suite
                "DATABASE_URL": f"sqlite:///{database}",
                "SEARCH_INDEX_DIR": str(Path(tmp) / "index"),
                "SEARCH_SYNC_INTERVAL": 0,
                "LOG_LEVEL": "WARNING",
            },
            instance_path=str(Path(tmp) / "instance"),
        )
        with app.app_context():
            fill_corpus(size, database)
            started = time.perf_counter()
            rebuild_index(index_root())
            build_s = time.perf_counter() - started
            find(BASELINE_QUERY)  # opens the index and reads its arrays
            base = percentiles(timings(lambda: find(BASELINE_QUERY)))
            rows = []
            for label, text in misspelt_queries().items():
                # The first misspelt query reads each segment's words for the corrector (once).
                started = time.perf_counter()
                suggestion = find(text)
                first = (time.perf_counter() - started) * 1000
                rows.append((label, first, percentiles(timings(lambda text=text: find(text))), suggestion))
            db.engine.dispose()

    print(f"\n== hostile inputs: did you mean, {size:,} entries (index built in {build_s:.0f}s) ==")
    print(
        f"find_datasets, anonymous, up to {ROUNDS} rounds; baseline q={BASELINE_QUERY!r}: "
        f"p50 {base[0]:.1f} ms, p95 {base[1]:.1f} ms; goal p95 < {SUGGEST_GOAL_MS} ms at 100,000 entries"
    )
    print(f"{'query':<30}{'first ms':>10}{'p50 ms':>9}{'p95 ms':>9}{'p50 ratio':>11}  {'goal':<6}suggested")
    for label, first, (p50, p95), suggestion in rows:
        verdict = "ok" if p95 < SUGGEST_GOAL_MS else "OVER"
        print(
            f"{label:<30}{first:>10.1f}{p50:>9.1f}{p95:>9.1f}{p50 / base[0]:>10.1f}x  {verdict:<6}"
            f"{(suggestion or '-')[:40]}"
        )


# Description rendering -----------------------------------------------------------------------


def fill(text: str, unit: str, length: int = MAX_MARKDOWN_CHARACTERS) -> str:
    """`text` followed by `unit` repeated, cut at `length` characters."""
    return (text + unit * (length // len(unit) + 1))[:length]


def ordinary_description() -> str:
    """About 2,000 characters as a publisher writes them: headings, paragraphs, a list, links."""
    return fill(
        "## About this data\n\n"
        "Road traffic collisions reported to the police, by *local authority* and month. "
        "See the [methodology](https://www.gov.uk/guidance/road-accident-statistics) and the "
        "[quality report](https://example.gov.uk/quality.pdf) for how figures are checked.\n\n"
        "## What is included\n\n"
        "- collisions involving personal injury\n- vehicles involved, by type\n"
        "- casualties, by severity (**fatal**, serious, slight)\n- the road and its speed limit\n\n"
        "## Revisions\n\n",
        PROSE,
        2000,
    )


def hostile_descriptions() -> dict[str, str]:
    """The review's texts, cmark's and what was found since, as long as the schema accepts (each
    is checked against the schema's description field first). The bracket texts are padded
    with '-', a character that ends a run of text, so that each one was a token markdown-it-py's
    search for a closing bracket stepped over (the worst padding found for it: 0.2-0.6 s)."""
    most = MAX_MARKDOWN_CHARACTERS
    texts = {
        "[ x9995 ] x9995": "[" * (most // 2) + "]" * (most // 2),
        "[ x1000, '-' x18000, ] x1000": fill("[" * 1000, "-", most - 1000) + "]" * 1000,
        "![ x10000": "![" * (most // 2),
        "[ x20, '-' after": fill("[" * MAX_NESTING, "-"),
        "![ x20, '-' after": fill("![" * MAX_NESTING, "-"),
        "[a]( x5000": "[a](" * (most // 4),
        "[a]( x1000, '-' after": fill("[a](" * 1000, "-"),
        "a\\n=\\n x5000": fill("", "a\n=\n"),
        "#\\n x10000 (empty headings)": fill("", "#\n"),
        "paragraphs a\\n\\n": fill("", "a\n\n"),
        "list items": fill("", "- a\n"),
        "quotes in list items": fill("", ">=\n- "),
        "> x20000": ">" * most,
        "*a_ (emphasis)": fill("", "*a_"),
        "links [a](b)": fill("", "[a](b) "),
        "images ![a](b)": fill("", "![a](b) "),
        "<a> (HTML as text)": fill("", "<a>"),
        "autolinks": fill("", "<https://a.uk> "),
        "plain paragraph, one line": fill("", PROSE),
        "table, 50x99 (the budget)": "|h" * 50 + "|\n" + "|-" * 50 + "|\n" + ("|x" * 50 + "|\n") * 99,
        "table, 100 columns, 49 short rows": "|a" * 100 + "|\n" + "|-" * 100 + "|\n" + "|b\n" * 49,
    }
    field = DatasetInputSchema().fields["description"]
    for text in texts.values():
        field.deserialize(text)  # raises if the schema would refuse it: then it proves nothing
    return texts


def run_rendering() -> None:
    base = percentiles(timings(lambda: description_html(ordinary_description())))
    print("\n== hostile inputs: description rendering (description_html: cmark-gfm, nh3; no cache) ==")
    print(
        f"up to {ROUNDS} rounds each (fewer past {BUDGET_S:.0f} s); baseline an ordinary "
        f"2,000-character description: p50 {base[0]:.2f} ms, p95 {base[1]:.2f} ms; goal < {RENDER_GOAL_MS} ms"
    )
    print(
        f"{'description':<34}{'chars':>7}{'rounds':>7}{'p50 ms':>9}{'p95 ms':>9}{'p50 ratio':>11}"
        f"  {'goal':<6}full GCs (ms)"
    )
    for label, text in hostile_descriptions().items():
        with FullCollections() as collections:
            samples = timings(lambda text=text: description_html(text))
        p50, p95 = percentiles(samples)
        verdict = "ok" if p95 < RENDER_GOAL_MS else "OVER"
        print(
            f"{label:<34}{len(text):>7,}{len(samples):>7}{p50:>9.1f}{p95:>9.1f}"
            f"{p50 / base[0]:>10.1f}x  {verdict:<6}{collections.count} ({collections.ms:.0f})"
        )


def main() -> None:
    run_rendering()
    for size in sizes():
        run_size(size)


if __name__ == "__main__":
    main()
