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
down_revision: str | None = "0005"
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


def downgrade() -> None:
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_oidc_sid"))
        batch_op.drop_column("id_token")
        batch_op.drop_column("oidc_sid")
    op.drop_table("logout_token_seen")
    op.drop_table("sign_on_state")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_request_id"))
        batch_op.drop_column("request_id")
