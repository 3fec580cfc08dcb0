"""the DJ library: library_tracks, discoveries and want_list (issue 11)

library_tracks are the recordings crateloop knows (one row per recording: dedupe_key);
discoveries say how each row of each tracklist version was identified; want_list holds each
user's wanted tracks. All three are new, so the downgrade drops them (and their indexes) whole.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 08:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "library_tracks",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("artists", sa.Text(), nullable=False),
        sa.Column(
            "primary_artists", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "featured_artists", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_base", sa.Text(), nullable=False),
        sa.Column("version_kind", sa.String(length=16), server_default="original", nullable=False),
        sa.Column("version_text", sa.Text(), server_default="", nullable=False),
        sa.Column("remixers", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("catalogue_number", sa.Text(), nullable=True),
        sa.Column("release_title", sa.Text(), nullable=True),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("genre", sa.Text(), nullable=True),
        sa.Column("duration", sa.Double(), nullable=True),
        sa.Column("bpm", sa.Double(), nullable=True),
        sa.Column("musical_key", sa.String(length=16), nullable=True),
        sa.Column("isrc", sa.String(length=12), nullable=True),
        sa.Column(
            "external_ids",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "musicbrainz_recording_id",
            sa.Text(),
            sa.Computed("external_ids ->> 'musicbrainz_recording'", persisted=True),
            nullable=True,
        ),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("artists_key", sa.Text(), nullable=False),
        sa.Column("title_key", sa.Text(), nullable=False),
        sa.Column(
            "first_discovered",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_seen", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("discovery_count", sa.Integer(), server_default="0", nullable=False),
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
        sa.CheckConstraint(
            "version_kind IN ('original', 'remix', 'edit', 'rework', 'bootleg', 'dub', 'vip', 'live', 'instrumental')",
            name="library_tracks_version_kind",
        ),
        sa.CheckConstraint("discovery_count >= 0", name="library_tracks_discovery_count"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index(op.f("ix_library_tracks_isrc"), "library_tracks", ["isrc"], unique=False)
    op.create_index(
        "library_tracks_by_last_seen",
        "library_tracks",
        [sa.literal_column("last_seen DESC"), "id"],
        unique=False,
    )
    op.create_index(
        "library_tracks_by_mixes",
        "library_tracks",
        [sa.literal_column("discovery_count DESC"), "id"],
        unique=False,
    )
    op.create_index("library_tracks_by_title", "library_tracks", ["title_key", "id"], unique=False)
    op.create_index(
        "library_tracks_first_discovered", "library_tracks", ["first_discovered"], unique=False
    )
    op.create_index(
        "library_tracks_musicbrainz",
        "library_tracks",
        ["musicbrainz_recording_id"],
        unique=True,
        postgresql_where="musicbrainz_recording_id IS NOT NULL",
    )
    op.create_table(
        "want_list",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("library_track_id", sa.BigInteger(), nullable=False),
        sa.Column("priority", sa.Integer(), server_default="3", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="wanted", nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("source_tracklist_id", sa.BigInteger(), nullable=True),
        sa.Column("source_version", sa.Integer(), nullable=True),
        sa.Column("source_position", sa.Integer(), nullable=True),
        sa.Column("source_cue_seconds", sa.Integer(), nullable=True),
        sa.Column(
            "purchase_links",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "status_changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('wanted', 'found', 'purchased', 'in_library', 'unavailable')",
            name="want_list_status",
        ),
        sa.CheckConstraint("priority BETWEEN 1 AND 5", name="want_list_priority"),
        sa.ForeignKeyConstraint(["library_track_id"], ["library_tracks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_tracklist_id"], ["tracklists.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_want_list_library_track_id"), "want_list", ["library_track_id"], unique=False
    )
    op.create_index(
        "want_list_by_added",
        "want_list",
        ["user_id", sa.literal_column("added_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index("want_list_by_status", "want_list", ["user_id", "status"], unique=False)
    op.create_index("want_list_track", "want_list", ["user_id", "library_track_id"], unique=True)
    op.create_table(
        "discoveries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tracklist_id", sa.BigInteger(), nullable=False),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("row_index", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("cue_seconds", sa.Integer(), nullable=True),
        sa.Column("row_text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Double(), server_default="0", nullable=False),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column(
            "differences",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "candidates",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column(
            "sources_asked",
            postgresql.ARRAY(sa.String(length=16)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("library_track_id", sa.BigInteger(), nullable=True),
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
        sa.CheckConstraint(
            "method IN ('library', 'musicbrainz', 'discogs', 'manual')", name="discoveries_method"
        ),
        sa.CheckConstraint(
            "state IN ('matched', 'provisional', 'unmatched', 'id', 'rejected')",
            name="discoveries_state",
        ),
        sa.CheckConstraint("confidence >= 0 AND confidence <= 1", name="discoveries_confidence"),
        sa.ForeignKeyConstraint(["library_track_id"], ["library_tracks.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tracklist_id"], ["tracklists.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["tracklist_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "discoveries_review",
        "discoveries",
        [sa.literal_column("version_id DESC"), "row_index"],
        unique=False,
        postgresql_where="state = 'provisional'",
    )
    op.create_index("discoveries_row", "discoveries", ["version_id", "row_index"], unique=True)
    op.create_index(
        op.f("ix_discoveries_library_track_id"), "discoveries", ["library_track_id"], unique=False
    )
    op.create_index(
        op.f("ix_discoveries_tracklist_id"), "discoveries", ["tracklist_id"], unique=False
    )


def downgrade() -> None:
    # Want-list items and discoveries point at library tracks: drop them first.
    op.drop_table("discoveries")
    op.drop_table("want_list")
    op.drop_table("library_tracks")
