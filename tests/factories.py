"""Keyword-only helpers that make catalogue objects through the real services."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from marketplace.models import Dataset, Organisation, User
from marketplace.rules.actors import Actor
from marketplace.services.datasets import create_dataset as create_dataset_service
from marketplace.services.organisations import save_organisation
from marketplace.services.tokens import create_token as create_token_service
from marketplace.services.users import add_user

ADMIN = Actor.system("system:tests")
OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
_numbers = itertools.count(1)


def create_organisation(
    *,
    slug: str = "department-for-transport",
    title: str = "Department for Transport",
    abbreviation: str = "DfT",
    email_domains: list[str] | None = None,
) -> Organisation:
    organisation, _ = save_organisation(
        ADMIN,
        {
            "slug": slug,
            "title": title,
            "abbreviation": abbreviation,
            "organisation_type": "ministerial_department",
            "email_domains": email_domains if email_domains is not None else [f"{slug[:20]}.gov.uk"],
        },
    )
    return organisation


def create_user(
    *, email: str, organisation: Organisation | None = None, roles: tuple[str, ...] = ("member",)
) -> User:
    return add_user(ADMIN, email, organisation_slug=organisation.slug if organisation else None, roles=roles)


def create_token(
    *,
    user: User,
    scopes: tuple[str, ...] = ("read", "publish"),
    expires_days: int | None = None,
    name: str | None = None,
) -> str:
    _, secret = create_token_service(
        ADMIN, user.email, name=name or f"token {next(_numbers)}", scopes=scopes, expires_days=expires_days
    )
    return secret


def valid_entry(*, publisher: str = "department-for-transport", **overrides: Any) -> dict[str, Any]:
    """A complete, publishable dataset body as a client would send it."""
    entry = {
        "type": "dataset",
        "title": f"Reported road casualties {next(_numbers)}",
        "summary": "Casualties in reported road collisions, by severity and road user type.",
        "description": "Statistics on **reported road casualties** in Great Britain.\n\nFrom STATS19.",
        "publisher": publisher,
        "contact_point": {"name": "Road Safety Statistics", "email": "roadacc.stats@dft.gov.uk"},
        "access_rights": "OPEN",
        "security_classification": "OFFICIAL",
        "licence": OGL,
        "modified": "2025-09-25",
        "issued": "2013-06-27",
        "keywords": ["road safety", "casualties"],
        "themes": ["transport-and-infrastructure"],
        "update_frequency": "annual",
        "spatial_coverage": "Great Britain",
        "temporal_coverage": {"start": "1979-01-01", "end": "2024-12-31"},
        "distributions": [
            {
                "title": "Casualties 2024",
                "download_url": "https://data.dft.gov.uk/road-accidents-safety-data/casualty-2024.csv",
                "media_type": "text/csv",
                "byte_size": 38211022,
            }
        ],
    }
    entry.update(copy.deepcopy(overrides))
    return entry


def create_dataset(
    *, organisation: Organisation, actor: Actor = ADMIN, status: str = "published", **overrides: Any
) -> Dataset:
    return create_dataset_service(actor, valid_entry(publisher=organisation.slug, status=status, **overrides))
