"""operations: the request id on audit rows; single sign-on's state, logout tokens and
sessions

Revision ID: 20261204_ops
Revises: 0005
Create Date: 2026-12-04 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "20261204_ops"
down_revision: str | None = "20261204_board"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before this revision name no request (NULL).
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_entry_request_id"), ["request_id"],
                              unique=False)
    op.create_table(
        "sign_on_state",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("sign_on_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_on_state_expires_at"), ["expires_at"],
                              unique=False)
    op.create_table(
        "logout_token_seen",
        sa.Column("jti", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    with op.batch_alter_table("logout_token_seen", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_logout_token_seen_expires_at"), ["expires_at"],
                              unique=False)
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("oidc_sid", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column("id_token", sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=True))
        batch_op.create_index(batch_op.f("ix_user_session_oidc_sid"), ["oidc_sid"],
                              unique=False)

    op.create_table(
        "hook_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "hook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64),
                  nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["subscription_id"], ["hook_subscription.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("hook_delivery", schema=None) as batch_op:
        batch_op.create_index("ix_hook_delivery_due", ["status", "next_attempt_at"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_hook_delivery_subscription_id"),
                              ["subscription_id"], unique=False)
    op.create_table(
        "hook_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["hook_delivery.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hook_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hook_attempt_delivery_id"), ["delivery_id"],
                              unique=False)
    op.create_table(
        "hook_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # The built-in admin role of an existing desk gets the new permissions.
    role = sa.table("role", sa.column("name", sa.String), sa.column("permissions", sa.JSON),
                    sa.column("builtin", sa.Boolean))
    connection = op.get_bind()
    for name, permissions in connection.execute(
            sa.select(role.c.name, role.c.permissions)
            .where(role.c.name == "admin", role.c.builtin.is_(True))):
        added = [p for p in ("admin.hooks", "customer.privacy") if p not in permissions]
        if added:
            connection.execute(role.update().where(role.c.name == name)
                               .values(permissions=[*permissions, *added]))


def downgrade() -> None:
    op.drop_table("hook_cursor")
    op.drop_table("hook_attempt")
    op.drop_table("hook_delivery")
    op.drop_table("hook_subscription")
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_oidc_sid"))
        batch_op.drop_column("id_token")
        batch_op.drop_column("oidc_sid")
    op.drop_table("logout_token_seen")
    op.drop_table("sign_on_state")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_request_id"))
        batch_op.drop_column("request_id")
