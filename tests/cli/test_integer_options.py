"""Every whole-number option of the commands has a range: a number past it, however long, is a
usage error (exit status 2) that names the option, and nothing runs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import ApiToken, Dataset
from tests.factories import create_organisation, create_user

HUGE = "9" * 5000


@pytest.mark.parametrize("value", [HUGE, str(10**20), "0", "-1"], ids=["5000 digits", "10^20", "0", "-1"])
@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["seed", "--synthetic"], "--synthetic"),
        (["quality", "check-links", "--concurrency"], "--concurrency"),
        (["quality", "check-links", "--per-host"], "--per-host"),
        (["tokens", "create", "pat@dft.gov.uk", "--name", "nightly", "--expires-days"], "--expires-days"),
    ],
    ids=["seed", "check-links concurrency", "check-links per host", "token expiry"],
)
def test_a_whole_number_option_past_its_range_is_a_usage_error(runner, app, command, option, value):
    create_user(email="pat@dft.gov.uk", organisation=create_organisation(), roles=("publisher",))
    result = runner.invoke(args=[*command, value])
    assert result.exit_code == 2, result.output
    assert option in result.output
    assert db.session.scalar(select(func.count()).select_from(Dataset)) == 0
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
