"""Identifiers that force quoting forever: mixed case, spaces or symbols in created names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from postgast import pg_query_pb2 as pb

from toolkit.lint.rules.base import lint_rule
from toolkit.lint.source import LintContext, ParsedFile, finding
from toolkit.model import Category, Finding, Level, Location, ObjectRef
from toolkit.naming import is_snake_case, snake_case
from toolkit.registry import RuleInfo, register
from toolkit.sql.split import Statement

IDENTIFIER_NOT_SNAKE_CASE = register(RuleInfo(
    id="identifier_not_snake_case", level=Level.WARN, category=Category.HYGIENE,
    summary="A table, column, index, function or type name that is not snake_case.", stage="lint"))

_RENAMED = {pb.OBJECT_TABLE: "table", pb.OBJECT_COLUMN: "column", pb.OBJECT_INDEX: "index",
            pb.OBJECT_FUNCTION: "function", pb.OBJECT_PROCEDURE: "function", pb.OBJECT_TYPE: "type",
            pb.OBJECT_DOMAIN: "type", pb.OBJECT_VIEW: "view", pb.OBJECT_MATVIEW: "view"}


def _last_name(names: Any) -> str:
    items = list(names)
    return items[-1].string.sval if items and items[-1].WhichOneof("node") == "string" else ""


def _column_defs(elts: Any) -> Iterator[Any]:
    for elt in elts:
        if elt.WhichOneof("node") == "column_def":
            yield elt.column_def


def _names(stmt: Statement) -> Iterator[tuple[str, str, int]]:
    """(kind, name, byte location or -1) for every name this statement creates."""
    node, kind = stmt.node, stmt.kind
    if kind == "create_stmt":
        yield "table", node.relation.relname, node.relation.location
        for col in _column_defs(node.table_elts):
            yield "column", col.colname, col.location
    elif kind == "create_table_as_stmt":
        what = "view" if node.objtype == pb.OBJECT_MATVIEW else "table"
        yield what, node.into.rel.relname, node.into.rel.location
        for col in node.into.col_names:
            yield "column", col.string.sval, -1
    elif kind == "view_stmt":
        yield "view", node.view.relname, node.view.location
    elif kind == "alter_table_stmt":
        for cmd in node.cmds:
            c = cmd.alter_table_cmd
            d = getattr(c, "def")
            if c.subtype == pb.AT_AddColumn and d.WhichOneof("node") == "column_def":
                yield "column", d.column_def.colname, d.column_def.location
    elif kind == "index_stmt" and node.idxname:
        yield "index", node.idxname, -1
    elif kind == "create_function_stmt":
        yield ("function", _last_name(node.funcname), -1)
    elif kind in ("create_enum_stmt", "create_range_stmt"):
        yield "type", _last_name(node.type_name), -1
    elif kind == "create_domain_stmt":
        yield "type", _last_name(node.domainname), -1
    elif kind == "composite_type_stmt":
        yield "type", node.typevar.relname, node.typevar.location
        for col in _column_defs(node.coldeflist):
            yield "column", col.colname, col.location
    elif kind == "rename_stmt" and node.rename_type in _RENAMED:
        yield _RENAMED[node.rename_type], node.newname, -1


@lint_rule(IDENTIFIER_NOT_SNAKE_CASE)
def check_identifiers(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    for stmt in pf.statements:
        if stmt.kind not in _KINDS:
            continue
        for what, name, loc in _names(stmt):
            if not name or is_snake_case(name):
                continue
            where: Location = pf.node_location(loc, stmt)
            better = snake_case(name)
            fix = f"Name it {better} (unquoted)." if better and is_snake_case(better) else "Use lower-case letters, digits and '_'."
            yield finding(IDENTIFIER_NOT_SNAKE_CASE, pf, where, ObjectRef(what, None, name),
                          f"{what} name {name!r} is not snake_case: every query and supabase-js filter must quote it exactly",
                          fix, evidence={"kind": what, "name": name})


_KINDS = {"create_stmt", "create_table_as_stmt", "view_stmt", "alter_table_stmt", "index_stmt",
          "create_function_stmt", "create_enum_stmt", "create_range_stmt", "create_domain_stmt",
          "composite_type_stmt", "rename_stmt"}
