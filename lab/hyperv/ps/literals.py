"""String and number literals: quoting rules, backtick escapes, here-strings, numeric suffixes."""
from __future__ import annotations

from .convert import INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, parse_number

_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
_DOUBLE_QUOTES = '"\u201c\u201d\u201e'
_BACKTICK = {"0": "\0", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
             "v": "\v"}


def verbatim(text):
    """'...' and @'...'@ literals."""
    if text.startswith("@"):
        return _here_body(text)
    body = text[1:-1]
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c in _SINGLE_QUOTES and i + 1 < len(body) and body[i + 1] in _SINGLE_QUOTES:
            out.append(c)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _here_body(text):
    # @'<newline>body<newline>'@ : the first and the last line break are not part of the value
    body = text[2:-2]
    if body.startswith("\r\n"):
        body = body[2:]
    elif body.startswith("\n"):
        body = body[1:]
    if body.endswith("\r\n"):
        body = body[:-2]
    elif body.endswith("\n"):
        body = body[:-1]
    return body


def unescape_expandable(segment, in_here=False):
    """Literal part of a "..." string: backtick escapes and doubled quotes."""
    out = []
    i = 0
    n = len(segment)
    while i < n:
        c = segment[i]
        if c == "`" and i + 1 < n:
            nxt = segment[i + 1]
            out.append(_BACKTICK.get(nxt, nxt))
            i += 2
            continue
        if not in_here and c in _DOUBLE_QUOTES and i + 1 < n and segment[i + 1] in _DOUBLE_QUOTES:
            out.append(c)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def expandable_bounds(text):
    """(prefix_len, suffix_len) of the delimiters of an expandable string or here-string."""
    if text.startswith("@"):
        pre = 2
        if text[2:4] == "\r\n":
            pre = 4
        elif text[2:3] == "\n":
            pre = 3
        suf = 2
        if text[:-2].endswith("\r\n"):
            suf = 4
        elif text[:-2].endswith("\n"):
            suf = 3
        return pre, suf
    return 1, 1


def number(text):
    """Integer/real literal to int or float with PowerShell's type widening."""
    v = parse_number(text)
    low = text.lower()
    if isinstance(v, int):
        if low.endswith("l") and not low.startswith("0x"):
            return v
        if INT32_MIN <= v <= INT32_MAX or INT64_MIN <= v <= INT64_MAX:
            return v
        return float(v)
    return v
