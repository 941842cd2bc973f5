"""the board: saved views

Revision ID: 20261204_board
Revises: 0005
Create Date: 2026-12-04 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "20261204_board"
down_revision: str | None = "20261204_publishing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("board_view", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_board_view_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_board_view_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("board_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_view_team_id"))
        batch_op.drop_index(batch_op.f("ix_board_view_owner_id"))
    op.drop_table("board_view")
