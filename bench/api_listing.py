"""REST API and CKAN package_search reads against a bare Flask route returning the same JSON,
in one process.

The ratio says what our layers (actor, search, visibility re-check, schema dump, ETag) cost over
serving the same bytes; the absolute figures say what a caller waits. Data: the seed
catalogue plus synthetic entries in a temporary SQLite database.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from flask import Flask, Response
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models import Organisation
from marketplace.search import index_root, rebuild_index
from marketplace.seeding.load import load_seed
from marketplace.seeding.synthetic import add_synthetic

SYNTHETIC = int(os.environ.get("BENCH_SYNTHETIC", "2000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
PACKAGE_SEARCH = "/api/3/action/package_search"


def _timings(client, path: str, rounds: int) -> list[float]:
    client.get(path)  # warm up
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


def _summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                # Development (the test configuration runs only under the test suite), quiet and
                # without the background index catch-up, in a throwaway instance folder.
                "MARKETPLACE_ENV": "development",
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}",
                "SEARCH_INDEX_DIR": str(Path(tmp) / "index"),
                "LOG_LEVEL": "WARNING",
                "SEARCH_SYNC_INTERVAL": 0,
                # The benchmark's own requests, from one address, measure serving, not 429s.
                "RATELIMIT_ENABLED": False,
            },
            instance_path=str(Path(tmp) / "instance"),
        )
        with app.app_context():
            upgrade()
            load_seed()
            slugs = list(db.session.scalars(db.select(Organisation.slug).order_by(Organisation.slug)))
            started = time.perf_counter()
            add_synthetic(SYNTHETIC, slugs)
            seeded = time.perf_counter() - started
            rebuild_index(index_root())  # lists and search answer from the index, as served
            client = app.test_client()
            page = client.get("/api/v1/datasets?per_page=20").get_data()
            entry_path = "/api/v1/datasets/" + json.loads(page)["items"][0]["slug"]
            entry = client.get(entry_path).get_data()
            # CKAN's package_search returns full package dicts: its floor is its own page's bytes.
            packages = client.get(f"{PACKAGE_SEARCH}?rows=20").get_data()

        bare = Flask("bare")

        @bare.get("/list")
        def bare_list() -> Response:
            return Response(page, mimetype="application/json")

        @bare.get("/entry")
        def bare_entry() -> Response:
            return Response(entry, mimetype="application/json")

        @bare.get("/packages")
        def bare_packages() -> Response:
            return Response(packages, mimetype="application/json")

        bare_client = bare.test_client()
        print(
            f"API listing benchmark: seed + {SYNTHETIC} synthetic entries (created in {seeded:.1f}s, "
            f"{SYNTHETIC / seeded:.0f} entries/s), {ROUNDS} requests each, SQLite"
        )
        print(f"{'request':<40}{'ours p50/p95 ms':>18}{'bare p50/p95 ms':>18}{'ratio p50':>11}")
        cases = [
            ("GET /api/v1/datasets?per_page=20", "/api/v1/datasets?per_page=20", "/list"),
            (
                "GET /api/v1/datasets?theme=…&format=CSV",
                "/api/v1/datasets?theme=health-and-care&format=CSV",
                "/list",
            ),
            ("GET /api/v1/datasets?q=road+casualties", "/api/v1/datasets?q=road+casualties", "/list"),
            ("GET /api/v1/datasets/<slug>", entry_path, "/entry"),
            ("CKAN package_search rows=20", f"{PACKAGE_SEARCH}?rows=20", "/packages"),
            (
                "CKAN package_search q=road casualties",
                f"{PACKAGE_SEARCH}?q=road+casualties&rows=20",
                "/packages",
            ),
            (
                "CKAN package_search fq, 2 facets",
                f'{PACKAGE_SEARCH}?fq=res_format:CSV&rows=20&facet.field=["organization","res_format"]',
                "/packages",
            ),
        ]
        with app.app_context():
            for label, ours_path, bare_path in cases:
                ours = _summary(_timings(client, ours_path, ROUNDS))
                base = _summary(_timings(bare_client, bare_path, ROUNDS))
                print(
                    f"{label:<40}{ours[0]:>9.2f}/{ours[1]:<8.2f}{base[0]:>9.2f}/{base[1]:<8.2f}"
                    f"{ours[0] / base[0]:>10.1f}x"
                )
            db.engine.dispose()


if __name__ == "__main__":
    main()
