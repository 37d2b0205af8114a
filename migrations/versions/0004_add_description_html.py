"""Keep each entry's description as sanitised HTML, made when it is saved, with the version of the
rendering rules that made it, so that no page view parses Markdown.

No backfill: migrations never import the rules. An entry saved before this renders when viewed
(once per process, then from a cache) until its next change stores its HTML.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description_html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("description_rendering", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_column("description_rendering")
        batch_op.drop_column("description_html")
