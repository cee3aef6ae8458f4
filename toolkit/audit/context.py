"""What every audit rule shares: the snapshot, the exposure model, analysed policy expressions,
owner columns, and where in the migrations each object came from."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from toolkit.audit.exposure import Exposure
from toolkit.model import (
    Finding,
    ForeignKey,
    Function,
    Index,
    Level,
    Location,
    ObjectRef,
    Policy,
    Snapshot,
    SourceMap,
    Table,
)
from toolkit.registry import RuleInfo
from toolkit.sql.policy_expr import ExprFacts, PolicyAnalyzer

# Column names that, by convention, hold the owning user or tenant of a row.
OWNER_COLUMN_NAMES = frozenset({
    "user_id", "owner_id", "owner", "created_by", "author_id", "profile_id", "org_id",
    "organisation_id", "organization_id", "tenant_id", "team_id", "account_id", "workspace_id",
})
AUTH_USERS = "auth.users"
# Platform tables whose policies the project writes and a Supabase server checks row by row:
# Realtime Authorization (storage.objects policies have rules of their own).
PROJECT_POLICED_TABLES = ("realtime.messages",)
OBJECT_TYPES = {"r": "table", "p": "table", "v": "view", "m": "materialized view",
                "f": "foreign table"}
_DISABLES_RLS = re.compile(r"\bdisable\s+row\s+level\s+security\b", re.IGNORECASE)


def object_type(table: Table) -> str:
    """The object type the event trigger (and so the SourceMap) uses for this relation."""
    return OBJECT_TYPES.get(table.kind, "table")


def table_ref(table: Table) -> ObjectRef:
    return ObjectRef(object_type(table), table.schema, table.name)


def policy_ref(policy: Policy) -> ObjectRef:
    return ObjectRef("policy", policy.schema, policy.name, parent=f"{policy.schema}.{policy.table}")


def quote_ident(name: str) -> str:
    """Quote an identifier the way Postgres prints it: only when it needs quotes."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


_RESERVED = frozenset({
    "all", "and", "any", "array", "as", "asc", "case", "check", "collate", "column", "constraint",
    "create", "default", "desc", "distinct", "do", "else", "end", "false", "for", "foreign", "from",
    "grant", "group", "having", "in", "into", "is", "join", "limit", "not", "null", "offset", "on",
    "or", "order", "primary", "references", "select", "table", "then", "to", "true", "union",
    "unique", "user", "using", "when", "where", "with", "window",
})


def qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


@dataclass
class AuditContext:
    snapshot: Snapshot
    source_map: SourceMap | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.exposure = Exposure(self.snapshot)
        helpers = [f"{f.schema}.{f.name}" for f in self.snapshot.functions
                   if f.security_definer and self.exposure.is_user_function(f)]
        self.analyzer = PolicyAnalyzer(helpers)
        self._facts: dict[str, tuple[ExprFacts, ExprFacts]] = {}
        self._owner_cols: dict[str, frozenset[str]] = {}
        self._by_name = {(t.schema, t.name): t for t in self.snapshot.tables}
        self._modes: dict[tuple[str, str], str | None] = {}
        self._user_tables: dict[str, list[Table]] = {}

    # --- objects --------------------------------------------------------------------------------
    def user_tables(self, kinds: str = "rp") -> list[Table]:
        got = self._user_tables.get(kinds)
        if got is None:
            got = [t for t in self.snapshot.tables
                   if t.kind in kinds and self.exposure.is_user_table(t)]
            self._user_tables[kinds] = got
        return got

    def policy_tables(self) -> list[Table]:
        """Tables whose policies are the project's: its own, and realtime.messages."""
        platform = [t for t in (self.snapshot.table(i) for i in PROJECT_POLICED_TABLES) if t]
        return self.user_tables() + platform

    def user_functions(self) -> list[Function]:
        return [f for f in self.snapshot.functions if self.exposure.is_user_function(f)]

    def owner_columns(self, table: Table) -> frozenset[str]:
        """Columns naming the row's owner or tenant: a reference to auth.users, or a
        conventional name such as user_id, org_id, tenant_id."""
        cols = self._owner_cols.get(table.identity)
        if cols is None:
            found = {c.name for c in table.columns if c.name.lower() in OWNER_COLUMN_NAMES}
            for fk in table.foreign_keys:
                if fk.ref_table == AUTH_USERS:
                    found.update(fk.columns)
            cols = frozenset(found)
            self._owner_cols[table.identity] = cols
        return cols

    # --- policies -------------------------------------------------------------------------------
    def facts(self, policy: Policy) -> tuple[ExprFacts, ExprFacts]:
        """(USING, WITH CHECK) facts of a policy."""
        got = self._facts.get(policy.identity)
        if got is None:
            got = (self.analyzer(policy.using, policy.table),
                   self.analyzer(policy.with_check, policy.table))
            self._facts[policy.identity] = got
        return got

    def command_exprs(self, policy: Policy, command: str) -> list[ExprFacts]:
        """What a row must pass under this policy for `command`; empty when the policy grants
        nothing for it (Postgres treats a missing expression as false, not true)."""
        using, check = self.facts(policy)
        if not policy.covers(command):
            return []
        if command in ("select", "delete"):
            return [using] if using.text is not None else []
        new_row = check if check.text is not None else using
        if command == "insert":
            return [new_row] if new_row.text is not None else []
        if using.text is None:
            return []
        return [using, new_row]

    def mode(self, policy: Policy, command: str) -> str | None:
        """How a policy decides `command`: None (grants nothing), "open" (literally true),
        "scoped" (ties a row column to the caller), or "predicate"."""
        key = (policy.identity, command)
        if key not in self._modes:
            exprs = self.command_exprs(policy, command)
            if not exprs:
                mode = None
            elif all(f.always_true for f in exprs):
                mode = "open"
            elif all(f.caller_scoped for f in exprs):
                mode = "scoped"
            else:
                mode = "predicate"
            self._modes[key] = mode
        return self._modes[key]

    # --- locations ------------------------------------------------------------------------------
    def locate(self, object_type: str, identity: str) -> Location | None:
        if self.source_map is None:
            return None
        return self.source_map.created(object_type, identity)

    def table_location(self, table: Table) -> Location | None:
        return self.locate(object_type(table), table.identity)

    def policy_location(self, policy: Policy) -> Location | None:
        return self.locate("policy", policy.identity) or self._table_by_policy(policy)

    def table_of(self, policy: Policy) -> Table | None:
        return self._by_name.get((policy.schema, policy.table))

    def _table_by_policy(self, policy: Policy) -> Location | None:
        table = self.table_of(policy)
        return self.table_location(table) if table else None

    def function_location(self, fn: Function) -> Location | None:
        return self.locate("function", fn.identity)

    def index_location(self, table: Table, index: Index) -> Location | None:
        return self.locate("index", index.identity) or self.table_location(table)

    def rls_disabled_location(self, table: Table) -> Location | None:
        """The ALTER TABLE that turned RLS off when a migration did, else the CREATE."""
        if self.source_map is not None:
            for ev in reversed(self.source_map.events_for("table", table.identity)):
                if _DISABLES_RLS.search(ev.statement):
                    return ev.location
        return self.table_location(table)

    def fk_location(self, table: Table, fk: ForeignKey) -> Location | None:
        """The statement that added the constraint: the latest one naming it or its columns
        next to REFERENCES, else where the table was created."""
        if self.source_map is not None:
            first = fk.columns[0] if fk.columns else fk.name
            events = self.source_map.events_for("table", table.identity)
            for needle, pattern in ((fk.name, _word), (first, _references)):
                # A pattern is compiled only for a statement that holds the name at all.
                key = needle.lower()
                for ev in reversed(events):
                    if key in ev.statement.lower() and pattern(needle).search(ev.statement):
                        return ev.location
        return self.table_location(table)

    # --- findings -------------------------------------------------------------------------------
    def finding(self, rule: RuleInfo, obj: ObjectRef, message: str, *, remediation: str,
                location: Location | None, evidence: dict[str, Any] | None = None,
                level: Level | None = None) -> Finding:
        return Finding(rule=rule.id, level=level or rule.level, category=rule.category,
                       object=obj, message=message, remediation=remediation, location=location,
                       evidence=evidence or {})


def api_roles_of(policy: Policy) -> tuple[str, ...]:
    """The API roles a policy applies to (PUBLIC covers both)."""
    if "public" in policy.roles:
        return ("anon", "authenticated")
    return tuple(r for r in ("anon", "authenticated") if r in policy.roles)


def expand_commands(policy: Policy) -> tuple[str, ...]:
    return ("select", "insert", "update", "delete") if policy.command == "all" else (policy.command,)


def fmt_list(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


@functools.lru_cache(maxsize=1024)
def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _references(column: str) -> re.Pattern[str]:
    """The column next to REFERENCES, or inside FOREIGN KEY (...)."""
    c = re.escape(column)
    return re.compile(rf"\b{c}\b[^,;]*\breferences\b|\bforeign\s+key\s*\([^)]*\b{c}\b", re.IGNORECASE)
