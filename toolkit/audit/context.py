"""What every audit rule shares: the run's facts (exposure, objects, locations), analysed
policy expressions and owner columns."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from toolkit.audit.function_access import FunctionAccess
from toolkit.facts import Exposure, Facts, Locations
from toolkit.model import COMMANDS, Function, Policy, Snapshot, Table
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


@dataclass
class AuditContext:
    facts: Facts
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.snapshot: Snapshot = self.facts.snapshot
        self.exposure: Exposure = self.facts.exposure
        self.locate: Locations = self.facts.locate
        helpers = [f"{f.schema}.{f.name}" for f in self.snapshot.functions
                   if f.security_definer and self.exposure.is_user_function(f)]
        self.analyzer = PolicyAnalyzer(helpers)
        self._facts: dict[str, tuple[ExprFacts, ExprFacts]] = {}
        self._owner_cols: dict[str, frozenset[str]] = {}
        self._modes: dict[str, dict[str, str | None]] = {}
        self._modes_alike: dict[tuple[str | bool, ...], dict[str, str | None]] = {}
        # coverage.cell_status per table, then (role, command): the matrix and rules ask for the
        # same cells
        self.cells: dict[str, dict[tuple[str, str], tuple[str, tuple[str, ...]]]] = {}
        # coverage._statuses per shape of table: (status, indexes of the deciding policies) per cell
        self.status_shapes: dict[tuple[object, ...], list[tuple[str, tuple[int, ...]]]] = {}

    # --- objects --------------------------------------------------------------------------------
    def user_tables(self, kinds: str = "rp") -> list[Table]:
        return self.facts.user_tables(kinds)

    def policy_tables(self) -> list[Table]:
        """Tables whose policies are the project's: its own, and realtime.messages."""
        platform = [t for t in (self.snapshot.table(i) for i in PROJECT_POLICED_TABLES) if t]
        return self.user_tables() + platform

    def user_functions(self) -> list[Function]:
        return self.facts.user_functions()

    @functools.cached_property
    def function_access(self) -> FunctionAccess:
        """What each function's body reaches (parsed on first use)."""
        return FunctionAccess(self.snapshot, self.user_functions())

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
    def clauses(self, policy: Policy) -> tuple[ExprFacts, ExprFacts]:
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
        using, check = self.clauses(policy)
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
        modes = self.modes(policy)
        return modes[command] if command in modes else self._mode(policy, command)

    def modes(self, policy: Policy) -> dict[str, str | None]:
        """`mode` of each of the four commands, worked out once per policy (and once for all
        policies alike in what `_mode` reads: the command, and whether each clause is absent,
        literally true or tied to the caller). Read only: the dict is shared."""
        got = self._modes.get(policy.identity)
        if got is None:
            using, check = self.clauses(policy)
            key = (policy.command, using.text is None, using.always_true, using.caller_scoped,
                   check.text is None, check.always_true, check.caller_scoped)
            got = self._modes_alike.get(key)
            if got is None:
                got = self._modes_alike[key] = {c: self._mode(policy, c) for c in COMMANDS}
            self._modes[policy.identity] = got
        return got

    def _mode(self, policy: Policy, command: str) -> str | None:
        exprs = self.command_exprs(policy, command)
        if not exprs:
            return None
        if all(f.always_true for f in exprs):
            return "open"
        if all(f.caller_scoped for f in exprs):
            return "scoped"
        return "predicate"

    def reads_pinned(self, table: Table, role: str, columns: frozenset[str] | None = None) -> bool | None:
        """Every way `role` may read a row of `table` ties one of `columns` (any column, when
        None) to the caller: the role reads only its own rows. None when no SELECT policy applies
        to the role (it reads nothing; what that means is the caller's to say)."""
        def pins(policy: Policy) -> bool:
            exprs = self.command_exprs(policy, "select")
            return bool(exprs) and all(f.caller_scoped and (columns is None or f.caller_columns & columns)
                                       for f in exprs)

        readers = [p for p in table.policies if p.applies_to(role) and self.command_exprs(p, "select")]
        if not readers:
            return None
        if any(pins(p) for p in readers if not p.permissive):
            return True
        return all(pins(p) for p in readers if p.permissive)


def api_roles_of(policy: Policy) -> tuple[str, ...]:
    """The API roles a policy applies to (PUBLIC covers both)."""
    if "public" in policy.roles:
        return ("anon", "authenticated")
    return tuple(r for r in ("anon", "authenticated") if r in policy.roles)


def expand_commands(policy: Policy) -> tuple[str, ...]:
    return ("select", "insert", "update", "delete") if policy.command == "all" else (policy.command,)


def fmt_list(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))
