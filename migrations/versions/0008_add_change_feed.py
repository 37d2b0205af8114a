"""The change feed of GET /api/v1/datasets: keyset paging by the record's change time, and
whether an entry was ever open to everyone (so a signed-out mirror is told when it no longer is).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("public_once", sa.Boolean(), nullable=False, server_default=sa.false()))
    # What was published as OPEN before this column existed was seen by everyone; an entry
    # published OPEN and later restricted cannot be told apart now, and is not marked.
    op.execute(
        "UPDATE datasets SET public_once = TRUE WHERE published_at IS NOT NULL AND access_rights = 'OPEN'"
    )
    op.create_index("ix_datasets_changed", "datasets", ["updated_at", "id"])


def downgrade():
    op.drop_index("ix_datasets_changed", table_name="datasets")
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("public_once")
