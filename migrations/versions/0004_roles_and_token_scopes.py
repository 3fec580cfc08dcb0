"""roles for accounts, scopes for API tokens

Existing admins become admin; every other account becomes operator + dj, which is what a plain
account could do before roles. Existing tokens become `write`: they drove every route before, and
an integration should not break on upgrade (their owners' roles now cap them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column(
            "roles", postgresql.ARRAY(sa.String(length=16)), server_default="{}", nullable=False
        ),
    )
    op.execute(
        "UPDATE users SET roles = CASE WHEN is_admin THEN ARRAY['admin']"
        " ELSE ARRAY['operator', 'dj'] END::varchar[]"
    )
    op.create_check_constraint(
        "users_roles_known", "users", "roles <@ ARRAY['admin', 'operator', 'dj']::varchar[]"
    )
    op.drop_column("users", "is_admin")
    op.add_column(
        "api_tokens",
        sa.Column("scope", sa.String(length=8), server_default="write", nullable=False),
    )
    op.alter_column("api_tokens", "scope", server_default="read")
    op.create_check_constraint("api_tokens_scope_known", "api_tokens", "scope IN ('read', 'write')")


def downgrade() -> None:
    op.drop_constraint("api_tokens_scope_known", "api_tokens", type_="check")
    op.drop_column("api_tokens", "scope")
    op.add_column(
        "users",
        sa.Column("is_admin", sa.Boolean(), server_default="false", nullable=False),
    )
    op.execute("UPDATE users SET is_admin = 'admin' = ANY(roles)")
    op.drop_constraint("users_roles_known", "users", type_="check")
    op.drop_column("users", "roles")
