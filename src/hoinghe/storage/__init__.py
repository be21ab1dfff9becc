"""Storage: the :class:`Store` port and its reference implementation, :class:`MemoryStore`."""

from hoinghe.storage.base import OrgReader, Store
from hoinghe.storage.memory import MemoryStore

__all__ = ["MemoryStore", "OrgReader", "Store"]
