"""Text shown to people, in Vietnamese and English (defined in :mod:`hoinghe.i18n`, re-exported here)."""

from __future__ import annotations

from hoinghe.i18n import Language, Text

__all__ = ["Language", "Text"]
