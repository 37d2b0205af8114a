"""Keep what people send from the feedback page, for site admins to read.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("page", sa.String(length=2000), nullable=True),
        sa.Column("doing", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("reply_to", sa.String(length=254), nullable=True),
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_feedback_received_at", "feedback", ["received_at"])


def downgrade():
    op.drop_index("ix_feedback_received_at", table_name="feedback")
    op.drop_table("feedback")
