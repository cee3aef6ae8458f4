"""One migration file, read and parsed once, shared by every lint rule."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postgast import pg_query_pb2 as pb

from toolkit.model import Location, ObjectRef
from toolkit.sql.split import SourceText, SqlSyntaxError, Statement, split_statements


@dataclass
class LintContext:
    """What rules may know besides the file: project facts and the other files of the run (in
    apply order), never a database. Files in `strict` (those a change adds or edits) are judged
    on their own, as if no later file existed."""

    exposed_schemas: tuple[str, ...] = ("public", "graphql_public")
    default_schema: str = "public"
    files: tuple[ParsedFile, ...] = ()
    strict: frozenset[str] = frozenset()
    memo: dict[str, Any] = field(default_factory=dict, repr=False)  # what rules derive from `files`, once

    def position(self, pf: ParsedFile) -> int:
        """Where `pf` sits in the run (apply order); -1 when it is not one of the run's files."""
        order = self.memo.setdefault("order", {f.rel: i for i, f in enumerate(self.files)})
        return int(order.get(pf.rel, -1))

    def later(self, pf: ParsedFile) -> tuple[ParsedFile, ...]:
        """The files of the run after `pf` (none for a strict file)."""
        at = self.position(pf)
        return () if pf.rel in self.strict or at < 0 else self.files[at + 1:]


@dataclass
class ParsedFile:
    path: Path
    rel: str
    text: str
    statements: list[Statement] = field(default_factory=list)
    syntax_error: SqlSyntaxError | None = None
    had_bom: bool = False
    src: SourceText = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.src = SourceText(self.text)
        self._starts = [s.line for s in self.statements]
        self._lines: list[str] | None = None

    @classmethod
    def parse(cls, path: Path, rel: str, text: str, *, had_bom: bool = False) -> ParsedFile:
        pf = cls._parse(path, rel, text)
        pf.had_bom = had_bom
        return pf

    @classmethod
    def _parse(cls, path: Path, rel: str, text: str) -> ParsedFile:
        nul = text.find("\x00")
        if nul >= 0:
            line, col = SourceText(text).line_col(nul)
            err = SqlSyntaxError("the file contains a NUL byte, which Postgres rejects in SQL text", nul, line, col)
            return cls(path, rel, text, [], err)
        try:
            return cls(path, rel, text, split_statements(text))
        except SqlSyntaxError as e:
            return cls(path, rel, text, [], e)
        except RecursionError:
            err = SqlSyntaxError("statement nesting is too deep to parse", 0, 1, 1)
            return cls(path, rel, text, [], err)

    @property
    def name(self) -> str:
        return self.path.name

    def location(self, offset: int) -> Location:
        line, col = self.src.line_col(max(0, min(offset, len(self.text))))
        return Location(self.rel, line, col)

    def node_location(self, byte_location: int, stmt: Statement) -> Location:
        """A parse-tree `location` (byte offset into the file, -1 when unknown) as file:line:col."""
        if byte_location is None or byte_location < 0:
            return Location(self.rel, stmt.line, stmt.column)
        return self.location(self.src.char_offset(byte_location))

    def creation_schemas(self, default: str) -> list[str]:
        """For each statement, the schema an unqualified CREATE would land in (tracks SET search_path)."""
        out: list[str] = []
        current = default
        for stmt in self.statements:
            out.append(current)
            if stmt.kind == "variable_set_stmt" and stmt.node.name == "search_path":
                current = _first_schema(stmt.node, default)
        return out

    def line_text(self, line: int) -> str:
        """The text of 1-based `line` without its newline ('' past the end)."""
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines[line - 1] if 0 < line <= len(self._lines) else ""

    def statement_at(self, line: int) -> Statement | None:
        """The statement whose lines contain `line`, if any."""
        i = bisect.bisect_right(self._starts, line) - 1
        if i >= 0 and self.statements[i].line <= line <= self.statements[i].end_line:
            return self.statements[i]
        return None


def _first_schema(node: Any, default: str) -> str:
    if node.kind != pb.VAR_SET_VALUE:
        return default
    for arg in node.args:
        value = arg.a_const.sval.sval if arg.WhichOneof("node") == "a_const" else ""
        for part in value.split(","):
            part = part.strip().strip('"')
            if part and part != "$user":
                return part
    return default


def stmt_location(pf: ParsedFile, stmt: Statement) -> Location:
    return Location(pf.rel, stmt.line, stmt.column)


def file_ref(pf: ParsedFile) -> ObjectRef:
    return ObjectRef("file", None, pf.rel)


def range_var_name(rv: Any, default_schema: str) -> tuple[str, str]:
    return (rv.schemaname or default_schema), rv.relname
