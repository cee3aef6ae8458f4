"""What a function's body reads, writes and calls, and whether it looks at who is calling.

Read from `pg_get_functiondef` through libpg_query (postgast): an SQL body is parsed as SQL (a
`BEGIN ATOMIC` body comes deparsed with schema-qualified names); a PL/pgSQL body is parsed by
libpg_query's PL/pgSQL parser and every SQL expression in it is then parsed as SQL. Names are
returned as written (`public.orders`, or `orders` when unqualified); resolving them against a
catalog is the caller's job. The analysis never raises: a body it cannot read says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import postgast
from google.protobuf.message import Message
from postgast import pg_query_pb2 as pb

from toolkit.sql.policy_expr import AUTH_FUNCTIONS

# Value functions that name the role running the statement (SQLValueFunction ops).
_ROLE_VALUES = frozenset({
    pb.SVFOP_CURRENT_USER, pb.SVFOP_CURRENT_ROLE, pb.SVFOP_SESSION_USER, pb.SVFOP_USER,
})
_SETTING_FUNCTIONS = frozenset({"current_setting", "pg_catalog.current_setting"})
_WRITES = (pb.InsertStmt, pb.UpdateStmt, pb.DeleteStmt, pb.MergeStmt)
# PL/pgSQL expression parse modes (libpg_query's RawParseMode): 0 a statement, 2 an expression,
# 3-5 an assignment `target := expression`.
_STATEMENT, _EXPRESSION = 0, 2
_ASSIGNMENT = re.compile(r"^[^:=]*?:?=\s*", re.DOTALL)


@dataclass(frozen=True)
class BodyFacts:
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
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
    except (postgast.PgQueryError, ValueError, KeyError, TypeError):
        return UNREAD


def _sql_function(definition: str) -> BodyFacts:
    tree = postgast.parse(definition)
    stmt = postgast.unwrap_node(tree.stmts[0].stmt)
    if not isinstance(stmt, pb.CreateFunctionStmt):
        return UNREAD
    if stmt.HasField("sql_body"):
        return _Collector().add_tree(stmt.sql_body).facts()
    for opt in stmt.options:
        elem = postgast.unwrap_node(opt)
        if isinstance(elem, pb.DefElem) and elem.defname == "as":
            items = postgast.unwrap_node(elem.arg)
            body = postgast.unwrap_node(items.items[0]) if isinstance(items, pb.List) else items
            if isinstance(body, pb.String):
                return _Collector().add_tree(postgast.parse(body.sval)).facts()
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
            collector.add_tree(postgast.parse(text))
        except postgast.PgQueryError:
            collector.unreadable = True
    return collector.facts()


def _plpgsql_exprs(node: Any) -> Iterator[dict[str, Any]]:
    """Every PLpgSQL_expr in the parsed function; EXECUTE statements yield a marker first."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors") or (
                    key == "PLpgSQL_stmt_return_query" and isinstance(value, dict)
                    and "dynquery" in value) or (key == "PLpgSQL_stmt_open" and isinstance(value, dict)
                                                 and "dynquery" in value):
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
        self.calls: set[str] = set()
        self.checks: list[str] = []
        self.dynamic = False
        self.unreadable = False

    def add_tree(self, tree: Message) -> _Collector:
        written: set[tuple[str, int]] = set()
        ctes: set[str] = set()
        for node in _nodes(tree, _WRITES + (pb.TruncateStmt, pb.CommonTableExpr)):
            if isinstance(node, pb.CommonTableExpr):
                ctes.add(node.ctename)
            elif isinstance(node, pb.TruncateStmt):
                for rel in node.relations:
                    rv = postgast.unwrap_node(rel)
                    self.writes.add(_name(rv))
                    written.add((_name(rv), rv.location))
            else:
                rv = node.relation
                self.writes.add(_name(rv))
                written.add((_name(rv), rv.location))
        for rv in _nodes(tree, (pb.RangeVar,)):
            name = _name(rv)
            if (name, rv.location) in written or (not rv.schemaname and name in ctes):
                continue
            self.reads.add(name)
        for call in _nodes(tree, (pb.FuncCall,)):
            name = ".".join(postgast.unwrap_node(n).sval for n in call.funcname).lower()
            self.calls.add(name)
            if name in AUTH_FUNCTIONS:
                self._check(f"{name}()")
            elif name in _SETTING_FUNCTIONS and call.args and _reads_request_claims(call):
                self._check("current_setting('request.jwt.claims')")
        for value in _nodes(tree, (pb.SQLValueFunction,)):
            if value.op in _ROLE_VALUES:
                self._check(pb.SQLValueFunctionOp.Name(value.op).removeprefix("SVFOP_").lower())
        return self

    def _check(self, what: str) -> None:
        if what not in self.checks:
            self.checks.append(what)

    def facts(self) -> BodyFacts:
        return BodyFacts(frozenset(self.reads), frozenset(self.writes), frozenset(self.calls),
                         tuple(self.checks), self.dynamic, not self.unreadable)


def _nodes(tree: Message, kinds: tuple[type[Any], ...]) -> Iterator[Any]:
    for _field, node in postgast.walk(tree):
        if isinstance(node, kinds):
            yield node


def _name(rv: pb.RangeVar) -> str:
    return f"{rv.schemaname}.{rv.relname}" if rv.schemaname else rv.relname


def _reads_request_claims(call: pb.FuncCall) -> bool:
    first = postgast.unwrap_node(call.args[0])
    if isinstance(first, pb.A_Const) and first.WhichOneof("val") == "sval":
        return first.sval.sval.startswith("request.jwt")
    return False


__all__ = ["UNREAD", "BodyFacts", "body_facts"]
