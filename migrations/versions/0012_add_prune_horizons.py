"""How far `flask prune` has deleted from a table: the search outbox's horizon, below which a
host's index position means it may have missed changes and must be rebuilt.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "prune_horizons",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("pruned_through", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_prune_horizons")),
    )


def downgrade():
    op.drop_table("prune_horizons")
