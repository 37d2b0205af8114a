"""Freshness: whether an entry has been updated as often as its publisher says it will be.

The rule, in one place:

- An entry's *period* is the nominal length of its Dublin Core update frequency
  (`vocabularies.UPDATE_FREQUENCIES`, in days), rounded up to whole days so that a
  publisher is never called late on a fraction of a day (monthly is 31 days, annual 366).
- `fresh_until` = `modified` + the period: the day by which the next update is expected.
- `overdue_after` = `fresh_until` + a grace of a quarter of the period, and at least 7 days.
  Publication schedules slip by a few days (a release moved past a bank holiday, a weekly
  file published on Tuesday instead of Monday); the grace keeps an entry "due" rather than
  "overdue" for such slips, while a quarter of the period still flags an annual dataset
  three months late. The 7-day floor stops daily and weekly data from flipping to overdue
  over a long weekend.
- With no `modified`, or a frequency with no fixed period (`continuous`, `irregular`) or
  none at all, both dates are None and the state is "unknown": we cannot judge it.

States, for a given `today`: "fresh" while today ≤ fresh_until; "due" while today ≤
overdue_after; "overdue" after that. Only the two dates are stored; the state is worked
out when read, so it never goes stale in the database or the search index.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from marketplace.vocabularies import UPDATE_FREQUENCIES

FRESHNESS_STATES: dict[str, str] = {
    "fresh": "Up to date",
    "due": "Update due",
    "overdue": "Overdue",
    "unknown": "Not known",
}

MINIMUM_GRACE_DAYS = 7


def freshness_dates(update_frequency: str | None, modified: date | None) -> tuple[date | None, date | None]:
    """Return `(fresh_until, overdue_after)` for an entry, or `(None, None)` when it cannot be judged."""
    if modified is None or update_frequency not in UPDATE_FREQUENCIES:
        return None, None
    period = UPDATE_FREQUENCIES[update_frequency][1]
    if period is None:
        return None, None
    fresh_until = modified + timedelta(days=math.ceil(period))
    grace = max(MINIMUM_GRACE_DAYS, math.ceil(period / 4))
    return fresh_until, fresh_until + timedelta(days=grace)


def freshness_state(fresh_until: date | None, overdue_after: date | None, today: date) -> str:
    """Return the freshness state (a key of FRESHNESS_STATES) on `today`."""
    if fresh_until is None or overdue_after is None:
        return "unknown"
    if today <= fresh_until:
        return "fresh"
    if today <= overdue_after:
        return "due"
    return "overdue"
