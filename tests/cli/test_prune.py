"""`flask --app marketplace prune`, run as cron runs it: the counts per kind, --dry-run, a clear usage
error for a bad option or setting (and nothing deleted), and two runs at once as two processes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from marketplace.extensions import db
from marketplace.models import OutboxEntry, SeenLogoutToken
from marketplace.models.types import utcnow
from marketplace.services.pruning import KIND_NAMES
from tests.consistency.processes import process_env, start_flask_command
from tests.factories import create_dataset, create_organisation


def _spent_logout_tokens(number: int) -> None:
    expired = utcnow() - timedelta(days=1)
    db.session.execute(
        insert(SeenLogoutToken), [{"jti": f"jti-{n}", "expires_at": expired} for n in range(number)]
    )
    db.session.commit()


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _counts(output: str, verb: str = "deleted") -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(rf"^(\w+): (\d+) {verb} \(", output, re.MULTILINE)}


@pytest.fixture
def old_outbox(app) -> int:
    """Three changes more than a week old; returns the id of the newest."""
    organisation = create_organisation()
    for _ in range(3):
        create_dataset(organisation=organisation)
    db.session.execute(update(OutboxEntry).values(created_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    return db.session.scalar(select(func.max(OutboxEntry.id)))


def test_prune_says_how_many_of_each_kind_it_deleted_and_how_far_the_outbox_went(runner, old_outbox):
    _spent_logout_tokens(5)

    result = runner.invoke(args=["prune", "--batch-size", "2"])

    assert result.exit_code == 0, result.output
    counts = _counts(result.output)
    assert list(counts) == list(KIND_NAMES), result.output
    assert counts["seen_logout_tokens"] == 5 and counts["outbox"] == 2
    assert f"pruned through change {old_outbox - 1}" in result.output
    assert _count(SeenLogoutToken) == 0 and _count(OutboxEntry) == 1
    again = runner.invoke(args=["prune"])
    assert again.exit_code == 0 and set(_counts(again.output).values()) == {0}, again.output


def test_a_dry_run_says_what_would_go_and_deletes_nothing(runner, old_outbox):
    _spent_logout_tokens(5)

    result = runner.invoke(args=["prune", "--dry-run", "--only", "seen_logout_tokens", "--only", "outbox"])

    assert result.exit_code == 0, result.output
    assert _counts(result.output, "would be deleted") == {"seen_logout_tokens": 5, "outbox": 2}
    assert _count(SeenLogoutToken) == 5 and _count(OutboxEntry) == 3


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--batch-size", "0"], "--batch-size"),
        (["--batch-size", "10001"], "--batch-size"),
        (["--batch-size", "9" * 5000], "--batch-size"),
        (["--batch-size", "lots"], "--batch-size"),
        (["--only", "api_tokens"], "--only"),
        (["--only"], "--only"),
        (["--since", "3"], "--since"),
    ],
    ids=[
        "batch 0",
        "batch too big",
        "batch 5000 digits",
        "batch not a number",
        "unknown kind",
        "kind missing",
        "no such option",
    ],
)
def test_a_bad_option_is_a_usage_error_naming_it_and_nothing_is_deleted(runner, old_outbox, args, named):
    _spent_logout_tokens(2)
    result = runner.invoke(args=["prune", *args])
    assert result.exit_code == 2, result.output
    assert named in result.output
    assert _count(SeenLogoutToken) == 2 and _count(OutboxEntry) == 3


@pytest.mark.parametrize("value", [0, -1])
def test_an_outbox_retention_under_a_day_is_refused_before_anything_is_deleted(
    app, runner, old_outbox, value
):
    app.config["PRUNE_OUTBOX_DAYS"] = value
    _spent_logout_tokens(2)
    result = runner.invoke(args=["prune"])
    assert result.exit_code == 2, result.output
    assert "PRUNE_OUTBOX_DAYS must be a whole number of days, at least 1" in result.output
    assert _count(SeenLogoutToken) == 2 and _count(OutboxEntry) == 3


def test_two_prune_processes_at_once_delete_each_row_once(app, database_kind, database_url, tmp_path: Path):
    if database_kind != "postgresql":
        pytest.skip("cron on several hosts shares PostgreSQL (run with --db postgresql)")
    rows = 4000
    _spent_logout_tokens(rows)
    env = process_env(database_url, tmp_path / "index")
    runs = [
        start_flask_command(
            env, tmp_path / f"prune-{n}.log", "prune", "--only", "seen_logout_tokens", "--batch-size", "5"
        )
        for n in (1, 2)
    ]
    with runs[0], runs[1]:
        for run in runs:
            run.process.wait(timeout=180)
    for run in runs:
        assert run.process.returncode == 0, run.log()
    deleted = [_counts(run.log()).get("seen_logout_tokens") for run in runs]
    assert None not in deleted, [run.log() for run in runs]
    assert sum(deleted) == rows, deleted
    assert _count(SeenLogoutToken) == 0
