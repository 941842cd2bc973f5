"""Alembic migrations: `tandem migrate` (or server.migrate.upgrade) applies them."""
