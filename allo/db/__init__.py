"""PostgreSQL schema and access (SQLAlchemy 2, asyncio, asyncpg)."""
