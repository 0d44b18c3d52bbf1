"""The store: the delivery log and the buyer controls' state (see api.py for the flow).

`Store` is the one interface; `MemoryStore` is its reference behaviour. The
SQLite and PostgreSQL backends live beside them.
"""

from pingpost.store.api import SCHEMA_VERSION, Store
from pingpost.store.errors import (
    BadStoreUrl,
    StoreError,
    StoreMissing,
    StoreTooNew,
    StoreTooOld,
    StoreUnavailable,
    UnknownAuction,
)
from pingpost.store.memory import MemoryStore

__all__ = [
    "SCHEMA_VERSION",
    "BadStoreUrl",
    "MemoryStore",
    "Store",
    "StoreError",
    "StoreMissing",
    "StoreTooNew",
    "StoreTooOld",
    "StoreUnavailable",
    "UnknownAuction",
]
