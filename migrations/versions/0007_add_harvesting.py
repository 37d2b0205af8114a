"""Harvesting: the catalogues (CKAN or DCAT) an organisation brings entries in from, each run
with its counts and the records it could not bring in, and which entry came from which record.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "harvest_sources",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("every_hours", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_harvest_sources_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_harvest_sources_name")),
    )
    with op.batch_alter_table("harvest_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_harvest_sources_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "harvest_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_sources.id"],
            name=op.f("fk_harvest_runs_source_id_harvest_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_runs")),
    )
    with op.batch_alter_table("harvest_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_runs_source_id"), ["source_id"], unique=False)

    op.create_table(
        "harvested_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("source_identifier", sa.String(length=255), nullable=False),
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source_modified", sa.String(length=40), nullable=True),
        sa.Column("revision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("harvested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_harvested_entries_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_sources.id"],
            name=op.f("fk_harvested_entries_source_id_harvest_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvested_entries")),
        sa.UniqueConstraint("source_id", "source_identifier", name=op.f("uq_harvested_entries_source_id")),
    )
    with op.batch_alter_table("harvested_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvested_entries_dataset_id"), ["dataset_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_harvested_entries_source_id"), ["source_id"], unique=False)

    op.create_table(
        "harvest_problems",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_identifier", sa.String(length=255), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["harvest_runs.id"],
            name=op.f("fk_harvest_problems_run_id_harvest_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_problems")),
    )
    with op.batch_alter_table("harvest_problems", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_problems_run_id"), ["run_id"], unique=False)


def downgrade():
    with op.batch_alter_table("harvest_problems", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_problems_run_id"))

    op.drop_table("harvest_problems")
    with op.batch_alter_table("harvested_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvested_entries_source_id"))
        batch_op.drop_index(batch_op.f("ix_harvested_entries_dataset_id"))

    op.drop_table("harvested_entries")
    with op.batch_alter_table("harvest_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_runs_source_id"))

    op.drop_table("harvest_runs")
    with op.batch_alter_table("harvest_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_sources_organisation_id"))

    op.drop_table("harvest_sources")
