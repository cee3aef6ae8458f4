"""Who owns the tables a new table points at, read from the project's migrations (no database):
the scaffold pins a foreign key to an owned or private parent in its write policies, so a user
cannot put a row under someone else's (a task into another user's project, an invoice under
another organisation's event)."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class Parents:
    """What the migrations say about the tables a new table may point at."""

    # (schema, table) -> the column naming its owner: a column referencing auth.users
    owners: dict[Table, str] = field(default_factory=dict)
    # RLS on, and signed-in users read rows only through policies that are not `using (true)`
    # (an organisation's events): a child must sit under a parent row its author can read
    private: set[Table] = field(default_factory=set)


@dataclass
class _Reads:
    rls: bool = False
    conditional: int = 0  # SELECT policies for signed-in users with a condition
    open: int = 0  # ... that are `using (true)`


def _for_signed_in(stmt: pb.CreatePolicyStmt) -> bool:
    if stmt.cmd_name not in ("all", "select"):
        return False
    roles = [r.role_spec for r in stmt.roles]
    return not roles or any(r.roletype == pb.ROLESPEC_PUBLIC or r.rolename == "authenticated" for r in roles)


def _literally_true(node: pb.Node) -> bool:
    return node.WhichOneof("node") == "a_const" and node.a_const.HasField("boolval") and node.a_const.boolval.boolval


def read_parents(migrations_dir: Path, root: Path, default_schema: str = "public") -> Parents:
    """Owners: tables the migrations create with a column referencing auth.users (NOT NULL first,
    then the usual owner names). Private: tables whose RLS is enabled and whose SELECT policies
    for signed-in users all have a condition. Files that cannot be read or parsed are skipped:
    the scaffold then writes no pin for their tables."""
    out = Parents()
    reads: dict[Table, _Reads] = {}
    if not migrations_dir.is_dir():
        return out
    for mf in discover(migrations_dir, root).files:
        try:
            text, problem = decode_sql(read_bytes(mf.path, mf.rel))
            statements = [] if problem is not None else split_statements(text)
        except (MigrationError, SqlSyntaxError, RecursionError):
            continue
        for s in statements:
            if s.kind == "create_policy_stmt" and _for_signed_in(s.node):
                rv = s.node.table
                seen = reads.setdefault((rv.schemaname or default_schema, rv.relname), _Reads())
                if _literally_true(s.node.qual):
                    seen.open += 1
                else:
                    seen.conditional += 1
            elif s.kind == "alter_table_stmt":
                rv = s.node.relation
                for cmd in s.node.cmds:
                    sub = cmd.alter_table_cmd.subtype
                    if sub in (pb.AT_EnableRowSecurity, pb.AT_DisableRowSecurity):
                        reads.setdefault((rv.schemaname or default_schema, rv.relname),
                                         _Reads()).rls = sub == pb.AT_EnableRowSecurity
            elif s.kind == "create_stmt":
                rv = s.node.relation
                not_null, users = _columns(s.node)
                key = (rv.schemaname or default_schema, rv.relname)
                reads[key] = _Reads()
                if users:
                    out.owners[key] = min(users, key=lambda c: (
                        not not_null.get(c, False), OWNER_NAMES.index(c) if c in OWNER_NAMES else len(OWNER_NAMES)))
                else:
                    out.owners.pop(key, None)
    out.private = {key for key, r in reads.items() if r.rls and r.conditional and not r.open}
    return out
