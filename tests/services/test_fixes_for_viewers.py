"""`indicators_for` and `fixes_for`: the one rule for who reads what the link checker found.
(Over real HTTP, through the API and the page: tests/api and tests/web test_link_check_details.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import LinkCheck
from marketplace.models.types import utcnow
from marketplace.rules.actors import Actor
from marketplace.rules.mqa_indicators import LINK_DOES_NOT_WORK
from marketplace.rules.quality import fixes_for
from marketplace.services.metadata_quality import recompute_all
from tests.factories import create_dataset, create_organisation, create_user

URL = "https://data.dft.gov.uk/casualty-2024.csv"


@pytest.fixture
def dft(app):
    return create_organisation()


@pytest.fixture
def publisher(dft) -> Actor:
    user = create_user(email="ann@dft.gov.uk", organisation=dft, roles=("publisher",))
    return Actor.for_user(user, "token", {"read"})


def entry(dft):
    return create_dataset(organisation=dft, distributions=[{"title": "Casualties 2024", "download_url": URL}])


def test_a_link_not_yet_checked_reads_the_same_for_everyone(dft, publisher):
    dataset = entry(dft)

    assert fixes_for(publisher, dataset) == fixes_for(Actor.anonymous(), dataset)
    assert any("not been checked yet" in fix for fix in fixes_for(Actor.anonymous(), dataset))


def test_a_broken_link_reads_in_full_for_publishers_and_as_not_working_for_others(dft, publisher):
    dataset = entry(dft)
    db.session.add(LinkCheck(url=URL, status_code=403, ok=False, checked_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    recompute_all()
    db.session.refresh(dataset)

    detailed = fixes_for(publisher, dataset)
    public = fixes_for(Actor.anonymous(), dataset)

    answered = "“Casualties 2024”: it answered 403 when checked on"
    assert f"Fix or replace the link of {answered}" in " ".join(detailed)
    assert f"Fix or replace the download link of {answered}" in " ".join(detailed)
    assert LINK_DOES_NOT_WORK in public and not any("answered 403" in fix for fix in public)
    # Only the link fixes differ: the rest reads the same.
    assert [f for f in public if f != LINK_DOES_NOT_WORK] == [f for f in detailed if "answered 403" not in f]


def test_indicators_stored_before_the_rule_hide_the_checkers_findings_too(dft, publisher):
    dataset = entry(dft)
    stored_before = [
        {
            "dimension": "accessibility",
            "indicator": "download_url_reachable",
            "label": "Download URL works",
            "points": 0,
            "max_points": 30,
            "fix": "Fix or replace the download link of “Casualties 2024”: it answered 401 on 1 May",
        },
        {
            "dimension": "findability",
            "indicator": "keywords",
            "label": "Keywords",
            "points": 0,
            "max_points": 30,
            "fix": "Add at least one keyword",
        },
    ]
    dataset.metadata_indicators = stored_before

    assert fixes_for(Actor.anonymous(), dataset) == [LINK_DOES_NOT_WORK, "Add at least one keyword"]
    assert fixes_for(publisher, dataset) == [stored_before[0]["fix"], "Add at least one keyword"]
