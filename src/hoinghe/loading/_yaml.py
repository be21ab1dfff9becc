"""A hardened YAML reader that keeps every node's position.

Built on libyaml's C parser (PyYAML's pure-Python one where libyaml is missing), it reads the *event* stream and
composes plain Python values itself, without recursion, so that it can refuse what hoinghe's documents never need
and what attacks use:

* anchors and aliases (the "billion laughs" bomb) are refused at the first anchor;
* any tag other than ``!!str`` is refused, so ``!!python/object`` and friends never reach a constructor;
* nesting depth, node count and file size are capped;
* a duplicate key is an error naming both lines;
* plain scalars resolve as in YAML 1.2's core schema, narrowed: ``yes``/``no``/``on``/``off``, ``010``, ``1e3``
  and dates stay text; ``1.10`` becomes a number, which the converter then refuses where a name is expected, with "quote it".

The result is the value and a :class:`SourceMap` from ``$.path`` to line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import attrs
import yaml

from hoinghe.errors import Diagnostic, SourceLocation, format_path
from hoinghe.i18n import Text

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "Parsed", "SourceMap", "YamlLimits", "parse_yaml"]

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 200_000

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"
_ALLOWED_COLLECTION_TAGS = (None, "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")

_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
# A float needs a dot, as in YAML 1.1 (and in what PyYAML writes): `1e3` stays text, `1.5e3` is a number.
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")

# The problems and contexts libyaml (and PyYAML) name in a syntax error, in Vietnamese; a phrase not listed here
# is shown as the parser wrote it.
_PHRASES_VI = {
    "found character that cannot start any token": "gặp ký tự không thể mở đầu một phần tử",
    "found unexpected end of stream": "tệp kết thúc khi chưa đọc xong",
    "found unexpected document indicator": "gặp dấu hiệu tài liệu (--- hoặc ...) không đúng chỗ",
    "mapping values are not allowed in this context": "không được đặt giá trị của khóa (dấu ':') ở đây",
    "mapping values are not allowed here": "không được đặt giá trị của khóa (dấu ':') ở đây",
    "could not find expected ':'": "không tìm thấy dấu ':' cần có",
    "found a tab character that violates indentation": "gặp ký tự tab làm sai thụt lề",
    "found a tab character where an indentation space is expected": "gặp ký tự tab ở chỗ cần dấu cách thụt lề",
    "did not find expected alphabetic or numeric character": "không tìm thấy chữ cái hoặc chữ số cần có",
    "did not find expected comment or line break": "không tìm thấy chú thích hoặc dấu xuống dòng cần có",
    "block sequence entries are not allowed in this context": "không được đặt mục danh sách (-) ở đây",
    "found unknown escape character": "gặp ký tự thoát không hợp lệ",
    "did not find expected <document start>": "không tìm thấy phần mở đầu tài liệu cần có",
    "did not find expected node content": "không tìm thấy giá trị cần có",
    "did not find expected '-' indicator": "không tìm thấy dấu '-' cần có",
    "did not find expected key": "không tìm thấy khóa cần có",
    "did not find expected ',' or ']'": "không tìm thấy dấu ',' hoặc ']' cần có",
    "did not find expected ',' or '}'": "không tìm thấy dấu ',' hoặc '}' cần có",
    "while scanning a simple key": "khi đọc một khóa",
    "while scanning for the next token": "khi đọc phần tử tiếp theo",
    "while scanning a quoted scalar": "khi đọc một chuỗi trong dấu nháy",
    "while scanning a block scalar": "khi đọc một chuỗi nhiều dòng",
    "while scanning a plain scalar": "khi đọc một giá trị",
    "while scanning an alias": "khi đọc một bí danh (*)",
    "while scanning an anchor": "khi đọc một neo (&)",
    "while scanning a tag": "khi đọc một thẻ (tag)",
    "while scanning a directive": "khi đọc một chỉ thị (%)",
    "while parsing a block collection": "khi đọc một danh sách",
    "while parsing a block mapping": "khi đọc các khóa của một mục",
    "while parsing a flow sequence": "khi đọc một danh sách trong ngoặc vuông",
    "while parsing a flow mapping": "khi đọc một mục trong ngoặc nhọn",
    "while parsing a block node": "khi đọc một giá trị",
    "while parsing a flow node": "khi đọc một giá trị",
}


@attrs.frozen
class YamlLimits:
    """Caps applied while reading; the defaults suit every document hoinghe defines."""

    max_bytes: int = MAX_FILE_BYTES
    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES


@attrs.define
class SourceMap:
    """Line and column of every value (and of every mapping key) in one document, by ``$.path``."""

    file: str
    values: dict[str, tuple[int, int]] = attrs.field(factory=dict)
    keys: dict[str, tuple[int, int]] = attrs.field(factory=dict)
    plain: dict[str, str] = attrs.field(
        factory=dict
    )  # original text of plain scalars that resolved to non-text
    styles: dict[str, str] = attrs.field(factory=dict)  # quoting of scalars that are not plain: ' " | >

    def locate(self, path: str, *, key: bool = False) -> SourceLocation | None:
        """Where ``path`` is; the nearest enclosing node when the path goes deeper than the document."""
        table = self.keys if key else self.values
        probe = path
        while True:
            # A one-item shorthand (`by: {role: x}` for `by: [{role: x}]`) has no `[0]` in the document.
            for candidate in (probe, probe.replace("[0]", "")):
                if candidate in table:
                    line, col = table[candidate]
                    return SourceLocation(self.file, line, col)
            if key:  # fall back to the value positions of enclosing nodes
                table, key = self.values, False
                continue
            cut = max(probe.rfind("."), probe.rfind("["))
            if cut <= 0:
                return SourceLocation(self.file, 1, 1) if probe != "$" or "$" not in self.values else None
            probe = probe[:cut]


@attrs.frozen
class Parsed:
    """A document read from YAML: its value (``None`` when it could not be read), positions and problems."""

    value: Any
    source_map: SourceMap
    diagnostics: tuple[Diagnostic, ...]


class _Stop(Exception):
    """Reading stops: the input is hostile or broken beyond what more reading would tell."""


def _resolve_plain(text: str) -> Any:
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


class _Composer:
    """Builds values from events with an explicit stack, recording positions as it goes."""

    def __init__(self, file: str, limits: YamlLimits) -> None:
        self.smap = SourceMap(file)
        self.limits = limits
        self.problems: list[Diagnostic] = []
        self.nodes = 0
        self.documents = 0
        self.root: Any = None
        # Each frame: [container, path parts, pending key (mappings), key positions for duplicate detection]
        self.stack: list[list[Any]] = []

    def _loc(self, mark: Any) -> SourceLocation:
        return SourceLocation(self.smap.file, mark.line + 1, mark.column + 1)

    def _fail(self, message: Text, code: str, mark: Any, path: Iterable[str | int] = ()) -> _Stop:
        self.problems.append(Diagnostic(code, message, format_path(path), self._loc(mark)))
        return _Stop()

    def feed(self, event: Any) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self._fail(
                    Text(
                        "một tài liệu thứ hai bắt đầu ở đây (`---`); hãy đặt mỗi tài liệu trong một tệp riêng",
                        "a second document starts here (`---`); put each document in its own file",
                    ),
                    "HNG-Y009",
                    event.start_mark,
                )
            return
        if isinstance(event, yaml.AliasEvent | yaml.NodeEvent) and getattr(event, "anchor", None) is not None:
            raise self._fail(
                Text(
                    f"không được dùng neo và bí danh (&{event.anchor} / *{event.anchor}); hãy viết đầy đủ giá trị",
                    f"anchors and aliases (&{event.anchor} / *{event.anchor}) are not allowed; write the value out",
                ),
                "HNG-Y004",
                event.start_mark,
                self._here(),
            )
        if isinstance(event, yaml.ScalarEvent):
            self._count(event)
            if event.tag not in (None, "!", _STR_TAG):
                raise self._tag(event)
            plain = event.tag is None and event.implicit[0]  # plain and untagged: resolve it
            value: Any = _resolve_plain(event.value) if plain else event.value
            path = self._add(value, event, plain=not isinstance(value, str) and event.value != "")
            if event.style and path is not None:
                self.smap.styles[format_path(path)] = event.style
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            self._count(event)
            if event.tag not in (*_ALLOWED_COLLECTION_TAGS, "!"):
                raise self._tag(event)
            if len(self.stack) >= self.limits.max_depth:
                raise self._fail(
                    _too_deep(self.limits.max_depth),
                    "HNG-Y006",
                    event.start_mark,
                    self._here(),
                )
            container: Any = [] if isinstance(event, yaml.SequenceStartEvent) else {}
            self.stack.append([container, self._add(container, event), None, {}])
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            self.stack.pop()

    def _here(self) -> tuple[str | int, ...]:
        if not self.stack:
            return ()
        container, path, pending, _ = self.stack[-1]
        if isinstance(container, list):
            return (*path, len(container))
        return (*path, pending[0]) if pending is not None else path

    def _count(self, event: Any) -> None:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise self._fail(
                Text(
                    f"một tài liệu có hơn {self.limits.max_nodes} giá trị",
                    f"more than {self.limits.max_nodes} values in one document",
                ),
                "HNG-Y007",
                event.start_mark,
                self._here(),
            )

    def _tag(self, event: Any) -> _Stop:
        return self._fail(
            Text(
                f"không được dùng thẻ {event.tag!r}; hoinghe chỉ đọc dữ liệu YAML thuần (hãy bỏ thẻ, "
                "hoặc đặt giá trị trong dấu nháy nếu đó là văn bản)",
                f"tag {event.tag!r} is not allowed; hoinghe reads plain YAML data only (remove the tag, "
                "or quote the value if it is text)",
            ),
            "HNG-Y005",
            event.start_mark,
            self._here(),
        )

    def _add(self, value: Any, event: Any, *, plain: bool = False) -> tuple[str | int, ...] | None:
        """Put a value in the current container and return its path (``None`` for a mapping key)."""
        pos = (event.start_mark.line + 1, event.start_mark.column + 1)
        if not self.stack:
            self.root = value
            self.smap.values["$"] = pos
            return ()
        frame = self.stack[-1]
        container, base = frame[0], frame[1]
        if isinstance(container, list):
            path: tuple[str | int, ...] = (*base, len(container))
            container.append(value)
        elif frame[2] is None:  # this value is a key
            if not isinstance(value, str):
                self.problems.append(
                    Diagnostic(
                        "HNG-Y010",
                        _not_text_key(value, event),
                        format_path(base),
                        SourceLocation(self.smap.file, *pos),
                    )
                )
                if not isinstance(value, int | float | bool) and value is not None:
                    raise _Stop  # a collection as a key: the rest of this mapping cannot be paired up
                value = str(event.value)
            frame[2] = (value, pos)
            return None
        else:
            key, key_pos = frame[2]
            frame[2] = None
            path = (*base, key)
            seen = frame[3]
            if key in seen:
                first = seen[key]
                self.problems.append(
                    Diagnostic(
                        "HNG-Y008",
                        Text(
                            f"khóa {key!r} bị trùng: lần đầu ở dòng {first[0]}, lặp lại ở dòng {key_pos[0]}; "
                            "hãy giữ lại một",
                            f"duplicate key {key!r}: first at line {first[0]}, again at line {key_pos[0]}; keep one",
                        ),
                        format_path(path),
                        SourceLocation(self.smap.file, *key_pos),
                    )
                )
            else:
                seen[key] = key_pos
                container[key] = value
                self.smap.keys[format_path(path)] = key_pos
        dotted = format_path(path)
        self.smap.values.setdefault(dotted, pos)
        if plain:
            self.smap.plain[dotted] = event.value
        return path


def parse_yaml(data: bytes | str, file: str = "<string>", limits: YamlLimits | None = None) -> Parsed:
    """Read one YAML document safely; never raises for bad input, every problem is a diagnostic."""
    limits = limits or YamlLimits()
    composer = _Composer(file, limits)
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > limits.max_bytes:
        diag = Diagnostic(
            "HNG-Y003",
            Text(
                f"tệp có {size:,} byte; giới hạn là {limits.max_bytes:,} byte (hãy tách thành nhiều tài liệu)",
                f"file is {size:,} bytes; the limit is {limits.max_bytes:,} bytes (split it into several documents)",
            ),
            "$",
            SourceLocation(file, 1, 1),
        )
        return Parsed(None, composer.smap, (diag,))
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            diag = Diagnostic(
                "HNG-Y001",
                Text(
                    f"byte 0x{data[exc.start]:02x} ở vị trí {exc.start} không phải UTF-8; hãy lưu tệp dưới dạng UTF-8",
                    f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8; save the file as UTF-8",
                ),
                "$",
                SourceLocation(file, line, 1),
            )
            return Parsed(None, composer.smap, (diag,))
    else:
        text = data
    try:
        for event in yaml.parse(text, Loader=_Loader):
            composer.feed(event)
    except _Stop:
        return Parsed(None, composer.smap, tuple(composer.problems))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        loc = (
            SourceLocation(file, mark.line + 1, mark.column + 1)
            if mark is not None
            else SourceLocation(file, 1, 1)
        )
        if "maximum nesting depth" in str(
            problem
        ):  # PyYAML 6.0.4 and later stop deep flow nesting in the scanner
            depth = composer.limits.max_depth
            where = _flow_too_deep(text, depth)
            if where is not None:  # the same place as the composer names when the scanner lets it through
                loc = SourceLocation(file, *where)
            composer.problems.append(Diagnostic("HNG-Y006", _too_deep(depth), "$", loc))
        else:
            composer.problems.append(Diagnostic("HNG-Y002", _syntax_error(str(problem), context), "$", loc))
        return Parsed(None, composer.smap, tuple(composer.problems))
    return Parsed(composer.root, composer.smap, tuple(composer.problems))


def _too_deep(depth: int) -> Text:
    return Text(
        f"lồng nhau sâu hơn {depth} mức; tài liệu hoinghe chỉ cần ít hơn nhiều",
        f"nesting deeper than {depth} levels; hoinghe documents need far fewer",
    )


def _not_text_key(value: Any, event: Any) -> Text:
    """Why a mapping key that is not text is refused, and how to write it."""
    kind = type(value).__name__
    if isinstance(event, yaml.ScalarEvent):
        shown = event.value
        return Text(
            f"khóa {shown!r} được đọc là {kind}, không phải văn bản; hãy đặt nó trong dấu nháy: '{shown}'",
            f"key {shown!r} is read as {kind}, not text; quote it: '{shown}'",
        )
    if isinstance(value, list):
        return Text(
            "không dùng một danh sách làm khóa; khóa phải là văn bản", "a list cannot be a key; a key is text"
        )
    return Text(
        "không dùng một mapping (khóa: giá trị) làm khóa; khóa phải là văn bản",
        "a mapping cannot be a key; a key is text",
    )


def _syntax_error(problem: str, context: str | None) -> Text:
    """The parser's own message as it wrote it, and in Vietnamese with the phrases :data:`_PHRASES_VI` knows."""
    english = f"{problem} ({context})" if context else problem
    said = _PHRASES_VI.get(problem, problem)
    if context:
        said += f" ({_PHRASES_VI.get(context, context)})"
    return Text(f"lỗi cú pháp YAML: {said}", english)


def _flow_too_deep(text: str, limit: int) -> tuple[int, int] | None:
    """The line and column of the first flow bracket that opens level ``limit + 1``, skipping quoted text."""
    depth, line, column, quote = 0, 1, 0, ""
    for char in text:
        column += 1
        if char == "\n":
            line, column = line + 1, 0
        elif quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            if depth > limit:
                return line, column
        elif char in "]}":
            depth -= 1
    return None
