"""enrichment (issue 12 §4): the API answer cache and each item's enrichment columns

`api_cache` keeps the outside APIs' JSON answers in PostgreSQL until they expire (lookups 30
days, searches 7, "nothing found" 1). `library_tracks` and `collection_files` get the same
columns: where their enrichment stands and what the music databases said, kept apart from what
tags, analysis and identification said.

Written beside migration 0010 (another branch): it revises 0009 here and is re-chained onto
0010 when the branches meet.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("library_tracks", "collection_files")
STATUSES = "enrichment_status IN ('pending', 'in_progress', 'completed', 'partial', 'failed')"


def _columns() -> list[sa.Column[object]]:
    text_array = postgresql.ARRAY(sa.Text())
    return [
        sa.Column(
            "enrichment_status", sa.String(length=16), server_default="pending", nullable=False
        ),
        sa.Column("sources_enriched", text_array, server_default="{}", nullable=False),
        sa.Column("last_attempt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrichment_retry_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("enrichment_error", sa.Text(), nullable=True),
        sa.Column("enriched_isrc", sa.String(length=12), nullable=True),
        sa.Column("enriched_mbid", sa.Text(), nullable=True),
        sa.Column("enriched_label", sa.Text(), nullable=True),
        sa.Column("enriched_catalogue_number", sa.Text(), nullable=True),
        sa.Column("enriched_release_date", sa.Text(), nullable=True),
        sa.Column("enriched_country", sa.Text(), nullable=True),
        sa.Column("enriched_genres", text_array, server_default="{}", nullable=False),
        sa.Column("enriched_styles", text_array, server_default="{}", nullable=False),
        sa.Column("discogs_release_id", sa.BigInteger(), nullable=True),
        sa.Column("deezer_id", sa.BigInteger(), nullable=True),
        sa.Column("deezer_bpm", sa.Float(), nullable=True),
        sa.Column("deezer_gain", sa.Float(), nullable=True),
        sa.Column("lastfm_tags", text_array, server_default="{}", nullable=False),
        sa.Column("lastfm_playcount", sa.BigInteger(), nullable=True),
        sa.Column("lastfm_listeners", sa.BigInteger(), nullable=True),
        sa.Column("spotify_id", sa.Text(), nullable=True),
        sa.Column("audio_features", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "api_cache",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_api_cache_expires_at", "api_cache", ["expires_at"])
    for table in TABLES:
        for column in _columns():
            op.add_column(table, column)
        op.create_check_constraint(f"{table}_enrichment_status", table, STATUSES)
        op.create_check_constraint(
            f"{table}_enrichment_retry_count", table, "enrichment_retry_count >= 0"
        )
        op.create_index(f"{table}_enrichment", table, ["enrichment_status", "last_attempt"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"{table}_enrichment", table_name=table)
        op.drop_constraint(f"{table}_enrichment_retry_count", table, type_="check")
        op.drop_constraint(f"{table}_enrichment_status", table, type_="check")
        for column in reversed(_columns()):
            op.drop_column(table, column.name)
    op.drop_index("ix_api_cache_expires_at", table_name="api_cache")
    op.drop_table("api_cache")
