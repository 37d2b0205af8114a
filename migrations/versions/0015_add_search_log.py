"""The search log: what people searched for and the results they followed.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("searched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_search_log_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_log")),
    )
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_log_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_log_searched_at"), ["searched_at"], unique=False)
    op.create_table(
        "search_clicks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("search_id", sa.Uuid(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("dataset_slug", sa.String(length=250), nullable=False),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["search_id"],
            ["search_log.id"],
            name=op.f("fk_search_clicks_search_id_search_log"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_clicks")),
    )
    with op.batch_alter_table("search_clicks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_clicks_search_id"), ["search_id"], unique=False)


def downgrade():
    with op.batch_alter_table("search_clicks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_clicks_search_id"))
    op.drop_table("search_clicks")
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_log_searched_at"))
        batch_op.drop_index(batch_op.f("ix_search_log_organisation_id"))
    op.drop_table("search_log")
