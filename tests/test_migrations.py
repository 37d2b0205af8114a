"""The migrations build exactly the schema the models describe, in one line of history."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from marketplace import MIGRATIONS_DIR
from marketplace.extensions import db
from tests.conftest import make_app


def test_there_is_one_migration_head():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migration_files_are_numbered_in_sequence():
    names = sorted(p.name for p in (MIGRATIONS_DIR / "versions").glob("*.py"))
    for number, name in enumerate(names, start=1):
        assert name.startswith(f"{number:04d}_"), name


def test_upgrade_from_empty_leaves_no_autogenerate_difference(new_database_url, tmp_path):
    app = make_app(new_database_url(), tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()


def test_migrations_do_not_import_the_app_models():
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        assert "marketplace" not in path.read_text(), f"{path.name} imports the app"
