"""collection files matched to library tracks, and want-list items linked to their file

`collection_matches` keeps, per collection file, the last matching decision (the same scorer and
rules as tracklist rows): matched (the file is linked), provisional (a review item "is this file
that track?"), unmatched or rejected, whether a person made it, the candidates and the tracks a
person said the file is not. `want_list.collection_file_id` names the file that moved an item
to in_library.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "collection_matches",
        sa.Column("collection_file_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("by_person", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("library_track_id", sa.BigInteger(), nullable=True),
        sa.Column("confidence", sa.Float(), server_default="0", nullable=False),
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
            "rejected_track_ids",
            postgresql.ARRAY(sa.BigInteger()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("facts_key", sa.String(length=32), nullable=True),
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
            "state IN ('matched', 'provisional', 'unmatched', 'rejected')",
            name="collection_matches_state",
        ),
        sa.CheckConstraint(
            "confidence >= 0 AND confidence <= 1", name="collection_matches_confidence"
        ),
        sa.ForeignKeyConstraint(
            ["collection_file_id"], ["collection_files.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["library_track_id"], ["library_tracks.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("collection_file_id"),
    )
    op.create_index(
        "ix_collection_matches_library_track_id", "collection_matches", ["library_track_id"]
    )
    op.create_index(
        "collection_matches_review",
        "collection_matches",
        ["updated_at", "collection_file_id"],
        postgresql_where=sa.text("state = 'provisional'"),
    )
    op.create_index("collection_matches_changed", "collection_matches", ["updated_at"])
    op.add_column("want_list", sa.Column("collection_file_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        "want_list_collection_file_id_fkey",
        "want_list",
        "collection_files",
        ["collection_file_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint("want_list_collection_file_id_fkey", "want_list", type_="foreignkey")
    op.drop_column("want_list", "collection_file_id")
    op.drop_index("collection_matches_changed", table_name="collection_matches")
    op.drop_index("collection_matches_review", table_name="collection_matches")
    op.drop_index("ix_collection_matches_library_track_id", table_name="collection_matches")
    op.drop_table("collection_matches")
