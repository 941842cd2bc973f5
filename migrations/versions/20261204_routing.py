"""statuses: new, waiting (was pending), pending approval, closed; resolved_at, previous thread

Revision ID: 20261204_routing
Revises: 0005
Create Date: 2026-12-04 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "20261204_routing"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("previous_thread_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_thread_previous_thread_id_thread", "thread",
                                    ["previous_thread_id"], ["id"])
    # "pending" meant waiting on the customer; threads resolved before today count from now.
    op.execute("UPDATE thread SET status = 'waiting' WHERE status = 'pending'")
    op.execute("UPDATE thread SET resolved_at = updated_at WHERE status = 'resolved'")
    op.execute("UPDATE desk_setting SET value = '{\"status\": \"waiting\"}' "
               "WHERE key = 'after_reply' AND CAST(value AS TEXT) LIKE '%pending%'")


def downgrade() -> None:
    op.execute("UPDATE thread SET status = 'pending' WHERE status IN ('waiting', "
               "'pending_approval')")
    op.execute("UPDATE thread SET status = 'open' WHERE status = 'new'")
    op.execute("UPDATE thread SET status = 'resolved' WHERE status = 'closed'")
    op.execute("UPDATE desk_setting SET value = '{\"status\": \"pending\"}' "
               "WHERE key = 'after_reply' AND CAST(value AS TEXT) LIKE '%waiting%'")
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.drop_constraint("fk_thread_previous_thread_id_thread", type_="foreignkey")
        batch_op.drop_column("previous_thread_id")
        batch_op.drop_column("resolved_at")
