"""statuses: new, waiting (was pending), pending approval, closed; resolved_at, previous thread;
teams' members and automatic assignment, routing rules, agents' availability; teams'
working hours, service-level policies and clocks

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


ROLE = sa.table("role", sa.column("id"), sa.column("name"), sa.column("permissions", sa.JSON),
                sa.column("builtin"))
# What this revision gives the built-in roles (server/permissions.py at this revision).
NEW_PERMISSIONS = {"admin": ["admin.routing"]}


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


def upgrade() -> None:
    _routing_tables()
    _service_level_tables()
    _permissions(add=True)
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


def _routing_tables() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("auto_assign", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("capacity", sa.Integer(), nullable=False,
                                      server_default="5"))
        batch_op.add_column(sa.Column("turns", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("team", schema=None) as batch_op:
        for column in ("auto_assign", "capacity", "turns"):
            batch_op.alter_column(column, server_default=None)
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("routed_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
    op.create_table(
        "team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("supervisor", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("networks", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("last_turn", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "user_id"),
    )
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_member_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_team_member_user_id"), ["user_id"], unique=False)
    op.create_table(
        "routing_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routing_rule_position"), ["position"], unique=False)
    op.create_table(
        "availability",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("by_hand", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )


def _service_level_tables() -> None:
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=False, server_default="UTC"))
        batch_op.add_column(sa.Column("hours", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column(
            "holiday_country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))
        batch_op.add_column(sa.Column(
            "holiday_subdivision", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
    with op.batch_alter_table("team", schema=None) as batch_op:
        for column in ("time_zone", "hours"):
            batch_op.alter_column(column, server_default=None)
    op.create_table(
        "sla_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("network", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("vip", sa.Boolean(), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("next_response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sla_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("warn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("paused_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("warned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("breached_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["policy_id"], ["sla_policy.id"]),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("thread_id", "target"),
    )
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.create_index("ix_sla_clock_warn", ["warn_at"], unique=False)
        batch_op.create_index("ix_sla_clock_due", ["due_at"], unique=False)


def downgrade() -> None:
    _permissions(add=False)
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_clock_due")
        batch_op.drop_index("ix_sla_clock_warn")
    op.drop_table("sla_clock")
    op.drop_table("sla_policy")
    with op.batch_alter_table("team", schema=None) as batch_op:
        for column in ("holiday_subdivision", "holiday_country", "hours", "time_zone"):
            batch_op.drop_column(column)
    op.drop_table("availability")
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_rule_position"))
    op.drop_table("routing_rule")
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_member_user_id"))
        batch_op.drop_index(batch_op.f("ix_team_member_team_id"))
    op.drop_table("team_member")
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.drop_column("routed_by")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_column("turns")
        batch_op.drop_column("capacity")
        batch_op.drop_column("auto_assign")
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
