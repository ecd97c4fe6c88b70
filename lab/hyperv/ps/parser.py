"""tree-sitter-powershell adapter: parse, reject what Windows PowerShell 5.1 would reject, locate nodes.

The grammar is a superset of 5.1 in places (PowerShell 7 pipeline chains `&&`/`||`) and stricter in
a few others (see README "Parser limits"); 5.1-only rules are added here.
"""
from __future__ import annotations

import re
import threading

import tree_sitter_powershell as _tsp
from tree_sitter import Language, Parser

_LANGUAGE = Language(_tsp.language())
_local = threading.local()


def _parser():
    p = getattr(_local, "parser", None)
    if p is None:
        p = _local.parser = Parser(_LANGUAGE)
    return p


class ParseIssue:
    def __init__(self, line, column, line_text, width, message, fqid):
        self.line, self.column, self.line_text = line, column, line_text
        self.width, self.message, self.fqid = width, message, fqid


class ParseFailure(Exception):
    def __init__(self, unit, issues):
        super().__init__(issues[0].message)
        self.unit = unit
        self.issues = issues


class Unit:
    """One parsed script text (a whole script or a [ScriptBlock]::Create() argument)."""

    def __init__(self, text):
        self.text = text
        self.src = text.encode("utf-8")
        self.tree = _parser().parse(self.src)
        self.root = self.tree.root_node
        self._lines = self.src.split(b"\n")

    def node_text(self, node):
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def position(self, node):
        """1-based line, 1-based character column, the line's text and the extent width on that line."""
        row, col_b = node.start_point
        line_b = self._lines[row] if row < len(self._lines) else b""
        col = len(line_b[:col_b].decode("utf-8", "replace")) + 1
        line_text = decode_param_digits(line_b.decode("utf-8", "replace").rstrip("\r"))
        if node.end_point[0] == row:
            width = len(line_b[col_b:node.end_point[1]].decode("utf-8", "replace"))
        else:
            width = len(line_text) - col + 1
        return row + 1, col, line_text, max(1, width)


def parse(text):
    unit = Unit(text)
    if unit.root.has_error:
        repaired = _repair(unit)
        if repaired is not None:
            unit = repaired
    issues = []
    if unit.root.has_error:
        _collect_errors(unit, unit.root, issues)
    _check_51_rules(unit, unit.root, issues)
    if issues:
        raise ParseFailure(unit, issues)
    return unit


def _first_token(text):
    t = text.strip().split()
    return t[0] if t else text.strip()


def _classify(unit, node):
    text = unit.node_text(node)
    if node.is_missing:
        tok = node.type
        if tok == "}":
            return "Missing closing '}' in statement block or type definition.", "MissingEndCurlyBrace"
        if tok == ")":
            return "Missing closing ')' in expression.", "MissingEndParenthesisInExpression"
        if tok == "]":
            return "Missing ']' after array index expression.", "MissingEndSquareBracket"
        return "Missing '%s' in statement." % tok, "MissingToken"
    stripped = text.strip()
    quotes_d = stripped.count('"') - stripped.count('`"')
    if quotes_d % 2 == 1:
        return 'The string is missing the terminator: ".', "TerminatorExpectedAtEndOfString"
    if stripped.count("'") % 2 == 1:
        return "The string is missing the terminator: '.", "TerminatorExpectedAtEndOfString"
    opens, closes = stripped.count("{"), stripped.count("}")
    if opens > closes:
        return "Missing closing '}' in statement block or type definition.", "MissingEndCurlyBrace"
    if stripped.count("(") > stripped.count(")"):
        return "Missing closing ')' in expression.", "MissingEndParenthesisInExpression"
    if closes > opens:
        return "Unexpected token '}' in expression or statement.", "UnexpectedToken"
    if stripped.count(")") > stripped.count("("):
        return "Unexpected token ')' in expression or statement.", "UnexpectedToken"
    if stripped.endswith(("=", "+", "-", "*", "/", "|", ",")):
        return "You must provide a value expression following the '%s' operator." % stripped[-1], \
            "ExpectedValueExpression"
    return "Unexpected token '%s' in expression or statement." % _first_token(stripped), "UnexpectedToken"


def _collect_errors(unit, node, issues):
    if node.type == "ERROR" or node.is_missing:
        msg, fqid = _classify(unit, node)
        target = node
        if node.type == "ERROR":
            # point at the offending token, like PowerShell does, not at the start of the statement
            bad = [c for c in node.children if c.type == "ERROR" or c.is_missing]
            if bad:
                target = bad[0]
        line, col, text, width = unit.position(target)
        issues.append(ParseIssue(line, col, text, width, msg, fqid))
        return
    for c in node.children:
        if c.has_error or c.is_missing:
            _collect_errors(unit, c, issues)
            if issues:
                return


def _check_51_rules(unit, node, issues):
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "pipeline_chain_tail":
            op = n.children[0] if n.children else n
            line, col, text, width = unit.position(op)
            tok = unit.node_text(op)[:2]
            issues.append(ParseIssue(line, col, text, width,
                                     "The token '%s' is not a valid statement separator in this version." % tok,
                                     "InvalidEndOfLine"))
            return
        stack.extend(reversed(n.children))


_BAREWORD_STOP = set(" \t\r\n,;|(){}[]'\"`$@&<>")


def _comma_offsets(node, out):
    """Byte offsets of commas the grammar failed on inside command arguments (bareword lists)."""
    if node.type == "," and node.parent is not None and node.parent.type == "ERROR":
        out.append(node.start_byte)
    if node.type == "generic_token" and node.text.startswith(b","):
        out.append(node.start_byte)
    if node.type == "command_argument_sep" and node.is_missing and node.next_sibling is not None and \
            node.next_sibling.text.startswith(b","):
        out.append(node.next_sibling.start_byte)
    for c in node.children:
        if c.has_error or c.type in (",", "generic_token", "command_argument_sep"):
            _comma_offsets(c, out)


_DIGIT_MARK = "Zqqz"  # never part of a real parameter name; stands for a digit inside one


def encode_param_digits(name):
    return re.sub(r"\d", lambda m: _DIGIT_MARK + "ABCDEFGHIJ"[int(m.group(0))], name)


def decode_param_digits(text):
    return re.sub(_DIGIT_MARK + "([A-J])", lambda m: str("ABCDEFGHIJ".index(m.group(1))), text)


def _digit_param_spans(node, src, out):
    """Parameter tokens the grammar cut before a digit (`-IPv4Address` read as `-IPv` `4Address`)."""
    if node.type == "command_parameter" and node.end_byte < len(src) and src[node.end_byte:node.end_byte + 1].isdigit():
        j = node.end_byte
        while j < len(src) and (chr(src[j]).isalnum() or src[j:j + 1] == b"_"):
            j += 1
        out.append((node.start_byte + 1, j))
    for c in node.children:
        if c.has_error or c.type in ("command_parameter", "command_elements", "command") or c.child_count:
            _digit_param_spans(c, src, out)


def _repair(unit):
    """tree-sitter-powershell is stricter than PowerShell in two places scripts hit constantly:
    bareword arrays in argument mode (`Select-Object Name, State`) and parameter names with digits
    (`-IPv4Address`). Rewrite just those tokens and parse again; only a clean re-parse is accepted,
    so real syntax errors are still reported."""
    for _ in range(8):
        src = unit.src
        edits = []
        params = []
        _digit_param_spans(unit.root, src, params)
        for s_, e_ in params:
            edits.append((s_, e_, encode_param_digits(src[s_:e_].decode("ascii", "replace")).encode()))
        offsets = []
        _comma_offsets(unit.root, offsets)
        for off in offsets:
            for span in _words_around(src, off):
                if not any(a <= span[0] < b for a, b, _ in edits):
                    edits.append((span[0], span[1], b"'" + src[span[0]:span[1]].replace(b"'", b"''") + b"'"))
        if not edits:
            return None
        out = bytearray(src)
        for s_, e_, rep in sorted(set(edits), reverse=True):
            out[s_:e_] = rep
        unit = Unit(out.decode("utf-8"))
        if not unit.root.has_error:
            return unit
    return None


def _words_around(src, off):
    spans = []
    i = off - 1
    while i >= 0 and src[i:i + 1] in (b" ", b"\t"):
        i -= 1
    end = i + 1
    while i >= 0 and chr(src[i]) not in _BAREWORD_STOP:
        i -= 1
    if end > i + 1 and not src[i + 1:end][:1].isdigit() and src[i + 1:end][:1] != b"-":
        spans.append((i + 1, end))
    j = off + 1
    while j < len(src) and src[j:j + 1] in (b" ", b"\t"):
        j += 1
    start = j
    while j < len(src) and chr(src[j]) not in _BAREWORD_STOP:
        j += 1
    if j > start and not src[start:j][:1].isdigit() and src[start:j][:1] != b"-":
        spans.append((start, j))
    return spans


def named_children(node):
    return [c for c in node.named_children if c.type != "comment"]
