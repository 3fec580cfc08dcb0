"""the DJ's music collection: one row per audio file under MUSIC_PATH (issue 12 §1)

`collection_files` keeps each file's place (root, path), its identity across renames
(`content_hash`), its reading status, tags, audio properties, cover thumbnail, the analysis
columns the key and tempo step fills later, and a weighted full-text vector over text folded in
Python (the embedded PostgreSQL has no unaccent).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# domain.search.weighted_vector("search_a", "search_b", "search_c"), as of this revision.
SEARCH = (
    "setweight(to_tsvector('simple', coalesce(search_a, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(search_b, '')), 'B')"
    " || setweight(to_tsvector('simple', coalesce(search_c, '')), 'C')"
)


def upgrade() -> None:
    op.create_table(
        "collection_files",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.Float(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("retry_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("missing", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("missing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("artist", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("album", sa.Text(), nullable=True),
        sa.Column("album_artist", sa.Text(), nullable=True),
        sa.Column("genre", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("catalogue_number", sa.Text(), nullable=True),
        sa.Column("isrc", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("tag_bpm", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("tag_key", sa.Text(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("sample_rate", sa.Integer(), nullable=True),
        sa.Column("bitrate", sa.Integer(), nullable=True),
        sa.Column("format", sa.String(length=8), nullable=True),
        sa.Column("cover", sa.LargeBinary(), nullable=True),
        sa.Column("musical_key", sa.Text(), nullable=True),
        sa.Column("camelot", sa.String(length=3), nullable=True),
        sa.Column("open_key", sa.String(length=3), nullable=True),
        sa.Column("key_strength", sa.REAL(), nullable=True),
        sa.Column("bpm", sa.Numeric(precision=6, scale=1), nullable=True),
        sa.Column("bpm_confidence", sa.REAL(), nullable=True),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("analysis_error", sa.Text(), nullable=True),
        sa.Column("library_track_id", sa.BigInteger(), nullable=True),
        sa.Column("search_a", sa.Text(), server_default="", nullable=False),
        sa.Column("search_b", sa.Text(), server_default="", nullable=False),
        sa.Column("search_c", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "search", postgresql.TSVECTOR(), sa.Computed(SEARCH, persisted=True), nullable=False
        ),
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
        sa.Column(
            "scanned_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "format IS NULL OR format IN ('mp3', 'flac', 'aiff', 'wav', 'm4a')",
            name="collection_files_format",
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'completed', 'failed')",
            name="collection_files_status",
        ),
        sa.CheckConstraint("retry_count >= 0", name="collection_files_retry_count"),
        sa.ForeignKeyConstraint(["library_track_id"], ["library_tracks.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "collection_files_by_added",
        "collection_files",
        [sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "collection_files_by_artist", "collection_files", ["artist", "title", "id"], unique=False
    )
    op.create_index("collection_files_by_title", "collection_files", ["title", "id"], unique=False)
    op.create_index("collection_files_file", "collection_files", ["root", "path"], unique=True)
    op.create_index(
        "collection_files_search",
        "collection_files",
        ["search"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index("collection_files_status", "collection_files", ["status"], unique=False)
    op.create_index(
        op.f("ix_collection_files_content_hash"), "collection_files", ["content_hash"], unique=False
    )
    op.create_index(
        op.f("ix_collection_files_library_track_id"),
        "collection_files",
        ["library_track_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_collection_files_library_track_id"), table_name="collection_files")
    op.drop_index(op.f("ix_collection_files_content_hash"), table_name="collection_files")
    op.drop_index("collection_files_status", table_name="collection_files")
    op.drop_index("collection_files_search", table_name="collection_files", postgresql_using="gin")
    op.drop_index("collection_files_file", table_name="collection_files")
    op.drop_index("collection_files_by_title", table_name="collection_files")
    op.drop_index("collection_files_by_artist", table_name="collection_files")
    op.drop_index("collection_files_by_added", table_name="collection_files")
    op.drop_table("collection_files")
