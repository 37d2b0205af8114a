"""Two `flask db upgrade` started at the same moment on an empty database, as two containers
starting together do (the Dockerfile runs it before gunicorn): both succeed, and the schema is
built once, at head. migrations/env.py makes the second wait for the first (an advisory lock on
PostgreSQL, a lock on a file beside the database on SQLite) and then find nothing to do.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

import marketplace.models  # noqa: F401  (every table in the metadata)
from marketplace import MIGRATIONS_DIR
from marketplace.extensions import db
from tests.consistency.processes import process_env, start_flask_command

ROUNDS = 3
# Far beyond what one upgrade from empty takes on a loaded machine: a command still running then
# is waiting for a lock nobody will release.
UPGRADE_WITHIN_S = 180
FIRST_MIGRATION_RUN = "Running upgrade  -> 0001"


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def upgrade_twice_at_once(env: dict[str, str], logs: Path) -> list[tuple[int, str]]:
    """Start both commands before waiting for either; each one's exit status and output."""
    with ExitStack() as stack:
        commands = [
            stack.enter_context(start_flask_command(env, logs / f"upgrade-{n}.log", "db", "upgrade"))
            for n in (1, 2)
        ]
        for command in commands:
            command.process.wait(timeout=UPGRADE_WITHIN_S)
        return [(command.process.returncode, command.log()) for command in commands]


def schema_of(database_url: str) -> tuple[list[str], set[str]]:
    """The rows of alembic_version, and the tables there are."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            versions = list(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))
            tables = set(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()
    return versions, tables


@pytest.mark.parametrize("round_number", range(1, ROUNDS + 1))
def test_two_upgrades_started_at_once_on_an_empty_database_both_succeed_and_migrate_once(
    round_number, new_database_url, tmp_path
):
    database_url = new_database_url()
    env = process_env(database_url, tmp_path / "search-index")

    results = upgrade_twice_at_once(env, tmp_path)

    for number, (status, output) in enumerate(results, start=1):
        assert status == 0, f"upgrade {number} of round {round_number} exited {status}:\n{output}"
    # Alembic logs each migration it runs: the first from empty ran in one of the two only.
    ran_first = [output for _, output in results if FIRST_MIGRATION_RUN in output]
    assert len(ran_first) == 1, "\n---\n".join(output for _, output in results)
    versions, tables = schema_of(database_url)
    assert versions == [head_revision()]
    missing = set(db.metadata.tables) - tables
    assert not missing, f"tables the models describe are missing: {sorted(missing)}"
