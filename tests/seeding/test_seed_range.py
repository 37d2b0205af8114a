"""The seed shows the range of a real catalogue: entries in every quality band and every
freshness state whenever it is loaded, thin entries with many fixes, and link checks recorded
from what the service's own /samples/ really answered."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Dataset, LinkCheck
from marketplace.rules.freshness import FRESHNESS_STATES, freshness_dates, freshness_state
from marketplace.rules.quality import BANDS
from marketplace.samples import SAMPLES_DIR, SAMPLES_PATH
from marketplace.seeding.load import SEED_DATES_AS_OF, SEED_DIR, dated, load_seed


def _published() -> list[Dataset]:
    return list(db.session.scalars(select(Dataset).where(Dataset.status == "published")))


def _seed_entries() -> list[dict]:
    return [
        entry
        for path in sorted((SEED_DIR / "datasets").glob("*.json"))
        for entry in json.loads(path.read_text())
    ]


def test_seed_has_published_entries_in_every_quality_band_and_every_freshness_state(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output

    published = _published()
    bands = Counter(d.metadata_band for d in published)
    assert set(bands) == set(BANDS), bands
    # Most of a real catalogue is good; the ends are there but few.
    assert bands["good"] > len(published) / 2
    assert bands["excellent"] >= 10 and bands["sufficient"] >= 5 and bands["bad"] >= 3
    states = Counter(freshness_state(d.fresh_until, d.overdue_after, date.today()) for d in published)
    assert set(states) == set(FRESHNESS_STATES), states
    # Thin entries, each with a long list of what would raise its score.
    many_fixes = [d for d in published if len([i for i in d.metadata_indicators if i["fix"]]) >= 10]
    assert len(many_fixes) >= 5


def test_the_spread_of_freshness_holds_whichever_day_the_seed_is_loaded(app):
    # Seeded on another day (earlier than the files' own: a later one would date entries in the
    # future, which is refused), the entries are as fresh, due or overdue as on the files' day.
    written = Counter(
        freshness_state(
            *freshness_dates(e.get("update_frequency"), date.fromisoformat(e["modified"])), SEED_DATES_AS_OF
        )
        for e in _seed_entries()
        if e["status"] == "published"
    )
    seeded_on = SEED_DATES_AS_OF - timedelta(days=400)
    load_seed(today=seeded_on)

    published = _published()
    seeded = Counter(freshness_state(d.fresh_until, d.overdue_after, seeded_on) for d in published)
    assert seeded == written
    assert set(seeded) == set(FRESHNESS_STATES)


def test_loading_moves_the_dates_of_what_happened_but_not_the_period_covered():
    entry = next(
        e for e in _seed_entries() if e.get("quality") and e.get("distributions") and e.get("issued")
    )
    moved = dated(entry, 10)

    def later(value: str) -> str:
        return (date.fromisoformat(value) + timedelta(days=10)).isoformat()

    assert moved["modified"] == later(entry["modified"])
    assert moved["issued"] == later(entry["issued"])
    for before, after in zip(entry["distributions"], moved["distributions"], strict=True):
        assert after.get("modified") == (later(before["modified"]) if before.get("modified") else None)
    for name, rating in entry["quality"].items():
        assert moved["quality"][name]["assessed_on"] == later(rating["assessed_on"])
    assert moved["temporal_coverage"] == entry["temporal_coverage"]


def test_seed_records_what_its_sample_links_answered_to_the_link_checker(app, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "Links to the service's own /samples/ checked" in result.output

    prefix = app.config["BASE_URL"] + SAMPLES_PATH
    checks = list(db.session.scalars(select(LinkCheck)))
    assert checks and all(c.url.startswith(prefix) for c in checks)
    for check in checks:
        there = (SAMPLES_DIR / check.url.removeprefix(prefix)).is_file()
        # A file that is there answered 200; one that is not, 404: what the app said, not the seed.
        assert (check.ok, check.status_code) == ((True, 200) if there else (False, 404)), check.url
    assert {c.ok for c in checks} == {True, False}

    entries = list(db.session.scalars(select(Dataset).where(Dataset.deleted_at.is_(None))))
    sampled = [d for d in entries if any((f.download_url or "").startswith(prefix) for f in d.distributions)]
    for dataset in sampled:
        links = [f.download_url for f in dataset.distributions]
        reachable = [i for i in dataset.metadata_indicators if i["indicator"] == "download_url_reachable"]
        broken = [url for url in links if not (SAMPLES_DIR / url.removeprefix(prefix)).is_file()]
        assert (reachable[0]["fix"] is None) == (not broken), dataset.slug
        if broken:
            assert "answered 404" in reachable[0]["fix"]
    assert any(d.metadata_band == "excellent" for d in sampled)


def test_each_sample_file_a_seed_entry_names_is_described_truly():
    named = 0
    for entry in _seed_entries():
        for distribution in entry.get("distributions", []):
            url = distribution.get("download_url", "")
            if (
                not url.startswith(SAMPLES_PATH)
                or not (SAMPLES_DIR / url.removeprefix(SAMPLES_PATH)).is_file()
            ):
                continue
            named += 1
            path = SAMPLES_DIR / url.removeprefix(SAMPLES_PATH)
            assert distribution["byte_size"] == path.stat().st_size, url
            assert distribution["format"] == path.suffix.lstrip(".").upper(), url
    assert named >= 10


def test_seeding_twice_with_if_empty_is_safe(app, runner):
    first = runner.invoke(args=["seed", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "entries rescored" in first.output

    def state() -> tuple:
        entries = db.session.scalar(select(func.count()).select_from(Dataset))
        checks = sorted(db.session.execute(select(LinkCheck.url, LinkCheck.ok, LinkCheck.checked_at)).all())
        bands = sorted(db.session.execute(select(Dataset.slug, Dataset.metadata_score)).all())
        return entries, checks, bands

    before = state()
    again = runner.invoke(args=["seed", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "not seeding" in again.output
    db.session.expire_all()
    assert state() == before
