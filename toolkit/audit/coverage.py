"""The RLS coverage matrix: per table the Data API serves (over REST, or GraphQL when pg_graphql
is on), API role and command, what a request gets. Each cell names the surfaces serving it.

Statuses, strongest grant first: `no grant` (the role lacks the privilege or schema USAGE),
`no RLS` (granted and RLS is off: every row), `denied` (RLS on, no permissive policy for this
role and command), `open` (a permissive policy that is literally true), `row-scoped` (every
applicable permissive policy ties a row column to the caller, or a restrictive one does),
`predicate` (anything else). Restrictive policies narrow what permissive ones grant; they
never open anything.
"""

from __future__ import annotations

from toolkit.audit.context import AuditContext
from toolkit.facts import is_platform_schema
from toolkit.model import API_ROLES, COMMANDS, CoverageCell, Location, Policy, Table


def cells(ctx: AuditContext, table: Table) -> list[CoverageCell]:
    """The table's eight cells, each with where its policies were created (when files are known)."""
    where: dict[str, Location | None] = {}
    if ctx.facts.source_map is not None:
        where = {p.name: ctx.locate.policy(p) for p in table.policies}
    surfaces = ctx.exposure.api_surfaces(table)
    out = []
    for role in API_ROLES:
        for command in COMMANDS:
            status, policies = cell_status(ctx, table, role, command)
            locations = tuple(where[name] for name in policies) if where else ()
            out.append(CoverageCell(table.schema, table.name, role, command, status, policies,
                                    locations, surfaces))
    return out


def applicable(ctx: AuditContext, table: Table, role: str, command: str
               ) -> tuple[list[Policy], list[Policy]]:
    """(permissive policies that can grant rows, restrictive policies that narrow them)."""
    permissive, restrictive = [], []
    for p in table.policies:
        if not p.applies_to(role) or not p.covers(command):
            continue
        if p.permissive:
            if ctx.mode(p, command) is not None:
                permissive.append(p)
        else:
            restrictive.append(p)
    return permissive, restrictive


def cell_status(ctx: AuditContext, table: Table, role: str, command: str
                ) -> tuple[str, tuple[str, ...]]:
    if not ctx.exposure.reaches(table, role, command):
        return "no grant", ()
    if not table.rls:
        return "no RLS", ()
    permissive, restrictive = applicable(ctx, table, role, command)
    names = tuple(p.name for p in permissive + restrictive)
    if not permissive:
        return "denied", names
    grants = [ctx.mode(p, command) for p in permissive]
    narrows = [ctx.mode(p, command) for p in restrictive]
    if "scoped" in narrows:
        return "row-scoped", names
    if "open" in grants:
        return ("predicate" if "predicate" in narrows else "open"), names
    if all(m == "scoped" for m in grants):
        return "row-scoped", names
    return "predicate", names


def coverage_tables(ctx: AuditContext) -> list[Table]:
    """User tables (incl. partitioned ones and partitions) the Data API serves, over REST or
    GraphQL."""
    return [t for t in ctx.snapshot.tables
            if t.kind in ("r", "p") and t.extension is None and not is_platform_schema(t.schema)
            and ctx.exposure.api_surfaces(t)]


def coverage_matrix(ctx: AuditContext) -> list[CoverageCell]:
    return [c for t in coverage_tables(ctx) for c in cells(ctx, t)]
