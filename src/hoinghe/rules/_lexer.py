"""Split a rule expression into tokens.

Only ASCII is allowed outside string literals, so a Unicode lookalike (a Cyrillic ``а`` in ``subject.nаme``)
is a syntax error pointing at the character rather than an unknown field that merely looks right.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from hoinghe.errors import ExpressionError
from hoinghe.org.text import Text

__all__ = ["Token", "tokenize"]

SYNTAX = "HNG-R001"

# CEL's reserved words, plus Python's `lambda`: none of them may name a field or a variable.
RESERVED = frozenset(
    {
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
        "lambda",
    }
)
KEYWORDS = frozenset({"true", "false", "null", "in"})
_TWO_CHAR = frozenset({"&&", "||", "==", "!=", "<=", ">="})
_ONE_CHAR = frozenset("<>!()[]{}.,:?+-*/%")
_HINTS = {
    "=": Text("dùng == để so sánh", "use == to compare"),
    "&": Text("dùng && cho 'và'", "use && for 'and'"),
    "|": Text("dùng || cho 'hoặc'", "use || for 'or'"),
    "\\": Text(
        "dấu gạch chéo ngược chỉ được dùng trong chuỗi ký tự",
        "a backslash is only allowed inside a string literal",
    ),
    ";": Text(
        "chỉ viết một biểu thức, không nối nhiều biểu thức bằng ;", "an expression is a single expression"
    ),
    "`": Text("không được dùng dấu nháy ngược (`)", "backquotes are not allowed"),
}
_NOT_ASCII = Text(
    "ngoài chuỗi ký tự chỉ được dùng chữ cái ASCII, chữ số và toán tử",
    "only ASCII letters, digits and operators are allowed outside strings",
)
INT_OUT_OF_RANGE = Text(
    "số nguyên {word} nằm ngoài phạm vi cho phép (số nguyên có dấu 64 bit)",
    "int literal {word} is out of range (64-bit signed ints)",
)
_SPACE = frozenset(" \t\n\r\f")
_DIGITS = frozenset("0123456789")  # str.isdigit() would take other scripts' digits too
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SIMPLE_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
    "?": "?",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_MAX_INT_LITERAL = 2**63  # the magnitude of the smallest int; the parser accepts it only after a minus


class Token(NamedTuple):
    """One token: ``kind`` is ``int``, ``double``, ``string``, ``ident``, ``eof``, a keyword or the punctuation."""

    kind: str
    value: int | float | str | None
    start: int
    end: int


def _fail(message: Text, offset: int) -> ExpressionError:
    return ExpressionError(message, code=SYNTAX, column=offset + 1)


def tokenize(text: str) -> Iterator[Token]:
    """The tokens of ``text``, ending with an ``eof`` token, produced as the parser asks for them.

    Lazy on purpose: the parser stops ``"(" * 4000`` at its depth cap after 65 tokens, without reading the rest.

    Raises:
        ExpressionError: ``HNG-R001`` at the first character that cannot start or continue a token.
    """
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SPACE:
            i += 1
            continue
        two = text[i : i + 2]
        if two in _TWO_CHAR:
            token = Token(two, None, i, i + 2)
        elif ch in _ONE_CHAR and not (ch == "." and text[i + 1 : i + 2] in _DIGITS):
            token = Token(ch, None, i, i + 1)
        elif ch in _DIGITS or ch == ".":  # `.5` is a number, `a.b` a selection
            token = _number(text, i)
        elif ch in "'\"" or (ch in "rRbB" and text[i + 1 : i + 2] in ("'", '"')):
            token = _string(text, i)
        elif match := _IDENT.match(text, i):
            token = _word(match.group(), i)
        else:
            hint = _HINTS.get(ch, _NOT_ASCII)
            raise _fail(
                Text(
                    f"ký tự không hợp lệ {ch!r} (U+{ord(ch):04X}): {hint.vi}",
                    f"unexpected character {ch!r} (U+{ord(ch):04X}): {hint.get('en')}",
                ),
                i,
            )
        yield token
        i = token.end
    yield Token("eof", None, n, n)


def _word(word: str, i: int) -> Token:
    if word in RESERVED:
        raise _fail(Text(f"'{word}' là từ khóa dành riêng", f"'{word}' is a reserved word"), i)
    if word.startswith("__"):
        raise _fail(
            Text(
                f"không được dùng tên bắt đầu bằng '__': '{word}'",
                f"names starting with '__' are not allowed: '{word}'",
            ),
            i,
        )
    return Token(word if word in KEYWORDS else "ident", word, i, i + len(word))


def _number(text: str, i: int) -> Token:
    match = _NUMBER.match(text, i)
    if match is None:  # pragma: no cover - the caller saw a digit
        raise _fail(Text("số viết sai", "malformed number"), i)
    word, end = match.group(), match.end()
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        if text[end] in "uU":
            raise _fail(
                Text(
                    "không hỗ trợ số nguyên không dấu (1u); hãy dùng int",
                    "unsigned ints (1u) are not supported; use an int",
                ),
                i,
            )
        shown = text[i : end + 1]
        raise _fail(Text(f"số viết sai {shown!r}", f"malformed number {shown!r}"), i)
    if word[:2] in ("0x", "0X"):
        value: int | float = int(word, 16)
    elif any(c in word for c in ".eE"):
        value = float(word)
        if value in (float("inf"), float("-inf")):
            raise _fail(
                Text(f"số thực {word} nằm ngoài phạm vi cho phép", f"double literal {word} is out of range"),
                i,
            )
        return Token("double", value, i, end)
    else:
        value = int(word)
    if value > _MAX_INT_LITERAL:
        raise _fail(INT_OUT_OF_RANGE.format(word=word), i)
    return Token("int", value, i, end)


def _string(text: str, i: int) -> Token:
    start = i
    raw = text[i] in "rR"
    if text[i] in "bB":
        raise _fail(Text("không hỗ trợ chuỗi byte (b'...')", "bytes literals (b'...') are not supported"), i)
    if raw:
        i += 1
    quote = text[i]
    if text[i : i + 3] == quote * 3:
        raise _fail(
            Text("không hỗ trợ chuỗi đặt trong ba dấu nháy", "triple-quoted strings are not supported"), i
        )
    i += 1
    out: list[str] = []
    while True:
        if i >= len(text) or text[i] in "\r\n":
            raise _fail(Text("chuỗi ký tự thiếu dấu nháy đóng", "string literal is not closed"), start)
        ch = text[i]
        if ch == quote:
            return Token("string", "".join(out), start, i + 1)
        if ch == "\\" and not raw:
            decoded, i = _escape(text, i)
            out.append(decoded)
        else:
            out.append(ch)
            i += 1


def _escape(text: str, i: int) -> tuple[str, int]:
    """Decode the escape sequence at ``text[i]`` (a backslash); return it and the offset after it."""
    code = text[i + 1 : i + 2]
    if code in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[code], i + 2
    if code in _HEX_ESCAPES:
        width = _HEX_ESCAPES[code]
        digits = text[i + 2 : i + 2 + width]
        if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise _fail(
                Text(
                    f"\\{code} cần đúng {width} chữ số hệ mười sáu",
                    f"\\{code} needs exactly {width} hex digits",
                ),
                i,
            )
        return _code_point(int(digits, 16), i), i + 2 + width
    digits = text[i + 1 : i + 4]
    if len(digits) == 3 and digits[0] in "0123" and all(c in "01234567" for c in digits):  # noqa: PLR2004
        return _code_point(int(digits, 8), i), i + 4
    raise _fail(Text(f"chuỗi thoát không hợp lệ '\\{code}'", f"unknown escape sequence '\\{code}'"), i)


def _code_point(value: int, i: int) -> str:
    if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:  # noqa: PLR2004 - surrogates and beyond Unicode
        raise _fail(
            Text(
                f"chuỗi thoát trỏ tới mã ký tự không hợp lệ U+{value:X}",
                f"escape names an invalid code point U+{value:X}",
            ),
            i,
        )
    return chr(value)
