"""Alembic migrations of the store's schema (applied on start by `playground.schema.migrate`)."""
