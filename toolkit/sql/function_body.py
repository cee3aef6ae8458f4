"""What a function's body reads, writes and calls, and whether it looks at who is calling.

Read from `pg_get_functiondef` through libpg_query (postgast): an SQL body is parsed as SQL (a
`BEGIN ATOMIC` body comes deparsed with schema-qualified names); a PL/pgSQL body is parsed by
libpg_query's PL/pgSQL parser and every SQL expression in it is then parsed as SQL. Names are
returned as written (`public.orders`, or `orders` when unqualified); resolving them against a
catalog is the caller's job. The analysis never raises: a body it cannot read says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import postgast
from postgast.errors import check_error
from postgast.native import lib

from toolkit.sql.policy_expr import AUTH_FUNCTIONS

# Value functions that name the role running the statement (SQLValueFunction ops).
_ROLE_VALUES = frozenset({"SVFOP_CURRENT_USER", "SVFOP_CURRENT_ROLE", "SVFOP_SESSION_USER", "SVFOP_USER"})
_SETTING_FUNCTIONS = frozenset({"current_setting", "pg_catalog.current_setting"})
_WRITES = {"InsertStmt": ("insert",), "UpdateStmt": ("update",), "DeleteStmt": ("delete",),
           "MergeStmt": ("insert", "update", "delete")}
# PL/pgSQL expression parse modes (libpg_query's RawParseMode): 0 a statement, 2 an expression,
# 3-5 an assignment `target := expression`.
_STATEMENT, _EXPRESSION = 0, 2
_ASSIGNMENT = re.compile(r"^[^:=]*?:?=\s*", re.DOTALL)


@dataclass(frozen=True)
class BodyFacts:
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    commands: frozenset[tuple[str, str]] = frozenset()  # (relation, insert | update | delete)
    calls: frozenset[str] = frozenset()  # function names as written: "auth.uid", "lower"
    caller_checks: tuple[str, ...] = ()  # how it looks at the caller: "auth.uid()", "current_user"
    dynamic: bool = False  # runs SQL built at run time (PL/pgSQL EXECUTE), which no parse can see
    parsed: bool = True  # False: another language, or text libpg_query rejected

    @property
    def touches(self) -> frozenset[str]:
        return self.reads | self.writes


UNREAD = BodyFacts(parsed=False)


def body_facts(definition: str | None, language: str) -> BodyFacts:
    """Facts of one `CREATE FUNCTION` statement as pg_get_functiondef prints it."""
    if not definition or language not in ("sql", "plpgsql"):
        return UNREAD
    try:
        if language == "plpgsql":
            return _plpgsql(definition)
        return _sql_function(definition)
    except (postgast.PgQueryError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return UNREAD


def _sql_function(definition: str) -> BodyFacts:
    stmt = _parse(definition)["stmts"][0]["stmt"].get("CreateFunctionStmt")
    if stmt is None:
        return UNREAD
    if "sql_body" in stmt:
        return _Collector().add_tree(stmt["sql_body"]).facts()
    for opt in stmt.get("options", ()):
        elem = opt.get("DefElem", {})
        if elem.get("defname") == "as":
            items = elem.get("arg", {}).get("List", {}).get("items", [])
            body = items[0].get("String", {}).get("sval") if items else None
            if body is not None:
                return _Collector().add_tree(_parse(body)).facts()
    return UNREAD


def _plpgsql(definition: str) -> BodyFacts:
    collector = _Collector()
    for expr in _plpgsql_exprs(postgast.parse_plpgsql(definition)):
        if expr.get("dynamic"):
            collector.dynamic = True
            continue
        query = expr.get("query") or ""
        mode = expr.get("parseMode", _STATEMENT)
        if mode == _STATEMENT:
            text = query
        elif mode == _EXPRESSION:
            text = f"SELECT {query}"
        else:
            text = "SELECT " + _ASSIGNMENT.sub("", query, count=1)
        try:
            collector.add_tree(_parse(text))
        except postgast.PgQueryError:
            collector.unreadable = True
    return collector.facts()


def _parse(sql: str) -> dict[str, Any]:
    """libpg_query's parse tree as JSON: walking plain dicts is many times faster than walking
    the protobuf messages `postgast.parse` builds."""
    result = lib.pg_query_parse(sql.encode("utf-8"))
    try:
        check_error(result)
        tree: dict[str, Any] = json.loads(result.parse_tree.decode("utf-8"))
        return tree
    finally:
        lib.pg_query_free_parse_result(result)


def _plpgsql_exprs(node: Any) -> Iterator[dict[str, Any]]:
    """Every PLpgSQL_expr in the parsed function; EXECUTE statements yield a marker first."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors") or (
                    key in ("PLpgSQL_stmt_return_query", "PLpgSQL_stmt_open")
                    and isinstance(value, dict) and "dynquery" in value):
                yield {"dynamic": True}
            if key == "PLpgSQL_expr" and isinstance(value, dict):
                yield value
            else:
                yield from _plpgsql_exprs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _plpgsql_exprs(item)


class _Collector:
    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.writes: set[str] = set()
        self.commands: set[tuple[str, str]] = set()
        self.calls: set[str] = set()
        self.checks: list[str] = []
        self.dynamic = False
        self.unreadable = False

    def add_tree(self, tree: Any) -> _Collector:
        """One pass over the tree. A statement's target relation is a bare RangeVar in the JSON
        (`{"relation": {...}}`); a relation read is a wrapped node (`{"RangeVar": {...}}`)."""
        ctes: set[str] = set()
        reads: list[dict[str, Any]] = []
        truncated: set[int] = set()
        for kind, node in _walk(tree):
            if kind in _WRITES:
                self._write(_name(node.get("relation", {})), _WRITES[kind])
            elif kind == "TruncateStmt":
                for rel in node.get("relations", ()):
                    rv = rel.get("RangeVar", {})
                    self._write(_name(rv), ("delete",))
                    truncated.add(rv.get("location", -1))
            elif kind == "RangeVar":
                reads.append(node)
            elif kind == "CommonTableExpr":
                ctes.add(node.get("ctename", ""))
            elif kind == "FuncCall":
                self._call(node)
            elif kind == "SQLValueFunction" and node.get("op") in _ROLE_VALUES:
                self._check(node["op"].removeprefix("SVFOP_").lower())
        for rv in reads:
            name = _name(rv)
            if rv.get("location", -2) in truncated or (not rv.get("schemaname") and name in ctes):
                continue
            self.reads.add(name)
        return self

    def _write(self, name: str, commands: tuple[str, ...]) -> None:
        self.writes.add(name)
        self.commands.update((name, c) for c in commands)

    def _call(self, node: dict[str, Any]) -> None:
        name = ".".join(part.get("String", {}).get("sval", "") for part in node.get("funcname", ())).lower()
        self.calls.add(name)
        if name in AUTH_FUNCTIONS:
            self._check(f"{name}()")
        elif name in _SETTING_FUNCTIONS and _reads_request_claims(node.get("args", ())):
            self._check("current_setting('request.jwt.claims')")

    def _check(self, what: str) -> None:
        if what not in self.checks:
            self.checks.append(what)

    def facts(self) -> BodyFacts:
        return BodyFacts(frozenset(self.reads), frozenset(self.writes), frozenset(self.commands),
                         frozenset(self.calls), tuple(self.checks), self.dynamic, not self.unreadable)


def _walk(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(node type, fields) of every wrapped node, depth first; bare statement targets are seen
    through their statement."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, dict):
                    if key[:1].isupper():
                        yield key, value
                    stack.append(value)
                elif isinstance(value, list):
                    stack.extend(value)
        elif isinstance(item, list):
            stack.extend(item)


def _name(rv: dict[str, Any]) -> str:
    relname = rv.get("relname", "")
    return f"{rv['schemaname']}.{relname}" if rv.get("schemaname") else relname


def _reads_request_claims(args: Any) -> bool:
    first = args[0] if args else {}
    value = first.get("A_Const", {}).get("sval", {}).get("sval")
    return isinstance(value, str) and value.startswith("request.jwt")


__all__ = ["UNREAD", "BodyFacts", "body_facts"]
