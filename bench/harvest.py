"""Harvest round trips: instance B brings in instance A's catalogue over A's CKAN Action API and,
separately, over A's DCAT catalogue, then runs again with nothing changed.

A is the seed plus BENCH_HARVEST_SYNTHETIC synthetic entries, served by werkzeug on loopback in
this process (threaded); B writes to its own temporary SQLite database. Printed per way in:
records read, the first run's time and rate, the second (unchanged) run's time, and, as the
floor in the same run, the time to fetch the same pages alone, without bringing anything in.
`python -m bench.harvest` runs this section alone.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.extensions import db
from marketplace.harvest.client import SourceClient, SourceError
from marketplace.harvest.run import read_source, run_source
from marketplace.models import Organisation
from marketplace.rules.actors import Actor
from marketplace.search import index_root, rebuild_index
from marketplace.seeding.load import load_seed
from marketplace.seeding.synthetic import add_synthetic
from marketplace.services.harvesting import add_source

SYNTHETIC = int(os.environ.get("BENCH_HARVEST_SYNTHETIC", "2000"))


def _app(folder: Path) -> Flask:
    return create_app(
        {
            "MARKETPLACE_ENV": "development",  # "test" runs only under the suite
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "SEARCH_INDEX_DIR": str(folder / "index"),
            "SEARCH_SYNC_INTERVAL": 0,
            "LOG_LEVEL": "WARNING",
            "RATELIMIT_ENABLED": False,
        },
        instance_path=str(folder / "instance"),
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        a = _app(Path(tmp) / "a")
        with a.app_context():
            upgrade()
            load_seed()
            slugs = list(db.session.scalars(select(Organisation.slug).order_by(Organisation.slug)))
            add_synthetic(SYNTHETIC, slugs)
            rebuild_index(index_root())
            db.session.remove()
            shown = a.test_client().get("/api/v1/datasets?per_page=1").get_json()["total"]
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
        server = make_server("127.0.0.1", 0, a, threaded=True)
        a_url = f"http://127.0.0.1:{server.server_port}"
        a.config["BASE_URL"] = a_url
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            b = _app(Path(tmp) / "b")
            with b.app_context():
                upgrade()
                db.session.add(Organisation(slug="mirror", title="Mirror", organisation_type="other"))
                db.session.commit()
                print(f"\n== harvest round trips: A = seed + {SYNTHETIC:,} synthetic entries, on loopback ==")
                print(f"A shows anyone {shown:,} entries (GET /api/v1/datasets)")
                head = f"{'way in':<8}{'records':>9}{'floor s':>9}{'first s':>9}{'per s':>8}{'again s':>9}"
                print(f"{head}  first run")
                for kind, url in (("ckan", a_url), ("dcat", f"{a_url}/catalog.ttl")):
                    source = add_source(
                        Actor.system("bench"),
                        name=f"a-{kind}",
                        type=kind,
                        url=url,
                        organisation="mirror",
                    )
                    client = SourceClient(base_url="http://bench", timeout=120, retries=0)
                    started = time.perf_counter()
                    try:
                        records = read_source(source, client)
                    except SourceError as error:
                        print(f"{kind:<8}cannot read: {error}")
                        continue
                    floor = time.perf_counter() - started
                    started = time.perf_counter()
                    first = run_source(source, client=client)
                    first_s = time.perf_counter() - started
                    started = time.perf_counter()
                    run_source(source, client=client)
                    again_s = time.perf_counter() - started
                    counts = ", ".join(f"{n} {outcome}" for outcome, n in first.counts.items()) or first.error
                    reasons = Counter(
                        f"{field}: {messages[0]}"
                        for problem in first.problems
                        if problem.outcome == "failed"
                        for field, messages in problem.errors.items()
                    )
                    print(
                        f"{kind:<8}{len(records):>9,}{floor:>9.1f}{first_s:>9.1f}"
                        f"{len(records) / first_s:>8.0f}{again_s:>9.1f}  {counts}"
                    )
                    for reason, number in reasons.most_common(3):
                        print(f"{'':<8}{number:,} failed on {reason}")
                db.engine.dispose()
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()
