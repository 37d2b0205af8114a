"""The listing index covers live entries only (deleted_at IS NULL), so counting what a list shows
is read from the index alone rather than from the table.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

LIVE = sa.text("deleted_at IS NULL")


def upgrade():
    with op.batch_alter_table("datasets") as batch:
        batch.drop_index("ix_datasets_listing")
        batch.create_index(
            "ix_datasets_listing",
            ["status", "access_rights", "modified"],
            postgresql_where=LIVE,
            sqlite_where=LIVE,
        )


def downgrade():
    with op.batch_alter_table("datasets") as batch:
        batch.drop_index("ix_datasets_listing")
        batch.create_index("ix_datasets_listing", ["status", "access_rights", "modified"])
