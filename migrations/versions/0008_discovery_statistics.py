"""discovery statistics and the library's words: origin, snapshots, indexes (issue 11)

`tracklists.origin` says how a tracklist's rows first came in (import, paste or hand), the
"sources" of the statistics; existing tracklists with a site id were imported, the others are
counted as hand-made (whether they were pasted was not recorded). `discovery_statistics` keeps
one computed snapshot per period. `discoveries_matched_at` serves every windowed count;
`discoveries_changed` and `library_tracks_changed` tell a reader whether its snapshot is stale.
`library_tracks.search_words` (GIN) lets identification's library stage find tracks by the row's
artist or with its title by index, where LIKE scanned every track.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORIGINS = "origin IN ('import', 'paste', 'hand')"
SEARCH_WORDS = "to_tsvector('simple', artists_key || ' ' || title_key)"


def upgrade() -> None:
    op.add_column(
        "tracklists",
        sa.Column("origin", sa.String(length=8), server_default="hand", nullable=False),
    )
    op.execute("UPDATE tracklists SET origin = 'import' WHERE source_id IS NOT NULL")
    op.create_check_constraint("tracklists_origin", "tracklists", ORIGINS)
    op.create_table(
        "discovery_statistics",
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("period"),
    )
    op.create_index(
        "discoveries_matched_at",
        "discoveries",
        ["created_at"],
        postgresql_include=["library_track_id", "tracklist_id"],
        postgresql_where=sa.text("state = 'matched' AND library_track_id IS NOT NULL"),
    )
    op.create_index("discoveries_changed", "discoveries", ["updated_at"])
    op.create_index("library_tracks_changed", "library_tracks", ["updated_at"])
    op.add_column(
        "library_tracks",
        sa.Column(
            "search_words",
            postgresql.TSVECTOR(),
            sa.Computed(SEARCH_WORDS, persisted=True),
            nullable=False,
        ),
    )
    op.create_index(
        "library_tracks_words", "library_tracks", ["search_words"], postgresql_using="gin"
    )


def downgrade() -> None:
    op.drop_index("library_tracks_words", table_name="library_tracks")
    op.drop_column("library_tracks", "search_words")
    op.drop_index("library_tracks_changed", table_name="library_tracks")
    op.drop_index("discoveries_changed", table_name="discoveries")
    op.drop_index("discoveries_matched_at", table_name="discoveries")
    op.drop_table("discovery_statistics")
    op.drop_constraint("tracklists_origin", "tracklists", type_="check")
    op.drop_column("tracklists", "origin")
