"""Text shown to people, in Vietnamese and English."""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = ["Language", "Text"]

Language = Literal["vi", "en"]


@attrs.frozen
class Text:
    """A title or message in Vietnamese (required: union staff read it) and English (falls back to Vietnamese)."""

    vi: str
    en: str | None = None

    def get(self, language: Language = "vi") -> str:
        """The text in ``language``; Vietnamese when no English is given."""
        if language == "en" and self.en is not None:
            return self.en
        return self.vi

    def __str__(self) -> str:
        return self.vi
