"""What the quality scoring tests share: an entry and a data service (not stored) that pass every
indicator, a file, stored link checks, and finding one indicator in an assessment."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from marketplace.models import Dataset, DatasetKeyword, DatasetTheme, Distribution, LinkCheck
from tests.factories import OGL

CSV_URL = "https://data.example.gov.uk/roads.csv"


PAGE_URL = "https://www.example.gov.uk/roads"


API_URL = "https://api.example.gov.uk/v1"


def checked(
    url: str, *, ok: bool = True, status_code: int | None = 200, error: str | None = None
) -> LinkCheck:
    return LinkCheck(
        url=url,
        ok=ok,
        status_code=status_code,
        error=error,
        checked_at=datetime(2026, 11, 3, 2, 0, tzinfo=UTC),
        elapsed_ms=120,
    )


ALL_OK = {CSV_URL: checked(CSV_URL), PAGE_URL: checked(PAGE_URL), API_URL: checked(API_URL)}


def a_file(title: str = "Roads 2024", **overrides) -> Distribution:
    fields = {
        "title": title,
        "access_url": PAGE_URL,
        "download_url": CSV_URL,
        "media_type": "text/csv",
        "format": "CSV",
        "byte_size": 1024,
        "licence": OGL,
        "issued": date(2025, 1, 1),
        "modified": date(2025, 6, 1),
    }
    fields.update(overrides)
    return Distribution(**fields)


def perfect_entry(**overrides) -> Dataset:
    """An entry (not stored) that passes every indicator when its links are checked and work."""
    fields = {
        "type": "dataset",
        "title": "Road traffic counts",
        "description": "Counts of vehicles.",
        "organisation_id": uuid.uuid4(),
        "contact_name": "Roads team",
        "contact_email": "roads@dft.gov.uk",
        "access_rights": "OPEN",
        "security_classification": "OFFICIAL",
        "licence": OGL,
        "modified": date(2025, 6, 1),
        "issued": date(2020, 1, 1),
        "update_frequency": "annual",
        "spatial_coverage": "England",
        "temporal_start": date(2000, 1, 1),
        "temporal_end": None,
        "keywords": [DatasetKeyword(keyword="traffic")],
        "themes": [DatasetTheme(theme="transport-and-infrastructure")],
        "distributions": [a_file()],
    }
    fields.update(overrides)
    return Dataset(**fields)


def perfect_service(**overrides) -> Dataset:
    fields = {
        "type": "data_service",
        "endpoint_url": API_URL,
        "endpoint_description": "https://api.example.gov.uk/openapi.json",
        "service_type": "REST",
        "service_status": "LIVE",
        "distributions": [],
    }
    fields.update(overrides)
    return perfect_entry(**fields)


def indicator(assessment, name: str) -> dict:
    return next(i for i in assessment.indicators if i["indicator"] == name)
