"""Machine API clients (OAuth 2.0 client credentials), their tokens and spent assertions; and
two DCAT-UK properties our model lacked: a data service's kind (`serviceType`) and the services
a distribution is reached through (`accessService`).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_clients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("scopes", sa.String(length=100), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("secret_prefix", sa.String(length=16), nullable=True),
        sa.Column("public_jwks", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_label", sa.String(length=254), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_label", sa.String(length=254), nullable=True),
        sa.Column("secret_rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tokens_issued", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_api_clients_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_api_clients_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_api_clients_client_id")),
    )
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_clients_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "api_client_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_clients.id"],
            name=op.f("fk_api_client_tokens_client_id_api_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_client_tokens_token_hash")),
    )
    with op.batch_alter_table("api_client_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_client_tokens_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_client_tokens_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "api_client_assertions",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["api_clients.id"],
            name=op.f("fk_api_client_assertions_client_id_api_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "jti", name="pk_api_client_assertions"),
    )
    with op.batch_alter_table("api_client_assertions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_client_assertions_expires_at"), ["expires_at"], unique=False)
    # Idempotency-Key for machine clients: a key belongs to a person or to a client.
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(sa.Column("client_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_idempotency_keys_client_id_api_clients"),
            "api_clients",
            ["client_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_idempotency_keys_client_id_key"), ["client_id", "key"]
        )
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_kind", sa.String(length=20), nullable=True))
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_services", sa.JSON(), nullable=True))
    op.execute("UPDATE distributions SET access_services = '[]'")
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.alter_column("access_services", existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.drop_column("access_services")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_column("service_kind")
    op.execute("DELETE FROM idempotency_keys WHERE user_id IS NULL")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_idempotency_keys_client_id_key"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_idempotency_keys_client_id_api_clients"), type_="foreignkey")
        batch_op.drop_column("client_id")
        batch_op.alter_column("user_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_table("api_client_assertions")
    op.drop_table("api_client_tokens")
    op.drop_table("api_clients")
