"""RLS hygiene inside one migration: tables born without RLS, policies for PUBLIC, RLS switched off."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from postgast import pg_query_pb2 as pb

from toolkit.lint.source import LintContext, ParsedFile, range_var_name, stmt_location
from toolkit.model import Category, Cause, Finding, Level, Location, ObjectRef
from toolkit.registry import RuleInfo, Stage, rule

TABLE_WITHOUT_RLS = RuleInfo(
    id="table_without_rls", level=Level.ERROR, category=Category.SECURITY,
    summary="A table created in an exposed schema without ENABLE ROW LEVEL SECURITY in the same migration.",
    stage=Stage.LINT)
POLICY_WITHOUT_TO = RuleInfo(
    id="policy_without_to", level=Level.WARN, category=Category.SECURITY,
    summary="A permissive policy without TO (or TO public) also applies to anon.", stage=Stage.LINT,
    fix="Name the roles it is for, e.g. `to authenticated` (and `to anon` only for public data).")
RLS_DISABLED_STATEMENT = RuleInfo(
    id="rls_disabled_statement", level=Level.ERROR, category=Category.SECURITY,
    summary="A migration runs ALTER TABLE ... DISABLE ROW LEVEL SECURITY.", stage=Stage.LINT)


def _rls_commands(pf: ParsedFile, subtype: int, schemas: list[str]) -> Iterator[tuple[int, tuple[str, str]]]:
    for i, stmt in enumerate(pf.statements):
        if stmt.kind != "alter_table_stmt":
            continue
        if any(c.alter_table_cmd.subtype == subtype for c in stmt.node.cmds):
            yield i, range_var_name(stmt.node.relation, schemas[i])


def _enabled(pf: ParsedFile, ctx: LintContext) -> set[tuple[str, str]]:
    """Tables whose RLS this file enables."""
    schemas = pf.creation_schemas(ctx.default_schema)
    return {name for _, name in _rls_commands(pf, pb.AT_EnableRowSecurity, schemas)}


def _enabled_later(pf: ParsedFile, ctx: LintContext, name: tuple[str, str]) -> str | None:
    """The first later file of the run that enables RLS on the table."""
    by_file: dict[str, set[tuple[str, str]]] = ctx.memo.setdefault(TABLE_WITHOUT_RLS.id, {})
    for later in ctx.later(pf):
        if later.rel not in by_file:
            by_file[later.rel] = _enabled(later, ctx)
        if name in by_file[later.rel]:
            return later.rel
    return None


_ENABLES_RLS = re.compile(r"enable\s+row\s+level\s+security", re.IGNORECASE)


def _qualified(names: Iterable[Any]) -> str:
    parts = [n.string.sval for n in names]
    return parts[-1] if len(parts) == 1 else ".".join(parts[-2:])


def _guards(ctx: LintContext) -> list[tuple[int, int, str, Location]]:
    """Event triggers whose function enables RLS (the `ensure_rls` guard many teams install), as
    (file position, statement index, trigger name, where it is created), in apply order."""
    found: list[tuple[int, int, str, Location]] | None = ctx.memo.get("rls_guards")
    if found is None:
        found, enabling = [], set()
        for at, f in enumerate(ctx.files):
            for i, stmt in enumerate(f.statements):
                if stmt.kind == "create_function_stmt" and _ENABLES_RLS.search(stmt.text):
                    name = _qualified(stmt.node.funcname)
                    enabling |= {name, name.rsplit(".", 1)[-1]}
                elif stmt.kind == "create_event_trig_stmt" and _qualified(stmt.node.funcname) in enabling:
                    found.append((at, i, stmt.node.trigname, stmt_location(f, stmt)))
        ctx.memo["rls_guards"] = found
    return found


def _guarded_by(pf: ParsedFile, ctx: LintContext, index: int) -> tuple[str, Location] | None:
    at = ctx.position(pf)
    for g_at, g_index, name, where in _guards(ctx):
        if (g_at, g_index) < (at, index):
            return name, where
    return None


@rule(TABLE_WITHOUT_RLS)
def check_table_without_rls(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    """The folder is one history: a table a later migration secures is info there (naming that
    migration), an error only when no file ever enables its RLS, or in a file a change adds."""
    schemas = pf.creation_schemas(ctx.default_schema)
    enabled = _enabled(pf, ctx)
    dropped: set[tuple[str, str]] = set()
    for i, stmt in enumerate(pf.statements):
        if stmt.kind == "drop_stmt" and stmt.node.remove_type == pb.OBJECT_TABLE:
            for obj in stmt.node.objects:
                parts = [item.string.sval for item in obj.list.items]
                if parts:
                    dropped.add((parts[0], parts[1]) if len(parts) > 1 else (schemas[i], parts[0]))
    for i, stmt in enumerate(pf.statements):
        if stmt.kind == "create_stmt":
            rv = stmt.node.relation
        elif stmt.kind == "create_table_as_stmt" and stmt.node.objtype == pb.OBJECT_TABLE:
            rv = stmt.node.into.rel
        else:
            continue
        if rv.relpersistence == "t":
            continue
        name = range_var_name(rv, schemas[i])
        if name[0] not in ctx.exposed_schemas or name in enabled or name in dropped:
            continue
        message, level, remediation, extra = _unsecured(pf, ctx, i, name)
        yield TABLE_WITHOUT_RLS.finding(
            ObjectRef("table", *name), message, location=pf.node_location(rv.location, stmt), level=level,
            remediation=remediation, evidence={"schema": name[0], "table": name[1], **extra}, cause=Cause.RLS_OFF)


def _unsecured(pf: ParsedFile, ctx: LintContext, i: int,
               name: tuple[str, str]) -> tuple[str, Level | None, str, dict[str, str]]:
    """What a table created without RLS means in this folder's history: an event trigger or a
    later migration that enables it makes it info; otherwise the rule's own level."""
    qual = f"{name[0]}.{name[1]}"
    guard = _guarded_by(pf, ctx, i)
    if guard is not None:
        return (f"table {qual} is created without `enable row level security`; event trigger {guard[0]} "
                f"({guard[1]}) enables it as the table is created", Level.INFO,
                "Nothing to change while the event trigger stays; writing the `alter table` anyway keeps the "
                "migration safe on its own.", {"event_trigger": guard[0]})
    later = _enabled_later(pf, ctx, name)
    if later is not None:
        return (f"table {qual} is created in exposed schema {name[0]} without row level security; {later} "
                "enables it later, so this is history (the Data API served every row in between)", Level.INFO,
                "Nothing to change in this file; a new migration should enable RLS where it creates the table.",
                {"enabled_in": later})
    return (f"table {qual} is created in exposed schema {name[0]} without row level security: the Data API "
            "serves every row to any role holding a grant until RLS is enabled", None,
            f"Add `alter table {qual} enable row level security;` to this migration, with policies for the "
            "access you intend.", {})


@rule(POLICY_WITHOUT_TO)
def check_policy_roles(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    schemas = pf.creation_schemas(ctx.default_schema)
    for i, stmt in enumerate(pf.statements):
        if stmt.kind == "create_policy_stmt":
            if not stmt.node.permissive:
                continue
            roles = list(stmt.node.roles)
        elif stmt.kind == "alter_policy_stmt":
            roles = list(stmt.node.roles)
            if not roles:
                continue
        else:
            continue
        public = [r.role_spec for r in roles if r.role_spec.roletype == pb.ROLESPEC_PUBLIC]
        if not roles or public:
            schema, table = range_var_name(stmt.node.table, schemas[i])
            explicit = bool(public) and public[0].location >= 0
            loc = public[0].location if explicit else -1
            how = "TO public" if explicit else "no TO clause, so it applies to PUBLIC"
            yield POLICY_WITHOUT_TO.finding(
                ObjectRef("policy", schema, stmt.node.policy_name, parent=f"{schema}.{table}"),
                f"policy {stmt.node.policy_name!r} on {schema}.{table} has {how}: it also admits anon "
                "(signed-out requests) and every other role",
                location=pf.node_location(loc, stmt),
                evidence={"policy": stmt.node.policy_name, "table": f"{schema}.{table}", "explicit": explicit},
            )


@rule(RLS_DISABLED_STATEMENT)
def check_rls_disabled(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    schemas = pf.creation_schemas(ctx.default_schema)
    for i, name in _rls_commands(pf, pb.AT_DisableRowSecurity, schemas):
        stmt = pf.statements[i]
        exposed = name[0] in ctx.exposed_schemas
        qual = f"{name[0]}.{name[1]}"
        yield RLS_DISABLED_STATEMENT.finding(
            ObjectRef("table", *name),
            f"row level security is disabled on {qual}"
            + (": every policy stops applying and the Data API serves all rows to any role with a grant"
               if exposed else "; its schema is not exposed today, but policies no longer protect it"),
            location=pf.node_location(stmt.node.relation.location, stmt),
            remediation=f"Keep RLS on and change the policies instead; if {qual} must be open, say so with a policy "
            "and suppress this finding with a reason.",
            level=Level.ERROR if exposed else Level.WARN,
            evidence={"schema": name[0], "table": name[1], "exposed": exposed}, cause=Cause.RLS_OFF,
        )
