"""Load `seed/`: real UK government organisations and realistic entries, idempotently.

Entries go in through the same services as the API, so seed data obeys every rule.
Each entry's id is derived from its publisher and title, so loading twice adds nothing.

Two things are filled in as an entry is loaded, so the catalogue looks the same whenever it is
seeded:

- Its dates. They are written as of `SEED_DATES_AS_OF` and moved on by the days since, so a
  seed loaded on any day has the same spread of fresh, due, overdue and undated entries (with
  fixed dates every entry would drift to overdue). Only the dates of things that happened move
  (issued, modified, created, a rating's assessment); the period the data covers does not.
- The address of a file the service serves itself: a link written as `/samples/<file>` becomes
  BASE_URL/samples/<file> (see `marketplace.samples`), checked after loading by `sample_links`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.rules.actors import Actor
from marketplace.samples import SAMPLES_PATH
from marketplace.services.datasets import create_dataset, withdraw_dataset
from marketplace.services.organisations import save_organisation
from marketplace.services.users import add_user

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
SEED_NAMESPACE = uuid.UUID("5b0e8d0e-7c1a-4d8a-9c39-2f5b7d1c0a11")
SEED_ACTOR = Actor.system("system:seed")
# The day the seed's dates were written as of (see the module's docstring).
SEED_DATES_AS_OF = date(2026, 12, 5)
EVENT_DATES = ("issued", "modified", "created")


@dataclass
class SeedReport:
    organisations_created: int = 0
    organisations_updated: int = 0
    datasets_created: int = 0
    datasets_skipped: int = 0


def seed_id(publisher: str, title: str) -> uuid.UUID:
    return uuid.uuid5(SEED_NAMESPACE, f"{publisher}/{title}")


def load_test_users(directory: Path = SEED_DIR) -> int:
    """Add the people the embedded sign-in provider offers to sign in as (development only).

    Never with a real provider: a seeded role would go to whoever really owns that address.
    """
    users = json.loads((directory / "users.json").read_text())
    for raw in users:
        add_user(SEED_ACTOR, raw["email"], organisation_slug=raw["organisation"], roles=raw["roles"])
    return len(users)


def load_seed(directory: Path = SEED_DIR, *, today: date | None = None) -> SeedReport:
    """Add the seed's organisations (updating those present) and the entries not yet present,
    dated as if seeded on `today` (by default, today)."""
    days = ((today or date.today()) - SEED_DATES_AS_OF).days
    base_url = current_app.config["BASE_URL"]
    report = SeedReport()
    for raw in json.loads((directory / "organisations.json").read_text()):
        _, created = save_organisation(SEED_ACTOR, raw)
        if created:
            report.organisations_created += 1
        else:
            report.organisations_updated += 1
    for path in sorted((directory / "datasets").glob("*.json")):
        for raw in json.loads(path.read_text()):
            dataset_id = seed_id(raw["publisher"], raw["title"])
            if db.session.get(Dataset, dataset_id) is not None:
                report.datasets_skipped += 1
                continue
            body = with_sample_links(dated(raw, days), base_url)
            # A new entry cannot be withdrawn straight away: publish it, then withdraw it.
            withdraw = body.get("status") == "withdrawn"
            if withdraw:
                body["status"] = "published"
            dataset = create_dataset(SEED_ACTOR, body, dataset_id=dataset_id)
            if withdraw:
                withdraw_dataset(SEED_ACTOR, str(dataset.id))
            report.datasets_created += 1
    return report


def dated(raw: dict[str, Any], days: int) -> dict[str, Any]:
    """The entry with the dates of what happened to it moved on by `days`."""

    def moved(record: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
        later = {
            n: (date.fromisoformat(record[n]) + timedelta(days=days)).isoformat()
            for n in names
            if record.get(n)
        }
        return {**record, **later}

    body = moved(raw, EVENT_DATES)
    if "distributions" in body:
        body["distributions"] = [moved(d, EVENT_DATES) for d in body["distributions"]]
    if "quality" in body:
        body["quality"] = {name: moved(rating, ("assessed_on",)) for name, rating in body["quality"].items()}
    return body


def with_sample_links(raw: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The entry with each link written as /samples/<file> made an address under `base_url`."""

    def resolved(url: Any) -> Any:
        return base_url + url if isinstance(url, str) and url.startswith(SAMPLES_PATH) else url

    body = dict(raw)
    if "endpoint_url" in body:
        body["endpoint_url"] = resolved(body["endpoint_url"])
    if "distributions" in body:
        body["distributions"] = [
            {**d, **{n: resolved(d[n]) for n in ("access_url", "download_url") if n in d}}
            for d in body["distributions"]
        ]
    return body
