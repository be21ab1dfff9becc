"""Languages: every message hoinghe shows exists in Vietnamese and English, Vietnamese unless the caller chooses.

A message is a :class:`Text`: both languages side by side, rendered when it is shown, in the language in force at
that moment.  That language is, in order:

1. the one chosen in the current context, with :func:`use` (a ``with`` block) or :func:`set_language`;
2. the ``HOINGHE_LANG`` environment variable (``vi`` or ``en``; ``vi_VN.UTF-8`` and ``en-US`` are read too);
3. Vietnamese, since the union's staff read it.

The choice is a :class:`contextvars.ContextVar`, so threads and asyncio tasks of one process may each show their
own language.  Code that must not depend on it asks for a language by name: ``text.get("en")``.

    >>> from hoinghe.i18n import Text, use
    >>> gone = Text("không có hồ sơ 'c-1'", "no case 'c-1'")
    >>> with use("en"):
    ...     str(gone)
    "no case 'c-1'"
    >>> gone.get("vi")
    "không có hồ sơ 'c-1'"
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterable, Iterator
from typing import Literal

import attrs

__all__ = ["ENV", "LANGUAGES", "Language", "Text", "language", "parse_language", "set_language", "use"]

Language = Literal["vi", "en"]

#: The languages every message exists in; the first is the default.
LANGUAGES: tuple[Language, ...] = ("vi", "en")

#: The environment variable that sets the language of a process.
ENV = "HOINGHE_LANG"

_chosen: contextvars.ContextVar[Language | None] = contextvars.ContextVar("hoinghe_language", default=None)


def parse_language(value: str) -> Language:
    """``vi``, ``en``, or a locale name of either (``vi_VN.UTF-8``, ``en-US``); anything else is refused.

    Raises:
        ValueError: the value names neither language; the message says which are known.
    """
    head = value.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    for known in LANGUAGES:
        if head == known:
            return known
    raise ValueError(
        Text(
            f"ngôn ngữ không hỗ trợ {value!r}; chọn 'vi' (tiếng Việt) hoặc 'en' (tiếng Anh)",
            f"unsupported language {value!r}; choose 'vi' (Vietnamese) or 'en' (English)",
        )
    )


def language() -> Language:
    """The language messages are shown in now: the context's choice, else ``HOINGHE_LANG``, else Vietnamese."""
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    from_env = os.environ.get(ENV, "").strip()
    if from_env:
        try:
            return parse_language(from_env)
        except ValueError:
            return LANGUAGES[0]  # a mistyped variable must not make every message an error
    return LANGUAGES[0]


def set_language(value: Language | str | None) -> contextvars.Token[Language | None]:
    """Choose the language of the current context (``None`` goes back to ``HOINGHE_LANG`` or Vietnamese).

    Returns the token to undo it with ``hoinghe.i18n._chosen.reset``; :func:`use` does both.
    """
    return _chosen.set(None if value is None else parse_language(value))


@contextlib.contextmanager
def use(value: Language | str | None) -> Iterator[Language]:
    """Show messages in ``value`` inside the ``with`` block; the previous choice comes back after it."""
    token = set_language(value)
    try:
        yield language()
    finally:
        _chosen.reset(token)


@attrs.frozen
class Text:
    """A title or message in Vietnamese and English, shown in the language in force when it is rendered.

    Vietnamese is required, since union staff read it; a definition's title may leave English out, and then
    falls back to Vietnamese.  hoinghe's own messages always give both (a test of the message catalog checks it).
    ``str(text)`` renders it in :func:`language`.
    """

    vi: str
    en: str | None = None

    @classmethod
    def same(cls, text: str) -> Text:
        """Text that reads the same in both languages: an identifier, a number, a file name."""
        return cls(text, text)

    def get(self, language: Language | None = None) -> str:
        """The text in ``language`` (the one in force when not given); Vietnamese when no English is given."""
        lang = _current() if language is None else language
        if lang == "en" and self.en is not None:
            return self.en
        return self.vi

    def __str__(self) -> str:
        return self.get()

    def __add__(self, other: Text | str) -> Text:
        right = other if isinstance(other, Text) else Text.same(other)
        return Text(self.vi + right.vi, self.get("en") + right.get("en"))

    def __radd__(self, other: str) -> Text:
        return Text.same(other) + self

    def format(self, **values: object) -> Text:
        """Fill ``{holes}`` in both languages; a value that is a :class:`Text` is filled in the matching one."""

        def fill(template: str, lang: Language) -> str:
            shown = {k: v.get(lang) if isinstance(v, Text) else v for k, v in values.items()}
            return template.format(**shown)

        return Text(fill(self.vi, "vi"), fill(self.get("en"), "en"))

    @classmethod
    def join(cls, separator: Text | str, parts: Iterable[Text | str]) -> Text:
        """The parts joined by ``separator``, language by language."""
        sep = separator if isinstance(separator, Text) else Text.same(separator)
        items = [p if isinstance(p, Text) else Text.same(p) for p in parts]
        return cls(sep.vi.join(p.vi for p in items), sep.get("en").join(p.get("en") for p in items))

    def to_json(self) -> dict[str, str]:
        """Both languages, for ``--json`` output and stored records."""
        return {"vi": self.vi, "en": self.get("en")}


_current = language
