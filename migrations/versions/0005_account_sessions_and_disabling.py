"""accounts: a session generation (a password change ends the other sessions), enabled, and a
one-time password reset link

Every existing account starts at generation 0, which is also what a session stored before this
migration is read as: nobody is logged out by the upgrade. Every existing account stays enabled.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "users", sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False)
    )
    op.add_column("users", sa.Column("password_reset_hash", sa.String(length=64), nullable=True))
    op.add_column(
        "users", sa.Column("password_reset_until", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("users", "password_reset_until")
    op.drop_column("users", "password_reset_hash")
    op.drop_column("users", "enabled")
    op.drop_column("users", "session_generation")
