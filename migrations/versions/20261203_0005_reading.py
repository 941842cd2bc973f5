"""the reading of inbound messages: language and sentiment

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Messages stored before this revision keep no reading (NULL): the card shows none.
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))
        batch_op.add_column(sa.Column("sentiment_score", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("sentiment_label", sqlmodel.sql.sqltypes.AutoString(length=8),
                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("sentiment_label")
        batch_op.drop_column("sentiment_score")
        batch_op.drop_column("language")
