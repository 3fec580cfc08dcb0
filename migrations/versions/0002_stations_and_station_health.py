"""stations and station health

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 01:29:14.125472
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("shortcode", sa.String(length=100), nullable=True),
        sa.Column("mount", sa.String(length=200), nullable=True),
        sa.Column("stream_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("api_key", sa.Text(), nullable=True),
        sa.Column("transport", sa.String(length=16), server_default="push", nullable=False),
        sa.Column("poll_interval", sa.Double(), server_default="10", nullable=False),
        sa.Column("webhook_secret", sa.String(length=100), nullable=True),
        sa.Column("live_loop", sa.Text(), nullable=True),
        sa.Column(
            "streamer_loops",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("offline_loop", sa.Text(), nullable=True),
        sa.Column("switch_offset", sa.Double(), server_default="0", nullable=False),
        sa.Column("state_dir", sa.Text(), nullable=True),
        sa.Column("write_text_file", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("symlink_path", sa.Text(), nullable=True),
        sa.Column("hook_command", sa.Text(), nullable=True),
        sa.Column("hook_timeout", sa.Double(), server_default="10", nullable=False),
        sa.Column("liquidsoap_url", sa.Text(), nullable=True),
        sa.Column("liquidsoap_mode", sa.String(length=8), server_default="var", nullable=False),
        sa.Column("liquidsoap_target", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('azuracast', 'icecast', 'shoutcast')", name="stations_kind"),
        sa.CheckConstraint("liquidsoap_mode IN ('var', 'queue')", name="stations_liquidsoap_mode"),
        sa.CheckConstraint("transport IN ('push', 'poll', 'webhook')", name="stations_transport"),
        sa.CheckConstraint("poll_interval >= 1", name="stations_poll_interval"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "station_health",
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "since", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_switch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("now_playing", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("station_id"),
    )
    op.add_column("plays", sa.Column("sh_id", sa.BigInteger(), nullable=True))
    op.add_column("plays", sa.Column("duration", sa.Double(), nullable=True))
    op.add_column("plays", sa.Column("station_id", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_plays_station_id"), "plays", ["station_id"], unique=False)
    op.create_index(
        "plays_station_sh_id",
        "plays",
        ["station", "sh_id"],
        unique=True,
        postgresql_where="sh_id IS NOT NULL",
    )
    op.create_index("plays_station_started", "plays", ["station", "started_at"], unique=False)
    op.create_foreign_key(
        "plays_station_id_fkey", "plays", "stations", ["station_id"], ["id"], ondelete="SET NULL"
    )


def downgrade() -> None:
    op.drop_constraint("plays_station_id_fkey", "plays", type_="foreignkey")
    op.drop_index("plays_station_started", table_name="plays")
    op.drop_index("plays_station_sh_id", table_name="plays", postgresql_where="sh_id IS NOT NULL")
    op.drop_index(op.f("ix_plays_station_id"), table_name="plays")
    op.drop_column("plays", "station_id")
    op.drop_column("plays", "duration")
    op.drop_column("plays", "sh_id")
    op.drop_table("station_health")
    op.drop_table("stations")
