"""The package as griffe reads it from ``src/`` (statically: no optional dependency is imported), read once."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import griffe

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = "hoinghe"


@functools.cache
def package() -> griffe.Module:
    """The ``hoinghe`` package, every module loaded, docstrings parsed as Google style."""
    loaded = griffe.load(
        PACKAGE, search_paths=[str(SRC)], docstring_parser=griffe.Parser.google, resolve_aliases=False
    )
    assert isinstance(loaded, griffe.Module)  # noqa: S101 - a package name loads a module
    return loaded


def is_private(path: str) -> bool:
    """A dotted path with a ``_private`` part (``__init__``-style names count as public)."""
    return any(part.startswith("_") and not part.startswith("__") for part in path.split("."))


def is_package(module: griffe.Module) -> bool:
    """A module that is a folder with an ``__init__.py``."""
    return isinstance(module.filepath, Path) and module.filepath.name == "__init__.py"


def modules(root: griffe.Module | None = None) -> Iterator[griffe.Module]:
    """Every module under ``root`` (the package when not given), parents first, siblings by name."""
    root = root or package()
    yield root
    for name in sorted(root.modules):
        if name == "__main__":
            continue
        yield from modules(root.modules[name])


def summary(obj: griffe.Object) -> str:
    """The summary of an object's docstring: its first paragraph on one line (empty when it has none)."""
    if obj.docstring is None:
        return ""
    paragraph = obj.docstring.value.strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split())
