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


_CELLS = tuple((role, command) for role in API_ROLES for command in COMMANDS)
_NO_GRANT = ("no grant", ())
_NO_RLS = ("no RLS", ())


def _statuses(ctx: AuditContext, table: Table) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    """Worked out once per shape of table: what decides the cells is which commands each role
    reaches, RLS, and per policy (in order) whether it is permissive, its command, its roles and
    its modes; tables alike in these get the same statuses, each with its own
    policies' names."""
    commands = ctx.exposure.commands
    reach = tuple([commands(table, role) for role in API_ROLES])
    policies = table.policies if table.rls else ()
    # The modes dicts are shared by policies alike (AuditContext.modes) and live as long as ctx;
    # the roles stand for which API roles a policy applies to.
    modes = ctx.modes
    key = (table.rls, reach, tuple([(p.permissive, p.command, p.roles, id(modes(p))) for p in policies]))
    shape = ctx.status_shapes.get(key)
    if shape is None:
        shape = ctx.status_shapes[key] = _shape(ctx, table.rls, reach, policies)
    if not policies:
        return {cell: (status, ()) for cell, (status, _) in zip(_CELLS, shape, strict=True)}
    names = [p.name for p in policies]
    return {cell: (status, tuple([names[i] for i in chosen]) if chosen else ())
            for cell, (status, chosen) in zip(_CELLS, shape, strict=True)}


def _shape(ctx: AuditContext, rls: bool, reach: tuple[frozenset[str], ...], policies: tuple[Policy, ...]
           ) -> list[tuple[str, tuple[int, ...]]]:
    """Each cell's status and the indexes of the policies that decide it (permissive ones that
    can grant rows, then restrictive ones that narrow them)."""
    out: list[tuple[str, tuple[int, ...]]] = []
    for role, commands in zip(API_ROLES, reach, strict=True):
        mine = [(i, p, ctx.modes(p)) for i, p in enumerate(policies) if p.applies_to(role)]
        for command in COMMANDS:
            if command not in commands:
                out.append(_NO_GRANT)
                continue
            if not rls:
                out.append(_NO_RLS)
                continue
            permissive: list[int] = []
            grants: list[str | None] = []
            restrictive: list[int] = []
            narrows: list[str | None] = []
            for i, p, modes in mine:
                if not p.covers(command):
                    continue
                mode = modes[command]
                if not p.permissive:
                    restrictive.append(i)
                    narrows.append(mode)
                elif mode is not None:
                    permissive.append(i)
                    grants.append(mode)
            out.append((_verdict(grants, narrows), tuple(permissive + restrictive)))
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
