"""Which statements of a generated migration lose data: they are not written without
--allow-destructive. Decided from the parse tree, not from the words in the text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from postgast import pg_query_pb2 as pb

from toolkit.model import Location
from toolkit.sql.split import Statement

# (schema, table, column) -> the column's type as the catalog prints it, before or after.
ColumnType = Callable[[str, str, str], "str | None"]

_SIZED = re.compile(r"^(?P<base>character varying|numeric|bit varying)(?:\((?P<a>\d+)(?:,(?P<b>\d+))?\))?$")


@dataclass(frozen=True)
class Destructive:
    location: Location
    statement: str
    why: str

    def __str__(self) -> str:
        return f"{self.location}: {self.why}: {self.statement}"


def _widens(old: str, new: str) -> bool:
    """Type changes Postgres makes without a rewrite and without cutting a value: a longer (or
    unbounded) varchar, varchar to text, more numeric precision at the same scale."""
    if old.startswith("character varying") and new == "text":
        return True
    n = _SIZED.match(new.replace(", ", ","))
    o = _SIZED.match(old.replace(", ", ","))
    if o is None or n is None or o["base"] != n["base"]:
        return False
    if n["a"] is None:
        return True
    if o["a"] is None:
        return False
    if o["base"] == "numeric" and (o["b"] or "0") != (n["b"] or "0"):
        return False
    return int(n["a"]) >= int(o["a"])


def _relation(rv: pb.RangeVar) -> tuple[str, str]:
    return rv.schemaname or "public", rv.relname


def classify(stmt: Statement, rel: str, old_type: ColumnType, new_type: ColumnType) -> list[Destructive]:
    """The reasons `stmt` loses data, if any."""
    loc = Location(rel, stmt.line, stmt.column)
    head = stmt.text.splitlines()[0] if stmt.text else ""

    def hit(why: str) -> Destructive:
        return Destructive(loc, head, why)

    if stmt.kind == "drop_stmt":
        if stmt.node.remove_type == pb.OBJECT_TABLE:
            return [hit("drops a table and every row in it")]
        if stmt.node.remove_type == pb.OBJECT_SCHEMA:
            return [hit("drops a schema")]
        return []
    if stmt.kind in ("truncate_stmt", "delete_stmt"):
        return [hit("deletes rows")]
    if stmt.kind != "alter_table_stmt":
        return []
    schema, table = _relation(stmt.node.relation)
    out = []
    for c in stmt.node.cmds:
        cmd = c.alter_table_cmd
        if cmd.subtype == pb.AT_DropColumn:
            out.append(hit(f"drops column {cmd.name} and its values"))
        elif cmd.subtype == pb.AT_AlterColumnType:
            old, new = old_type(schema, table, cmd.name), new_type(schema, table, cmd.name)
            if old is not None and new is not None and old != new and _widens(old, new):
                continue
            change = f"from {old} to {new}" if old and new and old != new else f"to a recreated {new or 'type'}"
            out.append(hit(f"changes the type of column {cmd.name} {change}: the table is rewritten and "
                           "values that do not fit are cut or rejected"))
    return out


__all__ = ["Destructive", "classify"]
