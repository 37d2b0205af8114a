"""Freshness: the dates each update frequency gives, and the state on a given day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from marketplace.rules.freshness import FRESHNESS_STATES, freshness_dates, freshness_state
from marketplace.vocabularies import UPDATE_FREQUENCIES

MODIFIED = date(2025, 1, 1)

# frequency -> (days until the next update is due, days of grace before it is overdue)
EXPECTED_DAYS = {
    "triennial": (1096, 274),
    "biennial": (731, 183),
    "annual": (366, 92),
    "semiannual": (183, 46),
    "threeTimesAYear": (122, 31),
    "quarterly": (92, 23),
    "bimonthly": (61, 16),
    "monthly": (31, 8),
    "semimonthly": (16, 7),
    "biweekly": (14, 7),
    "threeTimesAMonth": (11, 7),
    "weekly": (7, 7),
    "semiweekly": (4, 7),
    "threeTimesAWeek": (3, 7),
    "daily": (1, 7),
}


def test_every_frequency_with_a_period_has_an_expected_rule() -> None:
    with_period = {name for name, (_, period) in UPDATE_FREQUENCIES.items() if period is not None}
    assert with_period == set(EXPECTED_DAYS)


@pytest.mark.parametrize(("frequency", "days"), EXPECTED_DAYS.items())
def test_fresh_for_one_period_then_due_for_a_quarter_of_it_at_least_a_week(
    frequency: str, days: tuple[int, int]
) -> None:
    period, grace = days
    fresh_until, overdue_after = freshness_dates(frequency, MODIFIED)

    assert fresh_until == MODIFIED + timedelta(days=period)
    assert overdue_after == fresh_until + timedelta(days=grace)
    assert freshness_state(fresh_until, overdue_after, MODIFIED) == "fresh"
    assert freshness_state(fresh_until, overdue_after, fresh_until) == "fresh"
    assert freshness_state(fresh_until, overdue_after, fresh_until + timedelta(days=1)) == "due"
    assert freshness_state(fresh_until, overdue_after, overdue_after) == "due"
    assert freshness_state(fresh_until, overdue_after, overdue_after + timedelta(days=1)) == "overdue"


@pytest.mark.parametrize("frequency", ["continuous", "irregular", None, "fortnightly-ish"])
def test_frequencies_without_a_fixed_period_cannot_be_judged(frequency: str | None) -> None:
    assert freshness_dates(frequency, MODIFIED) == (None, None)
    assert freshness_state(None, None, MODIFIED) == "unknown"


def test_an_entry_never_modified_cannot_be_judged() -> None:
    assert freshness_dates("monthly", None) == (None, None)


def test_annual_data_a_month_late_is_due_and_four_months_late_is_overdue() -> None:
    fresh_until, overdue_after = freshness_dates("annual", date(2024, 3, 1))

    assert freshness_state(fresh_until, overdue_after, date(2025, 4, 1)) == "due"
    assert freshness_state(fresh_until, overdue_after, date(2025, 7, 1)) == "overdue"


def test_every_state_has_a_label() -> None:
    assert list(FRESHNESS_STATES) == ["fresh", "due", "overdue", "unknown"]
    assert all(FRESHNESS_STATES.values())
