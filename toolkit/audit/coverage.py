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
from toolkit.model import API_ROLES, COMMANDS, CoverageCell, Location, Table


def cells(ctx: AuditContext, table: Table) -> list[CoverageCell]:
    """The table's eight cells, each with where its policies were created (when files are known)."""
    where: dict[str, Location | None] = {}
    if ctx.facts.source_map is not None:
        where = {p.name: ctx.locate.policy(p) for p in table.policies}
    surfaces = ctx.exposure.api_surfaces(table)
    statuses = table_status(ctx, table)
    out = []
    for role in API_ROLES:
        for command in COMMANDS:
            status, policies = statuses[(role, command)]
            locations = tuple([where[name] for name in policies]) if where else ()
            out.append(CoverageCell(table.schema, table.name, role, command, status, policies,
                                    locations, surfaces))
    return out


def cell_status(ctx: AuditContext, table: Table, role: str, command: str
                ) -> tuple[str, tuple[str, ...]]:
    """(status, the permissive then restrictive policies that decide it) of one cell."""
    return table_status(ctx, table)[(role, command)]


def table_status(ctx: AuditContext, table: Table) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    """`cell_status` of the table's eight cells, worked out together once (each policy's roles
    and modes are read once, not once per cell)."""
    got = ctx.cells.get(table.identity)
    if got is None:
        got = ctx.cells[table.identity] = _statuses(ctx, table)
    return got


_NO_GRANT: tuple[str, tuple[str, ...]] = ("no grant", ())
_NO_RLS: tuple[str, tuple[str, ...]] = ("no RLS", ())


def _statuses(ctx: AuditContext, table: Table) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    rls = table.rls
    policies = [(p, ctx.modes(p)) for p in table.policies] if rls else []
    out: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
    for role in API_ROLES:
        reach = ctx.exposure.commands(table, role)
        mine = [(p, modes) for p, modes in policies if p.applies_to(role)]
        for command in COMMANDS:
            if command not in reach:
                out[(role, command)] = _NO_GRANT
                continue
            if not rls:
                out[(role, command)] = _NO_RLS
                continue
            # Permissive policies that can grant rows, restrictive ones that narrow them.
            permissive: list[str] = []
            grants: list[str | None] = []
            restrictive: list[str] = []
            narrows: list[str | None] = []
            for p, modes in mine:
                if not p.covers(command):
                    continue
                mode = modes[command]
                if not p.permissive:
                    restrictive.append(p.name)
                    narrows.append(mode)
                elif mode is not None:
                    permissive.append(p.name)
                    grants.append(mode)
            out[(role, command)] = (_verdict(grants, narrows), tuple(permissive + restrictive))
    return out


def _verdict(grants: list[str | None], narrows: list[str | None]) -> str:
    if not grants:
        return "denied"
    if "scoped" in narrows:
        return "row-scoped"
    if "open" in grants:
        return "predicate" if "predicate" in narrows else "open"
    if all(m == "scoped" for m in grants):
        return "row-scoped"
    return "predicate"


def coverage_tables(ctx: AuditContext) -> list[Table]:
    """User tables (incl. partitioned ones and partitions) the Data API serves, over REST or
    GraphQL."""
    return [t for t in ctx.snapshot.tables
            if t.kind in ("r", "p") and t.extension is None and not is_platform_schema(t.schema)
            and ctx.exposure.api_surfaces(t)]


def coverage_matrix(ctx: AuditContext) -> list[CoverageCell]:
    return [c for t in coverage_tables(ctx) for c in cells(ctx, t)]
