"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 00:56:04.692560
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "default_config",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "plays",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("station", sa.String(length=100), nullable=False),
        sa.Column("artist", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("track_key", sa.String(length=512), nullable=True),
        sa.Column("song_id", sa.String(length=32), nullable=True),
        sa.Column("loop_path", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "reason IN ('mapped', 'song_id', 'default', 'live', 'offline')", name="plays_reason"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_plays_started_at"), "plays", ["started_at"], unique=False)
    op.create_index("plays_reason_key", "plays", ["reason", "track_key"], unique=False)
    op.create_table(
        "track_mappings",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("track_key", sa.String(length=512), nullable=False),
        sa.Column("artist", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("azuracast_song_id", sa.String(length=32), nullable=False),
        sa.Column("loop_file_path", sa.Text(), nullable=False),
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
        sa.Column("play_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_played_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("loop_status", sa.String(length=16), nullable=True),
        sa.Column("loop_status_reason", sa.Text(), nullable=True),
        sa.Column("loop_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("loop_codec", sa.String(length=32), nullable=True),
        sa.Column("loop_width", sa.Integer(), nullable=True),
        sa.Column("loop_height", sa.Integer(), nullable=True),
        sa.Column("loop_duration", sa.Double(), nullable=True),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=True),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                "to_tsvector('simple', translate(track_key || ' ' || loop_file_path, '/._-<>()[]{}&+:;,!?#@=~|*%$^', '                            '))",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "loop_status IN ('ok', 'missing', 'invalid')", name="track_mappings_loop_status"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("track_key"),
    )
    op.create_index(
        op.f("ix_track_mappings_azuracast_song_id"),
        "track_mappings",
        ["azuracast_song_id"],
        unique=False,
    )
    op.create_index(
        "track_mappings_by_plays",
        "track_mappings",
        [sa.literal_column("play_count DESC"), "id"],
        unique=False,
    )
    op.create_index(
        "track_mappings_search",
        "track_mappings",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_index("track_mappings_search", table_name="track_mappings", postgresql_using="gin")
    op.drop_index("track_mappings_by_plays", table_name="track_mappings")
    op.drop_index(op.f("ix_track_mappings_azuracast_song_id"), table_name="track_mappings")
    op.drop_table("track_mappings")
    op.drop_index("plays_reason_key", table_name="plays")
    op.drop_index(op.f("ix_plays_started_at"), table_name="plays")
    op.drop_table("plays")
    op.drop_table("default_config")
