"""What the suite does to avoid paying, thousands of times over, for what does not change between
its tests. Each test makes an app of its own (its own configuration, database engine, index and
caches), which keeps tests apart; these keep that from costing the run minutes.

Measured on this 2-core machine type: the SQLite pass took 9 min 15 s before the templates were
shared and 8 min 25 s after; see `spare_the_garbage_collector` and `remember_route_builders` for
theirs.
"""

from __future__ import annotations

import gc

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from werkzeug.routing import Rule


class CompiledTemplates(BytecodeCache):
    """Templates compiled once a run and shared by every app the suite makes in one process.

    Each test makes an app of its own, and each app's Jinja environment compiled every template it
    rendered again: about half of a page test's time. Jinja checks each template's source against
    the checksum kept with its compiled code, so a changed template is compiled afresh. Every app
    here has the same Jinja configuration (create_app's), which is what makes the code shareable.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def spare_the_garbage_collector() -> None:
    """Keep the garbage collector off the objects that live for the whole run.

    What a test's app leaves behind is cyclic garbage that the collector finds only in its oldest
    generation, walking every object alive each time, the 400,000 the imports leave behind among
    them: a quarter of the API and page tests' time (6.8 s of 25.8 s in three of their files).
    Freezing moves those out of its sight (4.2 s of 21.5 s).

    The collector's thresholds stay Python's: collecting less often (the youngest generation after
    50,000 new objects) saves about a sixth of the SQLite pass, but twice it left connections for
    the collector to find, with psycopg's "deleted while still open" warning, in whichever later
    test was running. Sharing one engine between the apps of a process (so SQL is compiled once)
    did the same even at Python's thresholds: 10 min 25 s instead of 14 for the PostgreSQL pass,
    but two such errors in one run; it was taken out again.
    """
    gc.collect()
    gc.freeze()


def remember_route_builders() -> None:
    """Build each URL rule's builder function once a run rather than once per app.

    Werkzeug compiles two small Python functions for every rule when an app registers it (to build
    its URLs), generating and compiling their code: 25 of the 28 ms it takes to make an app, for
    the 130-odd rules, in every test. The code depends only on the rule's text, its parsed parts,
    its defaults and which of the two functions it is, which make the key here; the function is
    bound to each rule as Werkzeug binds it, and reads the rule's own converters when called.
    `Rule._compile_builder` is Werkzeug's own (3.x), not a public API: if it goes, this says so.
    """
    compile_builder = Rule._compile_builder
    built: dict[tuple, object] = {}

    def remembered(rule: Rule, append_unknown: bool = True):
        defaults = rule.defaults or {}
        key = (
            rule.rule,
            tuple(rule._trace),
            tuple(sorted((name, repr(value)) for name, value in defaults.items())),
            append_unknown,
        )
        if key not in built:
            built[key] = compile_builder(rule, append_unknown)
        return built[key]

    Rule._compile_builder = remembered
