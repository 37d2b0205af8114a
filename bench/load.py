"""The served catalogue under a mixed load, against a floor (issue 17).

PostgreSQL with BENCH_LOAD_ENTRIES entries (100,000 unless set; the database `bench_load_<n>` is
left in place and reused, so only the first run pays the minutes of building it), served by gunicorn
in production mode with the project's gunicorn.conf.py and the settings under test. Two driver
processes (bench/load_driver.py) keep BENCH_LOAD_CONNECTIONS connections each busy for
BENCH_LOAD_SECONDS (30) with the mix of issue 17; then the same drivers for the same time against a
bare Flask app under the same gunicorn settings answering same-size bytes (bench/load_floor.py).

Printed per kind: requests, throughput, p50/p95/p99, errors, the ratio to the floor and the time
the app itself took (its request log, so without the wait for a free worker); each
worker's memory (/proc/<pid>/smaps_rollup) after the load; and, with BENCH_LOAD_PROFILE=1 (the
default), py-spy's biggest costs for search with facets and for entry JSON.

BENCH_LOAD_SETTINGS="gthread:2x4,sync:4x1,gthread:3x2+preload" compares worker settings (one run
each, about two minutes). The default measures gthread 2x1, as shipped.

Rate limits are off in the served app (RATELIMIT_ENABLED=false):
the load is one address and would otherwise be refused, which is what the limits are for.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench import load_serve
from bench.load_build import FLASK, ROOT, SERVER, database_url, ensure_catalogue
from bench.load_driver import MIX
from bench.load_serve import Settings
from tests.production import production_environment

PUBLISHER = ("publisher@dft.gov.uk", "department-for-transport")
KINDS = {
    "search_api": "search, REST API with facets",
    "find_page": "search, find page",
    "entry_json": "entry JSON",
    "entry_page": "entry page",
    "ckan_search": "CKAN package_search",
    "complete": "title completion",
    "write": "publish or edit by token",
}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def create_token(env: dict[str, str]) -> tuple[str, str]:
    """(token id, secret) for the publisher the seed brings, allowed to publish, for a day."""
    options = ["--name", "load benchmark", "--scope", "read,publish", "--expires-days", "1"]
    done = subprocess.run(
        [*FLASK, "tokens", "create", PUBLISHER[0], *options],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    token_id = done.stderr.split("Created token ", 1)[1].split(" ", 1)[0]
    return token_id, done.stdout.strip().splitlines()[-1]


def revoke_token(env: dict[str, str], token_id: str) -> None:
    command = [*FLASK, "tokens", "revoke", token_id]
    subprocess.run(command, env=env, cwd=ROOT, capture_output=True)


def sample_slugs(name: str, count: int = 2000) -> list[str]:
    """Published open entries, spread over the catalogue, the same on every run."""
    with psycopg.connect(f"{SERVER}/{name}") as conn:
        rows = conn.execute(
            "SELECT slug FROM datasets WHERE status = 'published' AND access_rights = 'OPEN' "
            "AND deleted_at IS NULL ORDER BY md5(slug) LIMIT %s",
            (count,),
        ).fetchall()
    return [row[0] for row in rows]


def drive(base_url: str, plan: dict, work: Path, label: str, processes: int = 2) -> dict[str, dict]:
    """Run the driver in `processes` processes at once; their results merged per kind."""
    runs = []
    for n in range(processes):
        plan_file, out = work / f"{label}-plan-{n}.json", work / f"{label}-out-{n}.json"
        plan_file.write_text(json.dumps({**plan, "base_url": base_url, "seed": n + 1}))
        command = [sys.executable, "-m", "bench.load_driver", str(plan_file), str(out)]
        runs.append((subprocess.Popen(command, cwd=ROOT), out))
    merged: dict[str, dict] = {}
    for run, out in runs:
        if run.wait(timeout=plan["seconds"] + 120):
            raise RuntimeError(f"a load driver failed ({label})")
        for kind, result in json.loads(out.read_text()).items():
            into = merged.setdefault(kind, {"ms": [], "bytes": [], "errors": 0, "samples": []})
            for key in ("ms", "bytes", "samples"):
                into[key] += result[key]
            into["errors"] += result["errors"]
    return merged


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def typical_sizes(base_url: str, plan: dict, work: Path) -> dict[str, int]:
    """The median response size of each kind, from a short run that also warms the workers."""
    warm = drive(base_url, {**plan, "seconds": 8}, work, "warm", processes=1)
    return {kind: int(statistics.median(r["bytes"]) if r["bytes"] else 100) for kind, r in warm.items()}


def run_settings(
    settings: Settings,
    name: str,
    index_dir: Path,
    token: str,
    slugs: list[str],
    work: Path,
) -> dict:
    seconds, connections = env_int("BENCH_LOAD_SECONDS", 30), env_int("BENCH_LOAD_CONNECTIONS", 4)
    plan = {"seconds": seconds, "connections": connections, "weights": MIX, "slugs": slugs}
    plan |= {"token": token, "publisher": PUBLISHER[1], "floor": False}
    port, floor_port = load_serve.free_port(), load_serve.free_port()
    base, floor_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{floor_port}"
    env = production_environment(
        base,
        DATABASE_URL=database_url(name),
        SEARCH_INDEX_DIR=str(index_dir),
        RATELIMIT_ENABLED="false",
        PYTHONFAULTHANDLER="1",  # a worker that crashes leaves its stack in the log
    )
    report: dict = {"settings": str(settings)}
    app = floor = None
    try:
        app = load_serve.start(settings.app, port, settings, env, work / "app.log")
        load_serve.wait_ready(app, f"{base}/healthz")
        sizes = typical_sizes(base, plan, work)
        report["memory_warm"] = {pid: load_serve.memory(pid) for pid in load_serve.workers(app)}
        log_start = (work / "app.log").stat().st_size
        report["load"] = drive(base, plan, work, "app")
        report["served"] = served_times(work / "app.log", log_start)
        report["memory"] = {pid: load_serve.memory(pid) for pid in load_serve.workers(app)}
        floor_env = {"FLOOR_SIZES": json.dumps(sizes)}
        floor = load_serve.start("bench.load_floor:app", floor_port, settings, floor_env, work / "floor.log")
        load_serve.wait_ready(floor, f"{floor_base}/floor/entry_json")
        report["floor"] = drive(floor_base, {**plan, "floor": True}, work, "floor")
        load_serve.stop(floor)
        if os.environ.get("BENCH_LOAD_PROFILE", "1") == "1":
            report["profile"] = {
                kind: profile_kind(app, base, plan, work, kind) for kind in ("search_api", "entry_json")
            }
    finally:
        load_serve.stop(floor)
        load_serve.stop(app)
    return report


# The request log's (method, route) of each kind: how long the app took, from its own log.
ROUTES = {
    ("GET", "/api/v1/datasets"): "search_api",
    ("GET", "/datasets"): "find_page",
    ("GET", "/api/v1/datasets/<reference>"): "entry_json",
    ("GET", "/datasets/<slug>"): "entry_page",
    ("GET", "/api/3/action/<name>"): "ckan_search",
    ("GET", "/api/v1/suggest"): "complete",
    ("POST", "/api/v1/datasets"): "write",
    ("PATCH", "/api/v1/datasets/<reference>"): "write",
}


def served_times(log: Path, start: int) -> dict[str, list[float]]:
    """Per kind, the durations the app logged for requests from byte `start` of its log on: the
    time in the app, without the time a request waited for a worker (which the client sees)."""
    times: dict[str, list[float]] = {}
    with log.open("rb") as lines:
        lines.seek(start)
        for line in lines:
            if not line.startswith(b"{"):
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            kind = ROUTES.get((record.get("method"), record.get("route")))
            if kind and "duration_ms" in record:
                times.setdefault(kind, []).append(record["duration_ms"])
    return times


def profile_kind(app, base: str, plan: dict, work: Path, kind: str):
    """py-spy on every worker while the drivers send only `kind`."""
    seconds = 10
    plan_file, out = work / f"profile-{kind}.json", work / f"profile-{kind}-out.json"
    plan_file.write_text(
        json.dumps({**plan, "base_url": base, "seed": 9, "seconds": seconds + 4, "weights": {kind: 1}})
    )
    driver = subprocess.Popen([sys.executable, "-m", "bench.load_driver", str(plan_file), str(out)], cwd=ROOT)
    try:
        time.sleep(2)
        stacks = load_serve.profile(load_serve.workers(app), seconds, work, kind)
    finally:
        driver.wait(timeout=seconds + 120)
    return load_serve.biggest_costs(stacks)


def print_report(report: dict) -> None:
    print(f"\n== {report['settings']} ==")
    head = f"{'kind':<30}{'requests':>9}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>7}"
    print(head + f"{'floor p50/p95':>15}{'ratio p50/p95':>15}{'in the app p50/p95':>20}")
    seconds = env_int("BENCH_LOAD_SECONDS", 30)
    for kind, label in KINDS.items():
        load, floor = report["load"].get(kind), report["floor"].get(kind)
        if not load:
            continue
        ms, fms = load["ms"], floor["ms"] if floor else []
        served = report["served"].get(kind, [])
        p50, p95, p99 = pct(ms, 0.5), pct(ms, 0.95), pct(ms, 0.99)
        f50, f95 = pct(fms, 0.5), pct(fms, 0.95)
        print(
            f"{label:<30}{len(ms):>9}{len(ms) / seconds:>8.1f}{p50:>8.1f}{p95:>8.1f}{p99:>8.1f}"
            f"{load['errors']:>7}{f50:>7.1f}/{f95:<7.1f}{f'{p50 / f50:.1f}x/{p95 / f95:.1f}x':>15}"
            f"{pct(served, 0.5):>12.1f}/{pct(served, 0.95):.1f}"
        )
        for sample in load["samples"][:3]:
            print(f"    error: {sample}")
    total = sum(len(r["ms"]) for r in report["load"].values())
    ftotal = sum(len(r["ms"]) for r in report["floor"].values())
    print(f"{'all':<30}{total:>9}{total / seconds:>8.1f}   (floor {ftotal / seconds:.1f} req/s)")
    print(
        "(in the app: the time its request log gives, without the wait for a worker; the rest of "
        "what the client saw is that wait)"
    )
    for when in ("memory_warm", "memory"):
        print(
            "worker memory " + ("after an 8 s warm-up" if when == "memory_warm" else "after the load") + ":"
        )
        for pid, m in report[when].items():
            print(
                f"  pid {pid}: RSS {m['rss']:.0f} MB, private {m['private']:.0f} MB "
                f"(of which heap {m['anonymous']:.0f} MB), shared {m['shared']:.0f} MB, PSS {m['pss']:.0f} MB"
            )
    for kind, (samples, ours, own) in report.get("profile", {}).items():
        print(f"profile, {KINDS[kind]} ({samples} samples, all workers):")
        print("  ours, including what they call:")
        for frame, count in ours:
            print(f"    {100 * count / max(samples, 1):5.1f}%  {frame}")
        print("  where the time is spent (own time):")
        for frame, count in own:
            print(f"    {100 * count / max(samples, 1):5.1f}%  {frame}")


def main() -> None:
    entries = env_int("BENCH_LOAD_ENTRIES", 100_000)
    name = os.environ.get("BENCH_LOAD_DATABASE", f"bench_load_{entries // 1000}k")
    keep = Path(os.environ.get("BENCH_CORPUS_DIR") or Path(tempfile.gettempdir()) / "bench-load")
    index_dir = keep / f"{name}-index"
    print(f"\n== load: {entries:,} entries in PostgreSQL ({name}), gunicorn in production mode ==")
    load_avg = os.getloadavg()
    print(f"(machine: {os.cpu_count()} cores, load average {load_avg[0]:.1f} at the start; shared)")
    timings = ensure_catalogue(name, entries, index_dir, env_int("BENCH_LOAD_BUILDERS", 3))
    print("catalogue: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()))
    cli_env = {**os.environ, "MARKETPLACE_ENV": "development", "DATABASE_URL": database_url(name)}
    cli_env["SEARCH_INDEX_DIR"] = str(index_dir)
    token_id, token = create_token(cli_env)
    try:
        slugs = sample_slugs(name)
        for text in os.environ.get("BENCH_LOAD_SETTINGS", "gthread:2x1").split(","):
            # The servers' logs and the raw profiles stay here after the run, for a closer look.
            work = keep / "last-run" / text.replace(":", "-").replace("+", "-")
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            print_report(run_settings(Settings.parse(text), name, index_dir, token, slugs, work))
            print(f"(servers' logs and profiles in {work})")
    finally:
        revoke_token(cli_env, token_id)


if __name__ == "__main__":
    main()
