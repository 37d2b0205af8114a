"""Load `seed/`: real UK government organisations and realistic entries, idempotently.

Entries go in through the same services as the API, so seed data obeys every rule.
Each entry's id is derived from its publisher and title, so loading twice adds nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.rules.actors import Actor
from marketplace.services.datasets import create_dataset, withdraw_dataset
from marketplace.services.organisations import save_organisation
from marketplace.services.users import add_user

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
SEED_NAMESPACE = uuid.UUID("5b0e8d0e-7c1a-4d8a-9c39-2f5b7d1c0a11")
SEED_ACTOR = Actor.system("system:seed")


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


def load_seed(directory: Path = SEED_DIR) -> SeedReport:
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
            body = dict(raw)
            # A new entry cannot be withdrawn straight away: publish it, then withdraw it.
            withdraw = body.get("status") == "withdrawn"
            if withdraw:
                body["status"] = "published"
            dataset = create_dataset(SEED_ACTOR, body, dataset_id=dataset_id)
            if withdraw:
                withdraw_dataset(SEED_ACTOR, str(dataset.id))
            report.datasets_created += 1
    return report
