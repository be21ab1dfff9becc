"""Small pieces of Markdown the generators share."""

from __future__ import annotations

import re
from collections.abc import Sequence

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const):`~?([^`]+)`")


def cell(text: str) -> str:
    """Text for a table cell: on one line, with its pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def prose(text: str) -> str:
    """reStructuredText roles (``:data:`MEASURES```) as code, the rest as it is."""
    return _ROLE.sub(lambda m: f"`{m[1].rsplit('.', 1)[-1] if '.' in m[1] else m[1]}`", text)


def plain(text: str) -> str:
    """Plain text (a command's help) safe in Markdown: angle brackets are not read as HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(value: object) -> str:
    """A value as inline code, with backticks inside it handled."""
    text = str(value)
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def emphasis(text: str) -> str:
    """Text in italics, with the characters Markdown would read as markup escaped."""
    escaped = text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")
    return f"*{escaped}*"


def table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """A Markdown table's lines."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out
