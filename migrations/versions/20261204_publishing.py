"""listening and publishing: listening rules, their matches and hits, the listeners'
leases, scheduled posts and the threads of their comments, and the permissions for them

Revision ID: 20261204_publishing
Revises: 0005
Create Date: 2026-12-04 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "20261204_publishing"
down_revision: str | None = "20261204_warroom"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString
ROLE = sa.table("role", sa.column("id"), sa.column("name"), sa.column("permissions", sa.JSON),
                sa.column("builtin"))
# What this revision gives the built-in roles (server/permissions.py at this revision).
NEW_PERMISSIONS = {
    "admin": ["listening.manage"],
    "supervisor": ["listening.manage"],
    "marketing agent": ["listening.manage"],
}


def upgrade() -> None:
    op.create_table(
        "listening_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand", TEXT(length=80), nullable=False),
        sa.Column("name", TEXT(length=120), nullable=False),
        sa.Column("any_terms", sa.JSON(), nullable=False),
        sa.Column("all_terms", sa.JSON(), nullable=False),
        sa.Column("none_terms", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("networks", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "listening_match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("network", TEXT(length=32), nullable=False),
        sa.Column("external_id", TEXT(length=255), nullable=False),
        sa.Column("author_id", TEXT(length=255), nullable=False),
        sa.Column("author_name", TEXT(length=200), nullable=False),
        sa.Column("author_handle", TEXT(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", TEXT(length=500), nullable=True),
        sa.Column("posted_at", WHEN(), nullable=True),
        sa.Column("language", TEXT(length=8), nullable=True),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("sentiment_label", TEXT(length=8), nullable=False),
        sa.Column("item", sa.JSON(), nullable=False),
        sa.Column("rule_ids", sa.JSON(), nullable=False),
        sa.Column("matched_at", WHEN(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"]),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "external_id"),
    )
    op.create_index("ix_listening_match_at", "listening_match", ["matched_at"])
    op.create_table(
        "listening_hit",
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("matched_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(["match_id"], ["listening_match.id"]),
        sa.ForeignKeyConstraint(["rule_id"], ["listening_rule.id"]),
        sa.PrimaryKeyConstraint("rule_id", "match_id"),
    )
    op.create_index("ix_listening_hit_rule_at", "listening_hit", ["rule_id", "matched_at"])
    op.create_table(
        "listening_watch",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("holder", TEXT(length=80), nullable=True),
        sa.Column("lease_until", WHEN(), nullable=True),
        sa.Column("cursor", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("state", TEXT(length=16), nullable=False),
        sa.Column("error", TEXT(length=500), nullable=True),
        sa.Column("retry_at", WHEN(), nullable=True),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"]),
        sa.PrimaryKeyConstraint("channel_id"),
    )
    op.create_table(
        "scheduled_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("campaign", TEXT(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("publish_at", WHEN(), nullable=False),
        sa.Column("time_zone", TEXT(length=64), nullable=False),
        sa.Column("status", TEXT(length=16), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("comment", TEXT(length=500), nullable=True),
        sa.Column("idempotency_key", TEXT(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("holder", TEXT(length=80), nullable=True),
        sa.Column("lease_until", WHEN(), nullable=True),
        sa.Column("retry_at", WHEN(), nullable=True),
        sa.Column("external_id", TEXT(length=255), nullable=True),
        sa.Column("url", TEXT(length=500), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("error", TEXT(length=500), nullable=True),
        sa.Column("published_at", WHEN(), nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(["approved_by_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_scheduled_post_due", "scheduled_post", ["status", "publish_at"])
    op.create_index("ix_scheduled_post_external_id", "scheduled_post", ["external_id"])
    op.create_table(
        "post_thread",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["scheduled_post.id"]),
        sa.ForeignKeyConstraint(["thread_id"], ["thread.id"]),
        sa.PrimaryKeyConstraint("post_id", "thread_id"),
    )
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
    op.drop_table("post_thread")
    op.drop_index("ix_scheduled_post_external_id", table_name="scheduled_post")
    op.drop_index("ix_scheduled_post_due", table_name="scheduled_post")
    op.drop_table("scheduled_post")
    op.drop_table("listening_watch")
    op.drop_index("ix_listening_hit_rule_at", table_name="listening_hit")
    op.drop_table("listening_hit")
    op.drop_index("ix_listening_match_at", table_name="listening_match")
    op.drop_table("listening_match")
    op.drop_table("listening_rule")
