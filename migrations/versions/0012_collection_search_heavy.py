"""the collection's title-and-artist words on their own (issue 12 §1: search speed)

`collection_files.search_heavy` is the A part of `search` (title and artist) as its own stored
vector with its own GIN index. A search takes its candidates from there first, so a broad word
finds its title and artist matches by index before any others, and the planner judges that part
by its own statistics (a weight-restricted query on `search` is estimated as if every field
counted: a word common in labels made it scan the whole table for the few titles holding it).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# domain.search.heavy_vector("search_a"), as of this revision.
SEARCH_HEAVY = "to_tsvector('simple', coalesce(search_a, ''))"


def upgrade() -> None:
    op.add_column(
        "collection_files",
        sa.Column(
            "search_heavy",
            postgresql.TSVECTOR(),
            sa.Computed(SEARCH_HEAVY, persisted=True),
            nullable=False,
        ),
    )
    op.create_index(
        "collection_files_search_heavy",
        "collection_files",
        ["search_heavy"],
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_index("collection_files_search_heavy", table_name="collection_files")
    op.drop_column("collection_files", "search_heavy")
