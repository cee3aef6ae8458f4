"""What `postgres` may do on a hosted Supabase project, decided statement by statement.

On Supabase `postgres` is not a superuser: the supautils extension makes it the *privileged role*
and runs some superuser-only statements on its behalf (event triggers, publications, role
attributes, a list of settings), then hands the new object to it; it protects the platform's
reserved roles and memberships; and since 2025-04-21 the `auth`, `storage` and `realtime` schemas
belong to the platform (`platform_schemas.py`). supautils is C code plain PostgreSQL lacks, so
the applier asks this gate what to run instead, and the superuser helpers of
`shim/stubs/_install.sql` do the privileged part inside the migration's own transaction.
The table of every case is in docs/shim.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit import platform_schemas
from toolkit.extensions import ExtensionGate, StatementRefused, sql_ident, sql_literal
from toolkit.model import Location
from toolkit.platform_schemas import Target
from toolkit.sql.split import Statement

if TYPE_CHECKING:
    import psycopg

# supautils.reserved_roles on hosted projects; the starred ones (`anon*`, ...) the privileged role
# may still configure (settings, memberships), but never alter or drop.
RESERVED_ROLES = frozenset({
    "supabase_admin", "supabase_auth_admin", "supabase_storage_admin", "supabase_realtime_admin",
    "supabase_replication_admin", "supabase_read_only_user", "supabase_functions_admin", "supabase_etl_admin",
    "dashboard_user", "pgbouncer",
})
CONFIGURABLE_ROLES = frozenset({"anon", "authenticated", "authenticator", "service_role"})
PRIVILEGED_ROLE = "postgres"
# supautils.reserved_memberships: roles nobody but a superuser may grant.
HOST_ACCESS_ROLES = ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files")
RESERVED_MEMBERSHIPS = frozenset({
    *HOST_ACCESS_ROLES, "supabase_admin", "supabase_auth_admin", "supabase_storage_admin",
    "supabase_read_only_user", "supabase_realtime_admin", "supabase_replication_admin", "supabase_etl_admin",
    "dashboard_user", "pgbouncer", "authenticator",
})
# supautils.privileged_role_allowed_configs: settings `postgres` may set although only a superuser
# could (a trailing `.*` allows a whole prefix).
ALLOWED_CONFIGS = (
    "auto_explain.*", "log_lock_waits", "log_min_duration_statement", "log_min_messages",
    "log_parameter_max_length", "log_replication_commands", "log_statement", "log_temp_files",
    "pg_net.batch_size", "pg_net.ttl", "pg_stat_statements.*", "pgaudit.*", "pgrst.*", "plan_filter.*",
    "safeupdate.enabled", "session_replication_role", "track_io_timing", "wal_compression",
)
# Role attributes a PostgreSQL 15 CREATEROLE role may not give, which supautils gives for it.
_SUPERUSER_ATTRIBUTES = ("bypassrls", "isreplication")


def allowed_config(name: str) -> bool:
    name = name.lower()
    return any(name == c or (c.endswith(".*") and name.startswith(c[:-1])) for c in ALLOWED_CONFIGS)


@dataclass(frozen=True)
class PlatformChange:
    """A statement a hosted project refuses in a platform schema, and what supakit did with it."""

    location: Location
    target: Target
    action: str  # replayed | skipped | no_effect
    owner: str | None
    message: str
    remediation: str


@dataclass(frozen=True)
class Plan:
    """What the applier runs for one statement: `sql` (None skips it), with the platform rights
    lent around it when `lend`."""

    sql: str | None
    lend: bool = False


@dataclass
class PrivilegeGate:
    conn: psycopg.Connection
    extensions: ExtensionGate
    changes: list[PlatformChange] = field(default_factory=list)

    # -- per file -----------------------------------------------------------------------------
    def prepare(self, stmts: list[Statement]) -> None:
        """Before the file's transaction: register the applier's key when a statement will need it
        (a snapshot the migration takes later must already see it)."""
        if any(self._needs_key(s) for s in stmts) and not self._superuser():
            self.extensions.key()

    def _needs_key(self, stmt: Statement) -> bool:
        if stmt.kind in ("create_publication_stmt", "alter_publication_stmt", "variable_set_stmt",
                         "alter_role_set_stmt", "alter_role_stmt", "create_role_stmt"):
            return True
        return platform_schemas.target(stmt) is not None or platform_schemas.manages_granted_tables(stmt)

    # -- per statement ------------------------------------------------------------------------
    @staticmethod
    def solo(stmt: Statement) -> bool:
        """Must run on its own, after every statement before it: its plan reads the database."""
        found = platform_schemas.target(stmt)
        return found is not None and (found.existing or found.kind == "function")

    def plan(self, stmt: Statement, loc: Location) -> Plan | None:
        """None when supautils would not touch `stmt`. Raises StatementRefused for what a hosted
        project refuses outright."""
        found = platform_schemas.target(stmt)
        if found is not None:
            return self._platform(stmt, found, loc)
        if platform_schemas.manages_granted_tables(stmt):
            return Plan(stmt.text, lend=not self._superuser() and self.extensions.key() is not None)
        handler = _ROLE_HANDLERS.get(stmt.kind)
        return handler(self, stmt) if handler is not None else None

    # -- the platform schemas -----------------------------------------------------------------
    def _platform(self, stmt: Statement, found: Target, loc: Location) -> Plan:
        lend = not self._superuser() and self.extensions.key() is not None
        if found.granted:
            return Plan(stmt.text, lend=lend)
        if found.op == "revoke":
            self._note(loc, found, "no_effect", None)
            return Plan(stmt.text)
        if found.op == "write":
            self._note(loc, found, "skipped", None)
            return Plan(None)
        owner = self._owner(found) if found.existing or found.kind == "function" else None
        mine = owner is None or owner == PRIVILEGED_ROLE or self._superuser() and owner == self._user()
        if owner is not None and not mine and (found.kind == "function" or found.op in ("drop", "rename", "owner")):
            self._note(loc, found, "skipped", owner)
            return Plan(None)
        if mine and found.op in ("drop", "alter", "comment", "owner"):
            return Plan(stmt.text)  # its own object: the owner may, as on hosted
        self._note(loc, found, "replayed", None if mine else owner)
        return Plan(stmt.text, lend=lend)

    def _owner(self, found: Target) -> str | None:
        if found.kind == "function":
            sql = ("select coalesce(max(r.rolname) filter (where r.rolname <> current_user), max(r.rolname)) "
                   "from pg_proc p join pg_roles r on r.oid = p.proowner "
                   "where p.pronamespace = to_regnamespace(%s) and p.proname = %s")
        elif found.kind == "type":
            sql = ("select r.rolname from pg_type t join pg_roles r on r.oid = t.typowner "
                   "where t.typnamespace = to_regnamespace(%s) and t.typname = %s")
        else:
            sql = ("select r.rolname from pg_class c join pg_roles r on r.oid = c.relowner "
                   "where c.relnamespace = to_regnamespace(%s) and c.relname = %s")
        row = self.conn.execute(sql, (found.schema, found.name)).fetchone()
        return row[0] if row else None

    def _note(self, loc: Location, found: Target, action: str, owner: str | None) -> None:
        message, remediation = describe(found, action, owner)
        self.changes.append(PlatformChange(loc, found, action, owner, message, remediation))

    # -- supautils' privileged role -----------------------------------------------------------
    def _superuser(self) -> bool:
        return self.extensions.superuser()

    def _user(self) -> str:
        row = self.conn.execute("select current_user").fetchone()
        return str(row[0]) if row else ""

    def _privileged(self, stmt: Statement, kind: str = "", name: str = "") -> Plan | None:
        """Run as the superuser, as supautils does; natively when we cannot."""
        key = None if self._superuser() else self.extensions.key()
        if key is None:
            return None
        return Plan("select supakit.run_privileged(" + ", ".join(
            sql_literal(v) for v in (key, stmt.text, kind, name)) + ", current_setting('search_path'))")

    def _event_trigger(self, stmt: Statement) -> Plan | None:
        if self._superuser() or not self.extensions.helpers():
            return None
        node = stmt.node
        tags = [i.string.sval for w in node.whenclause for i in w.def_elem.arg.list.items
                if w.def_elem.defname == "tag"]
        func = ".".join(sql_ident(n.string.sval) for n in node.funcname)
        array = "array[" + ", ".join(sql_literal(t) for t in tags) + "]::text[]" if tags else "null"
        return Plan(f"select supakit.create_event_trigger({sql_literal(node.trigname)}, {sql_literal(node.eventname)}, "
                    f"{array}, {sql_literal(func + '()')}::regprocedure)")

    def _publication(self, stmt: Statement) -> Plan | None:
        return self._privileged(stmt, "publication", stmt.node.pubname)

    def _alter_publication(self, stmt: Statement) -> Plan | None:
        return self._privileged(stmt)

    def _setting(self, stmt: Statement) -> Plan | None:
        return self._privileged(stmt) if stmt.node.name and allowed_config(stmt.node.name) else None

    def _role_setting(self, stmt: Statement) -> Plan | None:
        role = stmt.node.role.rolename
        if role in RESERVED_ROLES:
            raise _reserved(role)
        setting = stmt.node.setstmt.name
        return self._privileged(stmt) if setting and allowed_config(setting) else None

    def _alter_role(self, stmt: Statement) -> Plan | None:
        role = stmt.node.role.rolename
        if role in RESERVED_ROLES or role in CONFIGURABLE_ROLES:
            raise _reserved(role)
        if role == PRIVILEGED_ROLE:
            raise StatementRefused("permission denied to alter role (only superusers can alter privileged roles; "
                                   "supautils refuses it on Supabase)", "42501")
        return self._privileged(stmt) if _gives_superuser_attribute(stmt.node.options) else None

    def _create_role(self, stmt: Statement) -> Plan | None:
        name = stmt.node.role
        if name in RESERVED_ROLES or name in CONFIGURABLE_ROLES:
            raise _reserved(name)
        for opt in stmt.node.options:
            if opt.def_elem.defname == "addroleto":
                for item in opt.def_elem.arg.list.items:
                    _check_membership(item.role_spec.rolename)
        return self._privileged(stmt) if _gives_superuser_attribute(stmt.node.options) else None

    def _drop_role(self, stmt: Statement) -> Plan | None:
        for spec in stmt.node.roles:
            name = spec.role_spec.rolename
            if name in RESERVED_ROLES or name in CONFIGURABLE_ROLES:
                raise _reserved(name)
        return None

    def _grant_role(self, stmt: Statement) -> Plan | None:
        node = stmt.node
        if node.is_grant:
            for granted in node.granted_roles:
                _check_membership(granted.access_priv.priv_name)
        for grantee in node.grantee_roles:
            if grantee.role_spec.rolename in RESERVED_ROLES:
                raise _reserved(grantee.role_spec.rolename)
        return None

    def _rename(self, stmt: Statement) -> Plan | None:
        from postgast import pg_query_pb2

        if pg_query_pb2.ObjectType.Name(stmt.node.rename_type) != "OBJECT_ROLE":
            return None
        for name in (stmt.node.subname, stmt.node.newname):
            if name in RESERVED_ROLES or name in CONFIGURABLE_ROLES:
                raise _reserved(name)
        return None


_ROLE_HANDLERS = {
    "create_event_trig_stmt": PrivilegeGate._event_trigger,
    "create_publication_stmt": PrivilegeGate._publication,
    "alter_publication_stmt": PrivilegeGate._alter_publication,
    "variable_set_stmt": PrivilegeGate._setting,
    "alter_role_set_stmt": PrivilegeGate._role_setting,
    "alter_role_stmt": PrivilegeGate._alter_role,
    "create_role_stmt": PrivilegeGate._create_role,
    "drop_role_stmt": PrivilegeGate._drop_role,
    "grant_role_stmt": PrivilegeGate._grant_role,
    "rename_stmt": PrivilegeGate._rename,
}


def _gives_superuser_attribute(options: Any) -> bool:
    return any(o.def_elem.defname in _SUPERUSER_ATTRIBUTES and o.def_elem.arg.boolean.boolval for o in options)


def _reserved(role: str) -> StatementRefused:
    return StatementRefused(f'"{role}" is a reserved role, only superusers can modify it (supautils refuses '
                            "it on Supabase)", "42501")


def _check_membership(role: str) -> None:
    if role in HOST_ACCESS_ROLES:
        raise StatementRefused(f"refused: granting {role} gives access to the machine running the audit; "
                               "supakit does not run it on a throwaway cluster", "42501")
    if role in RESERVED_MEMBERSHIPS:
        raise StatementRefused(f'"{role}" role memberships are reserved, only superusers can grant them '
                               "(supautils refuses it on Supabase)", "42501")


_VERBS = {
    "create": "creating {kind} {q}", "replace": "replacing function {q}()", "alter": "altering {kind} {q}",
    "drop": "dropping {kind} {q}", "rename": "renaming {kind} {q}", "owner": "changing the owner of {kind} {q}",
    "comment": "commenting on {kind} {q}", "index": "creating an index on {q}", "policy": "a policy on {q}",
    "drop_trigger": "dropping a trigger on {q}", "write": "writing to {q}", "revoke": "revoking API roles' "
    "privileges on {q}",
}
_WHERE = ("fails on hosted Supabase projects created since {since} and on every branch (branches replay "
          "all migrations)")


def describe(found: Target, action: str, owner: str | None) -> tuple[str, str]:
    """The finding's message and remediation for one platform-schema statement."""
    q = found.qualified + (" (all tables)" if found.name == "*" else "")
    kind = "function" if found.kind == "function" else found.kind
    what = _VERBS[found.op].format(kind=kind, q=q)
    fails = _WHERE.format(since=platform_schemas.SINCE)
    if action == "no_effect":
        return (f"{what} has no effect on hosted Supabase since {platform_schemas.SINCE}: the platform keeps "
                "anon, authenticated and service_role's grants on its tables (supakit keeps them too)",
                "Delete the revoke and restrict access with RLS policies on the table, which stay allowed.")
    if found.op == "write":
        service = platform_schemas.MIGRATION_TABLES[found.qualified]
        return (f"{what} {fails}: it is the {service} server's migration history, which postgres may no longer "
                "write; supakit did not run it",
                f"Delete the statement; the {service} server keeps its own migration history.")
    if action == "skipped":
        return (f"{what} {fails}: {q} belongs to {owner}, not postgres; supakit did not run it, so the audit "
                f"uses the platform's {q}",
                f"Delete the statement: the platform's {q} is already there (a `supabase db pull` dump repeats "
                "it). For other behaviour, write your own function in a schema of your own (e.g. `private`) "
                "and call that instead.")
    why = (f"{q} belongs to {owner} and postgres is no longer a member of it" if owner
           else f"postgres may no longer create objects in the {found.schema} schema")
    ran = "; supakit ran it with the rights postgres had before, and audited the rest"
    if found.op in ("create", "replace"):
        fix = (f"Move it to a schema of your own (e.g. `create schema private;`) and use it from there; "
               f"reference {found.schema} tables only by foreign key, policy or trigger.")
    else:
        fix = (f"Delete the statement, or keep what it adds in a table of your own linked to {q} by a foreign "
               "key; policies and triggers on the platform's user, identity, session, storage and realtime "
               "tables stay allowed.")
    return f"{what} {fails}: {why}{ran}", fix



__all__ = ["PlatformChange", "Plan", "PrivilegeGate", "allowed_config", "describe"]
