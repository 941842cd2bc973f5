"""four eyes: corrections confirmed by a second person, hand-over, service accounts, authors

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("service_account", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("message") as batch:
        # Replies sent before this revision credited their submitter only (author_user_id).
        batch.add_column(sa.Column("authors", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))
    with op.batch_alter_table("approval") as batch:
        batch.add_column(sa.Column("corrected_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("confirm_by", sqlmodel.sql.sqltypes.AutoString(length=16),
                                   nullable=True))
        batch.add_column(sa.Column("handed_to_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_approval_corrected_by_id_account", "account",
                                 ["corrected_by_id"], ["id"])
        batch.create_foreign_key("fk_approval_handed_to_id_account", "account",
                                 ["handed_to_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("approval") as batch:
        batch.drop_constraint("fk_approval_handed_to_id_account", type_="foreignkey")
        batch.drop_constraint("fk_approval_corrected_by_id_account", type_="foreignkey")
        batch.drop_column("handed_to_id")
        batch.drop_column("confirm_by")
        batch.drop_column("corrected_by_id")
    with op.batch_alter_table("message") as batch:
        batch.drop_column("authors")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("service_account")
