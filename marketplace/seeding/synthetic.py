"""Synthetic entries for load and scale tests: plausible, varied, and the same on every run.

Entry number i is generated from a random generator seeded with i, so `seed --synthetic N`
always adds the same N entries after the ones already there, whatever ran before.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from tqdm import tqdm

from marketplace.extensions import db
from marketplace.models import Dataset
from marketplace.rules.actors import Actor
from marketplace.services.datasets import create_datasets
from marketplace.vocabularies import THEMES, UPDATE_FREQUENCIES

SYNTHETIC_NAMESPACE = uuid.UUID("9d7a3f4e-2b8c-4f61-a0d5-6c1e8b2f3a77")
SYNTHETIC_ACTOR = Actor.system("system:synthetic")
TODAY = date(2026, 11, 1)  # fixed, so the same entry is generated whatever day it is

SUBJECTS = [
    "road traffic collisions",
    "household energy consumption",
    "school pupil absence",
    "hospital admissions",
    "bathing water quality",
    "house prices",
    "vehicle licensing",
    "crime outcomes",
    "air pollutant emissions",
    "river flow",
    "benefit claimants",
    "business counts",
    "fishing fleet landings",
    "farm incomes",
    "broadband coverage",
    "museum visits",
    "apprenticeship starts",
    "prison population",
    "court timeliness",
    "GP appointments",
    "vaccination uptake",
    "fuel poverty",
    "greenhouse gas emissions",
    "rail passenger journeys",
    "bus patronage",
    "public sector employment",
    "tax receipts",
    "migration flows",
    "planning applications",
    "rough sleeping",
    "waste collection",
    "tree planting",
    "flood risk",
    "groundwater levels",
    "bird populations",
    "exam results",
    "teacher workforce",
    "adult social care",
    "A&E attendances",
    "ambulance response times",
]
MEASURES = [
    "statistics",
    "counts",
    "estimates",
    "rates",
    "indicators",
    "survey results",
    "monthly returns",
    "annual totals",
    "time series",
    "register extract",
]
AREAS = [
    "England",
    "Wales",
    "Scotland",
    "Northern Ireland",
    "Great Britain",
    "United Kingdom",
    "England and Wales",
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
]
BREAKDOWNS = [
    "by local authority",
    "by region",
    "by age and sex",
    "by ethnicity",
    "by month",
    "by sector",
    "by constituency",
    "by postcode district",
    "by provider",
    "by school type",
]
FORMATS = [
    ("text/csv", "CSV"),
    ("application/json", "JSON"),
    ("text/csv", "CSV"),
    ("application/pdf", "PDF"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    ("application/vnd.oasis.opendocument.spreadsheet", "ODS"),
    ("application/geo+json", "GEOJSON"),
]
LICENCES = [
    "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "https://creativecommons.org/licenses/by/4.0/",
    "DATA_SHARE_AGREEMENT",
]
ACCESS = ["OPEN"] * 7 + ["INTERNAL", "RESTRICTED", "COMMERCIAL"]
DIMENSIONS = ["completeness", "uniqueness", "consistency", "timeliness", "validity", "accuracy"]


def synthetic_entry(number: int, organisations: list[str]) -> dict[str, Any]:
    rng = random.Random(number)
    subject, measure = rng.choice(SUBJECTS), rng.choice(MEASURES)
    area, breakdown = rng.choice(AREAS), rng.choice(BREAKDOWNS)
    start_year = rng.randint(1990, 2022)
    title = (
        f"{subject.capitalize()} {measure} {breakdown}, {area} {start_year}-{start_year + rng.randint(1, 4)}"
    )
    title = f"{title} (series {number})"
    publisher = organisations[number % len(organisations)]
    modified = TODAY - timedelta(days=int(rng.expovariate(1 / 400)))
    access = rng.choice(ACCESS)
    keywords = rng.sample(subject.split() + measure.split() + [area.lower(), breakdown.split()[-1]], k=3)
    entry: dict[str, Any] = {
        "type": "data_service" if rng.random() < 0.05 else "dataset",
        "status": "published" if rng.random() < 0.97 else "draft",
        "title": title,
        "summary": f"{measure.capitalize()} of {subject} {breakdown} for {area}, from {start_year}.",
        "description": (
            f"This release gives {measure} of {subject} {breakdown} across {area}.\n\n"
            f"Figures cover {start_year} onwards and are revised when late returns arrive. "
            f"See the methodology note for definitions and known limitations."
        ),
        "publisher": publisher,
        "contact_point": {"name": "Statistics team", "email": f"statistics@{publisher[:40]}.example.gov.uk"},
        "access_rights": access,
        "security_classification": "OFFICIAL"
        if access != "OPEN"
        else rng.choice(["OFFICIAL", "NOT_APPLICABLE"]),
        "licence": rng.choice(LICENCES) if access == "OPEN" else "DATA_SHARE_AGREEMENT",
        "modified": modified.isoformat(),
        "issued": (modified - timedelta(days=rng.randint(0, 2000))).isoformat(),
        "keywords": keywords,
        "themes": rng.sample(list(THEMES), k=rng.randint(1, 2)),
        "update_frequency": rng.choice(list(UPDATE_FREQUENCIES)),
        "spatial_coverage": area,
        "temporal_coverage": {"start": f"{start_year}-01-01"},
    }
    if entry["type"] == "data_service":
        entry["endpoint_url"] = f"https://api.example.gov.uk/{publisher}/v1/series/{number}"
        entry["service_type"] = "REST"
        entry["service_status"] = "LIVE"
    else:
        entry["distributions"] = [
            {
                "title": f"{subject.capitalize()} {year}",
                "download_url": f"https://data.example.gov.uk/{publisher}/{number}/{year}.{fmt.lower()}",
                "media_type": media_type,
                "format": fmt,
                "byte_size": rng.randint(2_000, 50_000_000),
            }
            for year, (media_type, fmt) in zip(
                range(start_year, start_year + rng.randint(0, 4)), rng.sample(FORMATS, k=4), strict=False
            )
        ]
    if rng.random() < 0.3:
        entry["quality"] = {
            dimension: {
                "rating": rng.randint(1, 5),
                "assessed_on": modified.isoformat(),
                "method": "Sample audit",
            }
            for dimension in rng.sample(DIMENSIONS, k=rng.randint(1, 4))
        }
    return entry


def _entries(first: int, count: int, organisations: list[str]) -> Iterator[tuple[uuid.UUID, dict[str, Any]]]:
    for number in range(first, first + count):
        yield uuid.uuid5(SYNTHETIC_NAMESPACE, str(number)), synthetic_entry(number, organisations)


def add_synthetic(count: int, organisations: list[str], *, batch_size: int = 1000) -> int:
    """Add `count` synthetic entries after those already generated; returns how many were added."""
    if not organisations:
        raise ValueError("Load the seed organisations first.")
    first = (
        db.session.scalar(select(func.count()).select_from(Dataset).where(Dataset.title.like("% (series %)")))
        or 0
    )
    with tqdm(total=count, unit="entries", desc="Synthetic", mininterval=1.0) as bar:
        return create_datasets(
            SYNTHETIC_ACTOR,
            _entries(first, count, organisations),
            commit_every=batch_size,
            on_created=lambda _dataset: bar.update(1),
            index=False,  # the seed command brings the index up to date once at the end
        )
