"""reports: the audit trail's permission for the built-in roles

Revision ID: 20261204_reports
Revises: 20261204_ops
Create Date: 2026-12-04 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261204_reports"
down_revision: str | None = "20261204_ops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = sa.table("role", sa.column("id"), sa.column("name"), sa.column("permissions", sa.JSON),
                sa.column("builtin"))
# What this revision gives the built-in roles (server/permissions.py at this revision).
NEW_PERMISSIONS = {"admin": ["audit.view"], "supervisor": ["audit.view"]}


def upgrade() -> None:
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
