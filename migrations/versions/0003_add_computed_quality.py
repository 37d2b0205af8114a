"""Add computed metadata quality (score, band, dimension and indicator points) and the
freshness dates to entries, and the table of link-check results.

Scores are filled by the application (`flask seed`, every change, and after each link
check); there is no backfill here because migrations never import the rules.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:58:14.690717

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "link_checks",
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("elapsed_ms", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_link_checks")),
    )
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metadata_score", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("metadata_band", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("metadata_dimensions", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("metadata_indicators", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("fresh_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("overdue_after", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_datasets_metadata_band"), ["metadata_band"], unique=False)


def downgrade():
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_datasets_metadata_band"))
        batch_op.drop_column("overdue_after")
        batch_op.drop_column("fresh_until")
        batch_op.drop_column("metadata_indicators")
        batch_op.drop_column("metadata_dimensions")
        batch_op.drop_column("metadata_band")
        batch_op.drop_column("metadata_score")

    op.drop_table("link_checks")
