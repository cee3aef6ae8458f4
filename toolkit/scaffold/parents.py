"""Who owns the tables a new table points at, read from the project's migrations (no database):
the scaffold pins a foreign key to an owned parent in its write policies, so a user cannot put
a row under someone else's (a task into another user's project)."""

from __future__ import annotations

from pathlib import Path

from postgast import pg_query_pb2 as pb

from toolkit.errors import MigrationError
from toolkit.facts.scope import AUTH_USERS, OWNER_NAMES
from toolkit.migrations import decode_sql, discover, read_bytes
from toolkit.sql.split import SqlSyntaxError, split_statements

Table = tuple[str, str]


def _is_users(rv: pb.RangeVar) -> bool:
    return f"{rv.schemaname}.{rv.relname}" == AUTH_USERS


def _columns(stmt: pb.CreateStmt) -> tuple[dict[str, bool], set[str]]:
    """(column -> NOT NULL, columns referencing auth.users) of one CREATE TABLE."""
    not_null: dict[str, bool] = {}
    users: set[str] = set()
    for elt in stmt.table_elts:
        kind = elt.WhichOneof("node")
        if kind == "column_def":
            col = elt.column_def
            cons = [c.constraint for c in col.constraints]
            not_null[col.colname] = col.is_not_null or any(
                c.contype in (pb.CONSTR_NOTNULL, pb.CONSTR_PRIMARY) for c in cons)
            if any(c.contype == pb.CONSTR_FOREIGN and _is_users(c.pktable) for c in cons):
                users.add(col.colname)
        elif kind == "constraint":
            con = elt.constraint
            attrs = [a.string.sval for a in con.fk_attrs]
            if con.contype == pb.CONSTR_FOREIGN and _is_users(con.pktable) and len(attrs) == 1:
                users.add(attrs[0])
    return not_null, users


def owner_columns(migrations_dir: Path, root: Path, default_schema: str = "public") -> dict[Table, str]:
    """(schema, table) -> the column naming its owner, for tables the migrations create with a
    column referencing auth.users (NOT NULL first, then the usual owner names). Files that cannot
    be read or parsed are skipped: the scaffold then writes no pin for their tables."""
    out: dict[Table, str] = {}
    if not migrations_dir.is_dir():
        return out
    for mf in discover(migrations_dir, root).files:
        try:
            text, problem = decode_sql(read_bytes(mf.path, mf.rel))
            statements = [] if problem is not None else split_statements(text)
        except (MigrationError, SqlSyntaxError, RecursionError):
            continue
        for s in statements:
            if s.kind != "create_stmt":
                continue
            rv = s.node.relation
            not_null, users = _columns(s.node)
            key = (rv.schemaname or default_schema, rv.relname)
            if users:
                out[key] = min(users, key=lambda c: (not not_null.get(c, False),
                                                      OWNER_NAMES.index(c) if c in OWNER_NAMES else len(OWNER_NAMES)))
            else:
                out.pop(key, None)
    return out
