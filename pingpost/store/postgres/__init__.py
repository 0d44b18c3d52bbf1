"""The PostgreSQL backend: one store shared by several machines (see store.py)."""

from pingpost.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
