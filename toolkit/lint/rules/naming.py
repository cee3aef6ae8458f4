"""Identifiers that force quoting forever: mixed case, spaces or symbols in created names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from postgast import pg_query_pb2 as pb

from toolkit.lint.source import LintContext, ParsedFile
from toolkit.model import Category, Finding, Level, Location, ObjectRef
from toolkit.naming import is_snake_case, snake_case
from toolkit.registry import RuleInfo, Stage, rule
from toolkit.sql.split import Statement

IDENTIFIER_NOT_SNAKE_CASE = RuleInfo(
    id="identifier_not_snake_case", level=Level.WARN, category=Category.HYGIENE,
    summary="A table, column, index, function or type name that is not snake_case.", stage=Stage.LINT)

_RENAMED = {pb.OBJECT_TABLE: "table", pb.OBJECT_COLUMN: "column", pb.OBJECT_INDEX: "index",
            pb.OBJECT_FUNCTION: "function", pb.OBJECT_PROCEDURE: "function", pb.OBJECT_TYPE: "type",
            pb.OBJECT_DOMAIN: "type", pb.OBJECT_VIEW: "view", pb.OBJECT_MATVIEW: "view"}


def _qualified(names: Any) -> tuple[str | None, str]:
    parts = [n.string.sval for n in names if n.WhichOneof("node") == "string"]
    if not parts:
        return None, ""
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def _column_defs(elts: Any) -> Iterator[Any]:
    for elt in elts:
        if elt.WhichOneof("node") == "column_def":
            yield elt.column_def


@dataclass(frozen=True)
class Name:
    kind: str
    name: str
    location: int  # byte offset in the file, -1 when unknown
    schema: str | None = None
    table: str | None = None  # for columns and indexes

    def ref(self) -> ObjectRef:
        if self.kind == "column" and self.table:
            return ObjectRef("column", self.schema, f"{self.table}.{self.name}")
        parent = f"{self.schema}.{self.table}" if self.kind == "index" and self.table else None
        return ObjectRef(self.kind, self.schema, self.name, parent=parent)


def _relation(kind: str, rv: Any, default: str) -> Name:
    return Name(kind, rv.relname, rv.location, rv.schemaname or default)


def _names(stmt: Statement, default: str) -> Iterator[Name]:
    """Every name this statement creates (or renames something to)."""
    node, kind = stmt.node, stmt.kind
    if kind in ("create_stmt", "composite_type_stmt"):
        rv = node.relation if kind == "create_stmt" else node.typevar
        owner = _relation("table" if kind == "create_stmt" else "type", rv, default)
        yield owner
        for col in _column_defs(node.table_elts if kind == "create_stmt" else node.coldeflist):
            yield Name("column", col.colname, col.location, owner.schema, owner.name)
    elif kind == "create_table_as_stmt":
        owner = _relation("view" if node.objtype == pb.OBJECT_MATVIEW else "table", node.into.rel, default)
        yield owner
        for col in node.into.col_names:
            yield Name("column", col.string.sval, -1, owner.schema, owner.name)
    elif kind == "view_stmt":
        yield _relation("view", node.view, default)
    elif kind == "alter_table_stmt":
        table = _relation("table", node.relation, default)
        for cmd in node.cmds:
            c = cmd.alter_table_cmd
            d = getattr(c, "def")
            if c.subtype == pb.AT_AddColumn and d.WhichOneof("node") == "column_def":
                yield Name("column", d.column_def.colname, d.column_def.location, table.schema, table.name)
    elif kind == "index_stmt" and node.idxname:
        table = _relation("table", node.relation, default)
        yield Name("index", node.idxname, -1, table.schema, table.name)
    elif kind == "create_function_stmt":
        schema, name = _qualified(node.funcname)
        yield Name("function", name, -1, schema or default)
    elif kind in ("create_enum_stmt", "create_range_stmt", "create_domain_stmt"):
        schema, name = _qualified(node.domainname if kind == "create_domain_stmt" else node.type_name)
        yield Name("type", name, -1, schema or default)
    elif kind == "rename_stmt" and node.rename_type in _RENAMED:
        what = _RENAMED[node.rename_type]
        if node.HasField("relation"):
            rel = _relation(what, node.relation, default)
            if what == "column":
                yield Name("column", node.newname, -1, rel.schema, rel.name)
            else:
                yield Name(what, node.newname, -1, rel.schema)
        else:
            yield Name(what, node.newname, -1, None)


@rule(IDENTIFIER_NOT_SNAKE_CASE)
def check_identifiers(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    schemas = pf.creation_schemas(ctx.default_schema)
    for i, stmt in enumerate(pf.statements):
        if stmt.kind not in _KINDS:
            continue
        for n in _names(stmt, schemas[i]):
            if not n.name or is_snake_case(n.name):
                continue
            where: Location = pf.node_location(n.location, stmt)
            better = snake_case(n.name)
            fix = f"Name it {better} (unquoted)." if better and is_snake_case(better) else "Use lower-case letters, digits and '_'."
            yield IDENTIFIER_NOT_SNAKE_CASE.finding(
                n.ref(),
                f"{n.kind} name {n.name!r} is not snake_case: every query and supabase-js filter must quote it exactly",
                location=where,
                remediation=fix,
                evidence={"kind": n.kind, "name": n.name},
            )


_KINDS = {"create_stmt", "create_table_as_stmt", "view_stmt", "alter_table_stmt", "index_stmt",
          "create_function_stmt", "create_enum_stmt", "create_range_stmt", "create_domain_stmt",
          "composite_type_stmt", "rename_stmt"}
