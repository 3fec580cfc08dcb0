"""Database engine and sessions (SQLAlchemy 2, async, psycopg 3)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from domain.config import Settings


def create_engine(settings: Settings, *, pool_size: int = 5) -> AsyncEngine:
    """One engine per process; `pool_pre_ping` so a restarted database is reconnected to."""
    return create_async_engine(
        settings.database_url,
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
