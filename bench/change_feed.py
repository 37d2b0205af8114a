"""Walking the whole catalogue: the cursor (keyset) walk of GET /api/v1/datasets against offset
paging, in one run on one SQLite database.

A harvester mirrors a catalogue by walking every entry. The cursor walk follows links.next in
change order; offset paging asks for page N, which the search must rank and skip (N - 1) x per_page
entries to answer. The corpus is the search benchmark's (seed + synthetic, BENCH_WALK_ENTRIES in
all, kept between runs in BENCH_CORPUS_DIR); the harvester signs in with a token, so it walks
every published entry. The
API refuses numbered pages beyond 10,000 results, so the offset figures
are taken with that window lifted here, at sampled depths (a whole offset walk at 100,000
entries would take most of an hour). The ratio per depth is offset ÷ cursor.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.search import corpus_database, fill_corpus
from marketplace import create_app
from marketplace.extensions import db
from marketplace.rules.actors import Actor
from marketplace.search import index_root, rebuild_index
from marketplace.services.tokens import create_token
from marketplace.services.users import add_user

ENTRIES = int(os.environ.get("BENCH_WALK_ENTRIES", "100000"))
PER_PAGE = 100
ROUNDS = 3


def _get(client, url: str, token: str) -> tuple[dict, float]:
    started = time.perf_counter()
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json(), elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = corpus_database(ENTRIES, Path(tmp))
        app = create_app(
            {
                "MARKETPLACE_ENV": "development",
                "DATABASE_URL": f"sqlite:///{database}",
                "SEARCH_INDEX_DIR": str(Path(tmp) / "index"),
                "LOG_LEVEL": "WARNING",
                "SEARCH_SYNC_INTERVAL": 0,
                "RATELIMIT_ENABLED": False,
            },
            instance_path=str(Path(tmp) / "instance"),
        )
        with app.app_context():
            started = time.perf_counter()
            fill_corpus(ENTRIES, database)  # the search benchmark's corpus, kept in BENCH_CORPUS_DIR
            rebuild_index(index_root())
            prepared = time.perf_counter() - started
            system = Actor.system("system:bench")
            add_user(system, "harvester@cabinetoffice.gov.uk", organisation_slug=None, roles=())
            _, token = create_token(system, "harvester@cabinetoffice.gov.uk", name="bench", scopes=("read",))
        client = app.test_client()

        # The whole cursor walk, as a harvester makes it.
        times: list[float] = []
        seen: set[str] = set()
        url = f"/api/v1/datasets?sort=metadata_modified&per_page={PER_PAGE}"
        started = time.perf_counter()
        while url:
            body, elapsed = _get(client, url, token)
            times.append(elapsed)
            seen.update(item["id"] for item in body["items"])
            url = body["links"]["next"]
        walk_seconds = time.perf_counter() - started
        total = body["total"]
        assert len(seen) == total, (len(seen), total)

        # Offset paging at sampled depths, with the API's window lifted for the measurement.
        import marketplace.api.http as http
        import marketplace.schemas.listing as listing

        http.MAX_RESULT_WINDOW = listing.MAX_RESULT_WINDOW = 10**9
        pages = len(times)
        depths = sorted({1, 10, pages // 10, pages // 4, pages // 2, (3 * pages) // 4, pages} - {0})
        rows = []
        for depth in depths:
            offset = [
                _get(client, f"/api/v1/datasets?sort=updated&per_page={PER_PAGE}&page={depth}", token)[1]
                for _ in range(ROUNDS)
            ]
            rows.append((depth, times[depth - 1], statistics.median(offset)))

        print(
            f"Catalogue walk benchmark: {total:,} listed entries (prepared in {prepared:.0f}s), "
            f"per_page={PER_PAGE}, SQLite, in-process client"
        )
        ordered = sorted(times)
        print(
            f"cursor walk: {len(times):,} requests, {walk_seconds:.1f}s in all "
            f"({total / walk_seconds:,.0f} entries/s); per page p50 {statistics.median(ordered):.1f} ms, "
            f"p95 {ordered[int(len(ordered) * 0.95) - 1]:.1f} ms; first 10 pages "
            f"{statistics.mean(times[:10]):.1f} ms, last 10 {statistics.mean(times[-10:]):.1f} ms"
        )
        print(f"{'page':>8}{'cursor ms':>12}{'offset ms':>12}{'offset/cursor':>15}")
        for depth, cursor_ms, offset_ms in rows:
            print(f"{depth:>8}{cursor_ms:>12.1f}{offset_ms:>12.1f}{offset_ms / cursor_ms:>14.1f}x")
        estimate = sum(
            statistics.mean([rows[i][2], rows[i + 1][2]]) * (rows[i + 1][0] - rows[i][0])
            for i in range(len(rows) - 1)
        )
        print(f"offset walk of every page (estimated from the samples): {estimate / 1000:.0f}s")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
