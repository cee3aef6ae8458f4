"""Who can reach what through the Data API: a surface that serves the table + USAGE + a
privilege, per role.

The surfaces: PostgREST (REST) serves the exposed schemas; pg_graphql, when installed and
`graphql_public` is exposed, serves the tables on PostgREST's extra search path (GraphQL);
the Storage and Realtime servers serve `storage.objects` and `realtime.messages` to the API
roles whatever the exposed schemas. The audit and the probe ask these questions instead of
assuming "schema = public".
"""

from __future__ import annotations

from toolkit.model import API_ROLES, Function, Schema, Snapshot, Table

# Schemas Supabase (or Postgres) owns: their objects are never reported as the user's.
PLATFORM_SCHEMAS = frozenset({
    "auth", "storage", "realtime", "_realtime", "extensions", "graphql", "graphql_public", "vault",
    "pgsodium", "pgsodium_masks", "net", "cron", "pgmq", "pgbouncer", "supabase_functions",
    "supabase_migrations", "supakit", "pgtle", "pgroonga", "repack", "tiger", "tiger_data",
    "topology", "_analytics", "_supavisor", "information_schema", "pg_catalog",
    "_timescaledb_cache", "_timescaledb_catalog", "_timescaledb_config", "_timescaledb_internal",
    "timescaledb_information", "timescaledb_experimental",
})

# Tables a Supabase server other than PostgREST serves to the API roles, and which one.
SERVICE_TABLES = {"storage.objects": "storage", "realtime.messages": "realtime"}
# GraphQL requests are RPC calls into this schema; with it unexposed, /graphql/v1 serves nothing.
GRAPHQL_ENDPOINT_SCHEMA = "graphql_public"
# pg_graphql reflects these relation kinds (not partitioned parents: their partitions instead).
GRAPHQL_KINDS = "rvmf"
API_SURFACES = ("rest", "graphql")

# Privileges through which a role can use a relation over the API, per command.
DML = ("select", "insert", "update", "delete")
_COLUMN_GRANTABLE = ("select", "insert", "update")


def is_platform_schema(name: str) -> bool:
    return name in PLATFORM_SCHEMAS or name.startswith(("pg_", "_timescaledb"))


class Exposure:
    """Answers reachability questions about one snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._schemas: dict[str, Schema] = {s.name: s for s in snapshot.schemas}
        self._reach: dict[tuple[str, str], frozenset[str]] = {}
        self._surfaces: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.graphql = (any(e.name == "pg_graphql" for e in snapshot.extensions)
                        and self.schema_exposed(GRAPHQL_ENDPOINT_SCHEMA))
        self._graphql_schemas = frozenset(snapshot.extra_search_path) if self.graphql else frozenset()

    def schema_exposed(self, name: str) -> bool:
        sch = self._schemas.get(name)
        return bool(sch and sch.exposed)

    def graphql_schema(self, name: str) -> bool:
        """pg_graphql reflects this schema's tables at /graphql/v1."""
        return name in self._graphql_schemas

    def surfaces(self, table: Table) -> tuple[str, ...]:
        """How the table can be served, grants aside: rest, graphql, storage, realtime."""
        return self._served(table)[0]

    def api_surfaces(self, table: Table) -> tuple[str, ...]:
        """The Data API's surfaces (REST, GraphQL) that serve the table."""
        return self._served(table)[1]

    def _served(self, table: Table) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(every surface, the Data API's), computed once per table."""
        got = self._surfaces.get(table.identity)
        if got is None:
            out = []
            if self.schema_exposed(table.schema):
                out.append("rest")
            if table.kind in GRAPHQL_KINDS and self.graphql_schema(table.schema):
                out.append("graphql")
            service = SERVICE_TABLES.get(table.identity)
            if service:
                out.append(service)
            got = (tuple(out), tuple(s for s in out if s in API_SURFACES))
            self._surfaces[table.identity] = got
        return got

    def has_usage(self, schema: str, role: str) -> bool:
        sch = self._schemas.get(schema)
        return bool(sch and (role in sch.usage or "PUBLIC" in sch.usage))

    def is_user_table(self, table: Table) -> bool:
        """A relation the project created: not in a platform schema, not an extension's."""
        return not is_platform_schema(table.schema) and table.extension is None

    def is_user_function(self, fn: Function) -> bool:
        return not is_platform_schema(fn.schema) and fn.extension is None

    def has_privilege(self, table: Table, role: str, command: str) -> bool:
        """The role holds the table privilege, or (select/insert/update) any column privilege,
        itself or through PUBLIC."""
        for grantee in (role, "PUBLIC"):
            if command in table.privileges.get(grantee, ()):
                return True
            if command in _COLUMN_GRANTABLE and table.column_privileges.get(grantee, {}).get(command):
                return True
        return False

    def readable_columns(self, table: Table, role: str) -> list[str]:
        """The columns `role` may select (every column with a table grant), itself or through
        PUBLIC."""
        for grantee in (role, "PUBLIC"):
            if "select" in table.privileges.get(grantee, ()):
                return [c.name for c in table.columns]
        cols: set[str] = set()
        for grantee in (role, "PUBLIC"):
            cols.update(table.column_privileges.get(grantee, {}).get("select", ()))
        return [c.name for c in table.columns if c.name in cols]

    def reaches(self, table: Table, role: str, command: str) -> bool:
        """`role` can run `command` on `table` through the API (RLS aside)."""
        return command in self.commands(table, role)

    def commands(self, table: Table, role: str) -> frozenset[str]:
        """The commands `role` can run on `table` through the API (RLS aside)."""
        key = (table.identity, role)
        cmds = self._reach.get(key)
        if cmds is None:
            served = bool(self.surfaces(table)) and self.has_usage(table.schema, role)
            cmds = frozenset(c for c in DML if served and self.has_privilege(table, role, c))
            self._reach[key] = cmds
        return cmds

    def denied_by_default(self, table: Table, role: str, command: str,
                          acts_as: frozenset[str] = frozenset()) -> bool:
        """RLS is on and no permissive policy for `command` applies to `role` (or to a role in
        `acts_as`, whose privileges it has): Postgres adds a constant-false qual, so a select,
        update or delete sees no row and an insert fails its WITH CHECK. Only the command's own
        policies (and ALL) count: SELECT policies never let an UPDATE or DELETE through. Owners
        and BYPASSRLS roles are not subject to RLS at all; that is the caller's to rule out."""
        if table.kind not in ("r", "p") or not table.rls:
            return False
        names = acts_as | {role, "public"}
        return not any(p.permissive and p.covers(command) and names.intersection(p.roles)
                       for p in table.policies)

    def roles_reaching(self, table: Table, commands: tuple[str, ...] = DML) -> dict[str, tuple[str, ...]]:
        """role -> the commands it can run on the table through the API."""
        out: dict[str, tuple[str, ...]] = {}
        for role in API_ROLES:
            cmds = tuple(c for c in commands if self.reaches(table, role, c))
            if cmds:
                out[role] = cmds
        return out

    def exposed(self, table: Table) -> bool:
        """Some API role can use the table with some command."""
        return any(self.reaches(table, role, c) for role in API_ROLES for c in DML)

    def can_execute(self, fn: Function, role: str) -> bool:
        return (
            self.schema_exposed(fn.schema)
            and self.has_usage(fn.schema, role)
            and (role in fn.execute or "PUBLIC" in fn.execute)
        )

    def exposed_tables(self) -> list[Table]:
        return [t for t in self.snapshot.tables
                if t.kind in ("r", "p") and self.is_user_table(t) and self.exposed(t)]
