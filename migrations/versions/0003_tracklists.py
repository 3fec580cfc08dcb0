"""tracklists: versions, drafts, DJs, sources, import jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 03:24:36.591777
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "djs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("djs_name", "djs", ["name"], unique=True, postgresql_where="url IS NULL")
    op.create_index("djs_url", "djs", ["url"], unique=True, postgresql_where="url IS NOT NULL")
    op.create_table(
        "sources",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "sources_name", "sources", ["name"], unique=True, postgresql_where="url IS NULL"
    )
    op.create_index(
        "sources_url", "sources", ["url"], unique=True, postgresql_where="url IS NOT NULL"
    )
    op.create_table(
        "tracklists",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("set_date", sa.Date(), nullable=True),
        sa.Column("genres", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("claimed_track_count", sa.Integer(), nullable=True),
        sa.Column("current_version", sa.Integer(), nullable=True),
        sa.Column("search_names", sa.Text(), server_default="", nullable=False),
        sa.Column("checked_sha256", sa.String(length=64), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                "to_tsvector('simple', translate(title || ' ' || search_names, '/._-<>()[]{}&+:;,!?#@=~|*%$^', '                            '))",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "tracklists_by_date",
        "tracklists",
        [sa.literal_column("set_date DESC NULLS LAST"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "tracklists_search", "tracklists", ["search_vector"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        "tracklists_source_id",
        "tracklists",
        ["source_id"],
        unique=True,
        postgresql_where="source_id IS NOT NULL",
    )
    op.create_table(
        "tracklist_djs",
        sa.Column("tracklist_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("dj_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["dj_id"], ["djs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tracklist_id"], ["tracklists.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tracklist_id", "position"),
    )
    op.create_index(op.f("ix_tracklist_djs_dj_id"), "tracklist_djs", ["dj_id"], unique=False)
    op.create_table(
        "tracklist_drafts",
        sa.Column("tracklist_id", sa.BigInteger(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("djs", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("set_date", sa.Date(), nullable=True),
        sa.Column("genres", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("claimed_track_count", sa.Integer(), nullable=True),
        sa.Column(
            "links", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
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
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tracklist_id"], ["tracklists.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tracklist_id"),
    )
    op.create_table(
        "tracklist_imports",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.Column("force", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("tracklist_id", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("changed", sa.Boolean(), nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
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
            "status IN ('queued', 'fetching', 'parsed', 'stored', 'blocked', 'failed')",
            name="tracklist_imports_status",
        ),
        sa.ForeignKeyConstraint(["tracklist_id"], ["tracklists.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tracklist_sources",
        sa.Column("tracklist_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tracklist_id"], ["tracklists.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tracklist_id", "position"),
    )
    op.create_index(
        op.f("ix_tracklist_sources_source_id"), "tracklist_sources", ["source_id"], unique=False
    )
    op.create_table(
        "tracklist_versions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tracklist_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("html_sha256", sa.String(length=64), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("djs", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("set_date", sa.Date(), nullable=True),
        sa.Column("genres", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("claimed_track_count", sa.Integer(), nullable=True),
        sa.Column(
            "links", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.CheckConstraint("origin IN ('import', 'draft')", name="tracklist_versions_origin"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tracklist_id"], ["tracklists.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "tracklist_versions_number", "tracklist_versions", ["tracklist_id", "number"], unique=True
    )
    op.create_table(
        "tracklist_draft_rows",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tracklist_id", sa.BigInteger(), nullable=False),
        sa.Column("row_index", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("with_previous", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("cue_seconds", sa.Integer(), nullable=True),
        sa.Column("artist", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("remix", sa.Text(), nullable=True),
        sa.Column("edit_note", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("is_id", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("mashup", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tracklist_id"], ["tracklist_drafts.tracklist_id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "tracklist_draft_rows_row",
        "tracklist_draft_rows",
        ["tracklist_id", "row_index"],
        unique=False,
    )
    op.create_table(
        "tracklist_tracks",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("row_index", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("with_previous", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("cue_seconds", sa.Integer(), nullable=True),
        sa.Column("artist", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("remix", sa.Text(), nullable=True),
        sa.Column("edit_note", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("is_id", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("mashup", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["version_id"], ["tracklist_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "tracklist_tracks_row", "tracklist_tracks", ["version_id", "row_index"], unique=True
    )


def downgrade() -> None:
    op.drop_index("tracklist_tracks_row", table_name="tracklist_tracks")
    op.drop_table("tracklist_tracks")
    op.drop_index("tracklist_draft_rows_row", table_name="tracklist_draft_rows")
    op.drop_table("tracklist_draft_rows")
    op.drop_index("tracklist_versions_number", table_name="tracklist_versions")
    op.drop_table("tracklist_versions")
    op.drop_index(op.f("ix_tracklist_sources_source_id"), table_name="tracklist_sources")
    op.drop_table("tracklist_sources")
    op.drop_table("tracklist_imports")
    op.drop_table("tracklist_drafts")
    op.drop_index(op.f("ix_tracklist_djs_dj_id"), table_name="tracklist_djs")
    op.drop_table("tracklist_djs")
    op.drop_index(
        "tracklists_source_id", table_name="tracklists", postgresql_where="source_id IS NOT NULL"
    )
    op.drop_index("tracklists_search", table_name="tracklists", postgresql_using="gin")
    op.drop_index("tracklists_by_date", table_name="tracklists")
    op.drop_table("tracklists")
    op.drop_index("sources_url", table_name="sources", postgresql_where="url IS NOT NULL")
    op.drop_index("sources_name", table_name="sources", postgresql_where="url IS NULL")
    op.drop_table("sources")
    op.drop_index("djs_url", table_name="djs", postgresql_where="url IS NOT NULL")
    op.drop_index("djs_name", table_name="djs", postgresql_where="url IS NULL")
    op.drop_table("djs")
