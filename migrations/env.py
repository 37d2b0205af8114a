"""Alembic environment for Flask-Migrate.

Migrations never import the app's models; the metadata here is used only by autogenerate.
A lock is held while migrating, so several processes starting at once (containers, or two
`flask db upgrade` on one machine) migrate one after another instead of racing: the later ones
wait, then find the schema at head and have nothing to do. On PostgreSQL it is an advisory lock;
SQLite has none, so there it is a lock on a file beside the database.
"""

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import text

config = context.config
if config.config_file_name is not None:
    # Keep the app's own loggers working when migrations run inside the app's process.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

# Any fixed number shared by every process that migrates this database.
MIGRATION_LOCK_ID = 727_274_001

migrate_ext = current_app.extensions["migrate"]
target_db = migrate_ext.db


def get_engine():
    return target_db.engine


config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        **migrate_ext.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        # Do not write an empty migration when autogenerate finds nothing.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(migrate_ext.configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    with get_engine().connect() as connection, one_migrator_at_a_time(connection):
        # Alembic reads the current revision only now, under the lock: what an earlier holder did.
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


@contextmanager
def one_migrator_at_a_time(connection) -> Iterator[None]:
    """Hold the database's migration lock, waiting for whoever holds it, until the block ends."""
    if connection.dialect.name == "postgresql":
        # No statement timeout here (DATABASE_STATEMENT_TIMEOUT_MS is for requests): waiting
        # for another container's migrations, or building an index, may take minutes.
        connection.execute(text("SET statement_timeout = 0"))
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
            connection.commit()
    elif connection.dialect.name == "sqlite" and connection.engine.url.database not in (None, "", ":memory:"):
        # SQLite's own locks last one transaction, and on SQLite each of Alembic's statements
        # commits by itself (no transactional DDL): a second process could read "no revision"
        # while the first is half-way and create the same tables again.
        # The lock file stays after use: removing it would let two processes lock two files.
        with open(f"{connection.engine.url.database}.migrate-lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)  # released when the file is closed, or the process ends
            yield
    else:
        yield  # an in-memory SQLite database belongs to one process


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
