"""users' own time zone, and plays pinned by hand (reason 'manual')

A user without a zone reads times in DISPLAY_TIMEZONE, so nothing changes for existing accounts.
A loop an operator pins with "Switch now" is recorded with reason 'manual'.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASONS = "'mapped', 'song_id', 'default', 'live', 'offline'"


def upgrade() -> None:
    op.add_column("users", sa.Column("time_zone", sa.String(length=64), nullable=True))
    op.drop_constraint("plays_reason", "plays", type_="check")
    op.create_check_constraint("plays_reason", "plays", f"reason IN ({REASONS}, 'manual')")


def downgrade() -> None:
    # A pinned play becomes a default-loop play: the loop was not the track's mapping either.
    op.execute("UPDATE plays SET reason = 'default' WHERE reason = 'manual'")
    op.drop_constraint("plays_reason", "plays", type_="check")
    op.create_check_constraint("plays_reason", "plays", f"reason IN ({REASONS})")
    op.drop_column("users", "time_zone")
