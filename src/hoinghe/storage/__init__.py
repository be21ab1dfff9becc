"""Storage: the :class:`Store` port, the reference :class:`MemoryStore` and the :class:`SqlStore`."""

from hoinghe.storage.base import OrgReader, Store
from hoinghe.storage.memory import MemoryStore
from hoinghe.storage.sql import DEFAULT_URL, SqlStore, open_store

__all__ = ["DEFAULT_URL", "MemoryStore", "OrgReader", "SqlStore", "Store", "open_store"]
