"""the war room: incidents of grouped complaints, the permission to manage them, and the
indexes of the KPIs' time windows

Revision ID: 20261204_warroom
Revises: 0005
Create Date: 2026-12-04 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "20261204_warroom"
down_revision: str | None = "20261204_routing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = sa.table("role", sa.column("id"), sa.column("name"), sa.column("permissions", sa.JSON),
                sa.column("builtin"))
# What this revision gives the built-in roles (server/permissions.py at this revision).
NEW_PERMISSIONS = {"admin": ["incident.manage"], "supervisor": ["incident.manage"]}
WHEN = sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("networks", sa.JSON(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("first_at", WHEN, nullable=False),
        sa.Column("last_at", WHEN, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("named_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["merged_into_id"], ["incident.id"]),
        sa.ForeignKeyConstraint(["named_by_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_updated", "incident", ["updated_at"])
    op.create_table(
        "incident_post",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("network", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"]),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_index("ix_incident_post_incident_at", "incident_post", ["incident_id", "at"])
    op.create_index("ix_incident_post_thread_id", "incident_post", ["thread_id"])
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_thread_incident_id", ["incident_id"], unique=False)
        batch_op.create_foreign_key("fk_thread_incident_id", "incident", ["incident_id"], ["id"])
    # The KPIs' time windows (server/warroom/kpis.py).
    op.create_index("ix_message_created", "message", ["created_at"])
    op.create_index("ix_message_contact_created", "message", ["contact_id", "created_at"])
    _permissions(add=True)


def _permissions(*, add: bool) -> None:
    connection = op.get_bind()
    for role_id, name, permissions in connection.execute(
            sa.select(ROLE.c.id, ROLE.c.name, ROLE.c.permissions)
            .where(ROLE.c.builtin == sa.true())).all():
        new = NEW_PERMISSIONS.get(name, [])
        kept = [p for p in permissions if p not in new]
        changed = [*kept, *(p for p in new if add)]
        if changed != permissions:
            connection.execute(sa.update(ROLE).where(ROLE.c.id == role_id)
                               .values(permissions=changed))


def downgrade() -> None:
    _permissions(add=False)
    op.drop_index("ix_message_contact_created", table_name="message")
    op.drop_index("ix_message_created", table_name="message")
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.drop_constraint("fk_thread_incident_id", type_="foreignkey")
        batch_op.drop_index("ix_thread_incident_id")
        batch_op.drop_column("incident_id")
    op.drop_table("incident_post")
    op.drop_table("incident")
