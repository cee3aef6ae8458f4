"""Split a migration into statements with exact source positions, through libpg_query (postgast)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

import postgast
from google.protobuf.message import DecodeError


class SqlSyntaxError(Exception):
    """libpg_query rejected the text; `offset` is a 0-based character offset into the file."""

    def __init__(self, message: str, offset: int, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column


class SourceText:
    """Maps offsets in a file's text to 1-based line and column."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._byte_ends: list[int] | None = None if text.isascii() else list(
            accumulate(len(c.encode("utf-8", "surrogatepass")) for c in text)
        )

    def char_offset(self, byte_offset: int) -> int:
        if self._byte_ends is None:
            return byte_offset
        return bisect.bisect_right(self._byte_ends, byte_offset)

    def line_col(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._line_starts, offset) - 1
        return i + 1, offset - self._line_starts[i] + 1


@dataclass(frozen=True)
class Statement:
    index: int
    text: str
    start: int  # character offset of the first token
    line: int
    column: int
    kind: str  # the libpg_query node name, e.g. "create_stmt", "create_policy_stmt"
    node: Any = field(repr=False, compare=False)  # the protobuf node of that kind
    preamble: str = field(default="", repr=False, compare=False)  # comments/space before it

    @property
    def end_line(self) -> int:
        return self.line + self.text.count("\n")


# Text libpg_query cannot see whole: a NUL ends its C string early (the rest would be silently
# dropped), and a lone surrogate has no UTF-8 form.
_UNPARSABLE_CHAR = re.compile("[\x00\ud800-\udfff]")


def split_statements(text: str) -> list[Statement]:
    """Every statement of `text`, in order. Raises SqlSyntaxError with the position of the error."""
    src = SourceText(text)
    bad = _UNPARSABLE_CHAR.search(text)
    if bad is not None:
        line, col = src.line_col(bad.start())
        what = ("a NUL byte, which Postgres rejects in SQL text" if bad.group() == "\x00"
                else "a character that is not valid UTF-8")
        raise SqlSyntaxError(f"the file contains {what}", bad.start(), line, col)
    try:
        tree = postgast.parse(text)
    except postgast.PgQueryError as e:
        pos = max((e.cursorpos or 1) - 1, 0)
        off = min(src.char_offset(pos), len(text))
        line, col = src.line_col(off)
        raise SqlSyntaxError(str(getattr(e, "message", None) or e), off, line, col) from None
    except (RecursionError, DecodeError):  # the parse tree is deeper than protobuf will decode
        raise SqlSyntaxError("statement nesting is too deep to parse", 0, 1, 1) from None
    out: list[Statement] = []
    prev_end = 0
    raw = tree.stmts
    for i, rs in enumerate(raw):
        b_start = rs.stmt_location
        start = src.char_offset(b_start)
        end = src.char_offset(b_start + rs.stmt_len) if rs.stmt_len else len(text)
        body = text[start:end].rstrip()
        # libpg_query already skips leading comments; skip whitespace it may leave.
        stripped = body.lstrip()
        start += len(body) - len(stripped)
        line, col = src.line_col(start)
        kind = rs.stmt.WhichOneof("node") or "unknown"
        out.append(
            Statement(
                index=i,
                text=stripped,
                start=start,
                line=line,
                column=col,
                kind=kind,
                node=getattr(rs.stmt, kind) if kind != "unknown" else None,
                preamble=text[prev_end:start],
            )
        )
        prev_end = end
    return out
