"""The SQLite backend: the embedded default store (see store.py)."""

from pingpost.store.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
