"""The questions the probe asks each table, as Data API requests that are always rolled back.

An `Attempt` records one request and what Postgres did: `allowed` (rows came back or changed,
or RLS let the row through and only a constraint stopped it), `denied` (nothing visible or
changed, or a permission / RLS error) or `error` (anything else: inconclusive).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.errors import first_line
from toolkit.facts.scope import primary_key
from toolkit.model import ForeignKey, Policy, Table
from toolkit.probe.default_deny import why_denied
from toolkit.probe.session import User, anon_claims, deadlock_retried, one_request, request
from toolkit.probe.sqltext import column_list, ident, row_filter, text_value
from toolkit.probe.synth import Filled, Row, RowSpec, SynthError, Synthesizer

if TYPE_CHECKING:
    import psycopg

    from toolkit.facts import Exposure
    from toolkit.probe.lanes import Lanes

TIMEOUT = "5s"


def role_of(caller: str) -> str:
    """Everyone but anon calls as `authenticated`; who they are is in the claims."""
    return "anon" if caller == "anon" else "authenticated"


@dataclass
class Attempt:
    caller: str  # anon | A | B | C | D
    command: str  # select | insert | update | delete
    purpose: str  # read | write | spoof | handover | move | own | peer
    outcome: str  # allowed | denied | error | skipped
    rows: int = 0  # rows seen or changed
    targeted: int = 0  # rows the request aimed at
    sqlstate: str = ""
    detail: str = ""
    sql: str = ""
    policies: tuple[str, ...] = ()
    rows_sql: str = ""  # a statement yielding the rows the request read or wrote (for attribution)
    fakes: str = ""  # spoofed inserts: whose name, organisation or parent row the row claims
    new_row: bool = False  # the request wrote new values (check WITH CHECK, not USING)
    in_policy: bool = False  # an error that a policy raised (the same statement bypassing RLS did not)
    shown: bool = True  # a row B attached under A's parent: A can read it there
    parent_key: ForeignKey | None = None  # the foreign key a row under A's parent was attached by

    @property
    def allowed(self) -> bool:
        return self.outcome == "allowed"

    @property
    def role(self) -> str:
        return role_of(self.caller)

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "caller": CALLER_NAMES.get(self.caller, self.caller),
                               "command": self.command, "outcome": self.outcome}
        if self.command == "select":
            out["rows_seen"] = self.rows
        elif self.command != "insert":
            out["rows_changed"] = self.rows
        if self.targeted:
            out["rows_targeted"] = self.targeted
        if self.detail:
            out["detail"] = self.detail
        if self.policies:
            out["policies"] = list(self.policies)
        if self.sql:
            out["sql"] = self.sql
        return out


CALLER_NAMES = {"anon": "anon key", "A": "user A", "B": "user B", "C": "user C (A's colleague)",
                "D": "anonymous sign-in user"}
# States raised after RLS let a row through: the request was authorised, the data was not valid.
_AFTER_RLS = ("23502", "23503", "23505", "23514", "23P01")


@dataclass
class TableResult:
    table: Table
    filled: Filled
    attempts: list[Attempt] = field(default_factory=list)
    skipped: str | None = None
    bucket: str | None = None  # storage.objects results: the bucket probed
    public_bucket: bool = False  # ... and whether it serves its files by URL to anyone

    def find(self, caller: str, purpose: str) -> Attempt | None:
        return next((a for a in self.attempts if a.caller == caller and a.purpose == purpose), None)


class Prober:
    """Asks the questions; each request goes to the connection of the lane that runs it.
    Requests Postgres denies by default are answered from the catalog (default_deny.py) unless
    `from_catalog` is off, which the tests use to compare both answers."""

    def __init__(self, lanes: Lanes, synth: Synthesizer, users: dict[str, User],
                 exposure: Exposure, *, from_catalog: bool = True) -> None:
        self.lanes = lanes
        self.synth = synth
        self.users = users
        self.exposure = exposure
        self.from_catalog = from_catalog
        self.requests = 0
        self.answered_by_catalog = 0
        self._visible: dict[str, bool] = {}
        self._count = threading.Lock()  # lanes count their requests at once
        self._seen = threading.Lock()

    @property
    def conn(self) -> psycopg.Connection:
        return self.lanes.conn

    # --- one request ----------------------------------------------------------------------------
    def claims(self, caller: str) -> dict[str, Any]:
        return anon_claims() if caller == "anon" else self.users[caller].claims()

    def run(self, caller: str, command: str, purpose: str, sql: str, *, targeted: int = 0,
            count: bool = False, rows_sql: str = "", new_row: bool = False,
            pre: tuple[str, ...] = (), table: Table | None = None) -> Attempt:
        """Run one statement on `table` as `caller`, always rolled back; or, when Postgres
        denies it by default, record what it would answer without sending it."""
        import psycopg

        role = role_of(caller)
        attempt = Attempt(caller, command, purpose, "denied", targeted=targeted, sql=sql,
                          rows_sql=rows_sql, new_row=new_row)
        why = (why_denied(self.exposure, self.synth.extras, table, role, command)
               if self.from_catalog and table is not None and not pre else None)
        with self._count:
            self.requests += 1
            if why is not None:
                self.answered_by_catalog += 1
        if why is not None and table is not None:
            if command == "insert":  # the default-deny WITH CHECK fails first, with this message
                attempt.sqlstate = "42501"
                why = f'new row violates row-level security policy for table "{table.name}" ({why})'
            attempt.detail = why
            return attempt
        try:
            rowcount, first = one_request(self.conn, role, self.claims(caller), sql, pre=pre,
                                          statement_timeout=TIMEOUT,
                                          method="GET" if command == "select" else "POST")
            n = int(first[0]) if count and first else max(rowcount, 0)
        except psycopg.Error as e:
            attempt.sqlstate = e.sqlstate or ""
            attempt.detail = first_line(e)
            if attempt.sqlstate in _AFTER_RLS:
                attempt.outcome = "allowed"
                attempt.detail = f"RLS let the row through; only a constraint stopped it: {attempt.detail}"
                attempt.rows = 1 if command == "insert" else targeted
            elif attempt.sqlstate == "42501":
                attempt.outcome = "denied"
            else:
                attempt.outcome = "error"
            return attempt
        attempt.rows = n
        attempt.outcome = "allowed" if n > 0 else "denied"
        return attempt

    def reaches(self, t: Table, caller: str, command: str) -> bool:
        return self.exposure.reaches(t, role_of(caller), command)

    # --- statements -----------------------------------------------------------------------------
    def where(self, filled: Filled, rows: list[Row]) -> str:
        shape = self.synth.shape(filled.table)
        return row_filter(filled.key, [filled.key_of(r) for r in rows], shape.types)

    def select(self, caller: str, filled: Filled, rows: list[Row], purpose: str) -> Attempt:
        where = self.where(filled, rows)
        sql = f"SELECT count(*) FROM {filled.table.identity} WHERE {where}"
        return self.run(caller, "select", purpose, sql, targeted=len(rows), count=True,
                        rows_sql=f"SELECT * FROM {filled.table.identity} WHERE {where}",
                        table=filled.table)

    def update(self, caller: str, filled: Filled, rows: list[Row], purpose: str,
               assignments: dict[str, str] | None = None) -> Attempt | None:
        t = filled.table
        if assignments is None:
            col = self.touch_column(t, caller)
            if col is None:
                return None
            assignments = {col: ident(col)}
        sets = ", ".join(f"{ident(c)} = {v}" for c, v in assignments.items())
        where = self.where(filled, rows)
        sql = f"UPDATE {t.identity} SET {sets} WHERE {where}"
        changes = any(v != ident(c) for c, v in assignments.items())
        rows_sql = (f"{sql} RETURNING *" if changes
                    else f"SELECT * FROM {t.identity} WHERE {where}")
        return self.run(caller, "update", purpose, sql, targeted=len(rows), rows_sql=rows_sql,
                        new_row=changes, table=t)

    def delete(self, caller: str, filled: Filled, rows: list[Row], purpose: str,
               pre: tuple[str, ...] = ()) -> Attempt:
        where = self.where(filled, rows)
        sql = f"DELETE FROM {filled.table.identity} WHERE {where}"
        return self.run(caller, "delete", purpose, sql, targeted=len(rows), pre=pre,
                        rows_sql=f"SELECT * FROM {filled.table.identity} WHERE {where}",
                        table=filled.table)

    def insert(self, caller: str, filled: Filled, spec: RowSpec, purpose: str,
               overrides: dict[str, str | None] | None = None) -> Attempt:
        try:
            values = self.synth.build(filled.table, spec, overrides=overrides)
        except SynthError as e:
            return Attempt(caller, "insert", purpose, "skipped", detail=str(e))
        if values:
            sql = (f"INSERT INTO {filled.table.identity} ({column_list(list(values))}) "
                   f"VALUES ({', '.join(values.values())})")
        else:
            sql = f"INSERT INTO {filled.table.identity} DEFAULT VALUES"
        return self.run(caller, "insert", purpose, sql, targeted=1,
                        rows_sql=f"{sql} RETURNING *", new_row=True, table=filled.table)

    def touch_column(self, t: Table, caller: str) -> str | None:
        """A column the caller's role may update, for a no-op `SET c = c`."""
        role = role_of(caller)
        whole = any("update" in t.privileges.get(r, ()) for r in (role, "PUBLIC"))
        allowed = {c for r in (role, "PUBLIC")
                   for c in t.column_privileges.get(r, {}).get("update", ())}
        key = set(primary_key(t))
        cols = [c.name for c in t.columns if not c.generated and c.identity != "always"
                and (whole or c.name in allowed)]
        plain = [c for c in cols if c not in key]
        return (plain or cols)[0] if cols else None

    def user_value(self, t: Table, col: str, who: str) -> str | None:
        """The value `col` takes for user `who` (their id, or their profile's key)."""
        for fk in self.synth.scopes.user_fks(t):
            if fk.columns == (col,):
                return self.synth.user_key_value(fk.ref_table, who)
        user = self.users.get(who)
        return user.id if user else None

    # --- the questions --------------------------------------------------------------------------
    def probe(self, filled: Filled, *, declared: dict[str, str]) -> TableResult:
        t = filled.table
        result = TableResult(t, filled)
        ours = list(filled.rows.values())
        a_rows = [filled.rows["A"]]
        scope = filled.scope
        add = result.attempts.append
        if self.reaches(t, "anon", "select"):
            add(self.select("anon", filled, ours, "read"))
        if self.reaches(t, "anon", "insert"):
            add(self.insert("anon", filled, RowSpec("anon", 7, "A", "A", "A"), "write"))
        for cmd in ("update", "delete"):
            if self.reaches(t, "anon", cmd):
                got = (self.update if cmd == "update" else self.delete)("anon", filled, ours, "write")
                if got is not None:
                    add(got)
        if not (scope.scoped or declared) or "B" not in self.users:
            return result
        if self.reaches(t, "B", "select"):
            add(self.select("B", filled, a_rows, "read"))
            if "D" in self.users:
                add(self.select("D", filled, a_rows, "read"))
        if self.reaches(t, "B", "update"):
            got = self.update("B", filled, a_rows, "write")
            if got is not None:
                add(got)
        if self.reaches(t, "B", "delete"):
            add(self.delete("B", filled, a_rows, "write"))
        spoof = self.spoof_spec(filled)
        if spoof is not None and self.reaches(t, "B", "insert"):
            attempt = self.insert("B", filled, spoof[0], "spoof")
            attempt.fakes = spoof[1]
            key = self.spoof_key(filled) if spoof[1] in ("tenant", "parent") else None
            if key is not None:  # the same hole as a row under A's parent: one cause
                attempt.parent_key = key
                if attempt.allowed:
                    attempt.shown = self.shown_to(t, attempt, "A")
            add(attempt)
        result.attempts += self.reparent(filled)
        result.attempts += self.own(filled)
        if self.reaches(t, "A", "update"):
            for got in (self.handover(filled), self.move(filled)):
                if got is not None:
                    add(got)
        if declared and "C" in self.users:
            self.peer(filled, declared, result)
        return result

    def own(self, filled: Filled) -> list[Attempt]:
        """User A reading and writing A's own rows, as every user of the app does. A request that
        a policy for its command should answer, and that fails inside a policy instead (it
        recurses, raises, casts what it cannot), breaks the app for everyone; the same statement
        is tried with RLS off to tell that from other errors."""
        t, a_rows, out = filled.table, [filled.rows["A"]], []

        def meant(command: str) -> bool:
            return self.reaches(t, "A", command) and any(
                p.applies_to(role_of("A")) and p.covers(command) for p in t.policies)

        if meant("select"):
            out.append(self.select("A", filled, a_rows, "own"))
        if meant("update"):
            got = self.update("A", filled, a_rows, "own")
            if got is not None:
                out.append(got)
        if meant("delete"):
            out.append(self.delete("A", filled, a_rows, "own"))
        if meant("insert"):
            out.append(self.insert("A", filled, RowSpec("own", 4, "A", "A", "A"), "own"))
        for a in out:
            if a.outcome == "error" and self.inside_policy(t, a):
                a.in_policy = True
                a.policies = tuple(p.identity for p in t.policies
                                   if p.applies_to(a.role) and _checked_for(p, a.command))
        return out

    def inside_policy(self, t: Table, attempt: Attempt) -> bool:
        """The same request with the table's RLS switched off (for this savepoint only; same
        role and claims, so triggers behave alike) does not fail the same way: one of the
        table's policies raised the error. Unknown (False) when RLS cannot be switched off."""
        import psycopg

        def without_rls() -> str:
            sqlstate = ""
            with self.conn.transaction():
                self.conn.execute(f"ALTER TABLE {t.identity} DISABLE ROW LEVEL SECURITY")
                try:
                    one_request(self.conn, attempt.role, self.claims(attempt.caller), attempt.sql,
                                statement_timeout=TIMEOUT)
                except psycopg.Error as e:
                    sqlstate = e.sqlstate or "?"
                raise psycopg.Rollback()
            return sqlstate

        try:
            sqlstate = deadlock_retried(without_rls)
        except psycopg.Error:
            return False  # not the table's owner: cannot tell
        return sqlstate != attempt.sqlstate

    def spoof_spec(self, filled: Filled) -> tuple[RowSpec, str] | None:
        """B's attempt to write into A's world, and what it fakes: a row in A's name
        (owner-scoped tables), or a row in A's organisation or under A's parent rows."""
        scope, t = filled.scope, filled.table
        scoped_parent = any(
            fk.ref_table in self.synth.filled and fk.ref_table != t.identity
            and fk.ref_table not in self.synth.scopes.user_keys
            and self.synth.filled[fk.ref_table].scope.scoped for fk in t.foreign_keys)
        if scope.kind in ("user", "owner"):
            return RowSpec("spoof", 5, "A", "B", "B"), "name"
        if scope.tenant_table:
            if scoped_parent:
                return RowSpec("spoof", 5, "B", "B", "A"), "tenant"
            return (RowSpec("spoof", 5, "A", "B", "B"), "name") if scope.owner else None
        if scope.membership:
            _user, link = self.synth.scopes.memberships[t.identity]
            return RowSpec("spoof", 5, "B", "B", "A"), f"membership {link.ref_table}"
        if scope.kind == "tenant":
            return RowSpec("spoof", 5, "B", "B", "A"), "tenant"
        if scope.kind == "derived":
            return RowSpec("spoof", 5, "B", "B", "A"), "parent"
        return RowSpec("spoof", 5, "B", "B", "B"), "row"

    def spoof_key(self, filled: Filled) -> ForeignKey | None:
        """The one foreign key that put a tenant or derived row B wrote into A's world (an
        invoice under A's organisation's event), when exactly one leads to a scoped parent."""
        t = filled.table
        keys = [fk for fk in t.foreign_keys
                if fk.ref_table in self.synth.filled and fk.ref_table != t.identity
                and fk.ref_table not in self.synth.scopes.user_keys and self.synth.filled[fk.ref_table].scope.scoped]
        return keys[0] if len(keys) == 1 else None

    def reparent(self, filled: Filled) -> list[Attempt]:
        """B attaching a row of B's own to a row of A's that B cannot read (a task into A's
        project), one foreign key at a time: by inserting it, and by moving B's own row there.
        Owner-scoped tables only: the spoof of tenant and derived rows already points every
        parent at A's."""
        t, out = filled.table, list[Attempt]()
        if filled.scope.kind not in ("user", "owner"):
            return out
        for fk in t.foreign_keys:
            parent = self.synth.filled.get(fk.ref_table)
            if (fk.ref_table == t.identity or fk.ref_table in self.synth.scopes.user_keys
                    or parent is None or not parent.scope.scoped or "A" not in parent.rows
                    or self.visible(parent, "B")):
                continue
            values = {c: parent.rows["A"].values.get(rc)
                      for c, rc in zip(fk.columns, fk.ref_columns, strict=True)}
            fakes = f"parent {fk.ref_table} ({', '.join(fk.columns)})"
            tried: list[Attempt | None] = []
            if self.reaches(t, "B", "insert"):
                tried.append(self.insert("B", filled, RowSpec("spoof", 5, "B", "B", "B"), "spoof", values))
            if self.reaches(t, "B", "update") and all(self._may_update(t, c) for c in fk.columns):
                types = self.synth.shape(t).types
                tried.append(self.update("B", filled, [filled.rows["B"]], "reparent",
                                         {c: text_value(v, types[c]) for c, v in values.items()}))
            for attempt in tried:
                if attempt is not None:
                    attempt.fakes, attempt.parent_key = fakes, fk
                    if attempt.allowed:
                        attempt.shown = self.shown_to(t, attempt, "A")
                    out.append(attempt)
        return out

    def shown_to(self, t: Table, attempt: Attempt, viewer: str) -> bool:
        """`viewer` can read the row the request wrote, right after it (both rolled back). True
        when that cannot be told (the write does not return its row to its own caller)."""
        import psycopg

        write = attempt.rows_sql.rsplit(" RETURNING ", 1)[0] + " RETURNING tableoid, ctid"

        def look() -> bool:
            seen = True
            with self.conn.transaction():
                with request(self.conn, attempt.role, self.claims(attempt.caller), keep=True,
                             statement_timeout=TIMEOUT) as conn:
                    row = conn.execute(write).fetchone()
                if row is not None:
                    with request(self.conn, role_of(viewer), self.claims(viewer),
                                 statement_timeout=TIMEOUT) as conn:
                        got = conn.execute(f"SELECT count(*) FROM {t.identity} WHERE tableoid = %s "
                                           "AND ctid = %s::tid", [row[0], str(row[1])]).fetchone()
                    seen = bool(got and got[0])
                raise psycopg.Rollback()
            return seen

        try:
            return deadlock_retried(look)
        except psycopg.Error:
            return True

    def visible(self, filled: Filled, caller: str) -> bool:
        """`caller` may read A's row of this table (then attaching rows to it is plausibly meant:
        a comment on a public post)."""
        key = f"{filled.table.identity}:{caller}"
        with self._seen:  # asked once whichever lanes want it, so the request count stays the same
            if key not in self._visible:
                self._visible[key] = self.reaches(filled.table, caller, "select") and self.select(
                    caller, filled, [filled.rows["A"]], "read").allowed
            return self._visible[key]

    def handover(self, filled: Filled) -> Attempt | None:
        """A gives their own row to B by rewriting the owner column."""
        scope, t = filled.scope, filled.table
        if scope.kind != "owner" or not scope.owner or scope.owner in primary_key(t):
            return None
        if not self._may_update(t, scope.owner):
            return None
        value = self.user_value(t, scope.owner, "B")
        if value is None:
            return None
        types = self.synth.shape(t).types
        return self.update("A", filled, [filled.rows["A"]], "handover",
                           {scope.owner: text_value(value, types[scope.owner])})

    def move(self, filled: Filled) -> Attempt | None:
        """A moves their own row into B's organisation."""
        scope, t = filled.scope, filled.table
        if scope.kind != "tenant" or scope.tenant_table or not scope.tenant_columns:
            return None
        fk = next((f for f in t.foreign_keys if set(f.columns) <= set(scope.tenant_columns)
                   and f.ref_table in self.synth.scopes.tenants), None)
        if fk is None or not all(self._may_update(t, c) for c in fk.columns):
            return None
        target = self.synth.parent_row(fk, "B")
        if target is None:
            return None
        types = self.synth.shape(t).types
        sets = {c: text_value(target.values.get(rc), types[c])
                for c, rc in zip(fk.columns, fk.ref_columns, strict=True)}
        return self.update("A", filled, [filled.rows["A"]], "move", sets)

    def _may_update(self, t: Table, col: str) -> bool:
        role = "authenticated"
        return any("update" in t.privileges.get(r, ()) for r in (role, "PUBLIC")) or any(
            col in t.column_privileges.get(r, {}).get("update", ()) for r in (role, "PUBLIC"))

    def peer(self, filled: Filled, declared: dict[str, str], result: TableResult) -> None:
        """Extra requests that tell 'tenant' from 'owner' for declared commands: what C, A's
        colleague, can do with A's rows (A's own requests are always made)."""
        t, a_rows, add = filled.table, [filled.rows["A"]], result.attempts.append
        if "select" in declared and self.reaches(t, "C", "select"):
            add(self.select("C", filled, a_rows, "peer"))
        if "update" in declared and self.reaches(t, "C", "update"):
            got = self.update("C", filled, a_rows, "peer")
            if got is not None:
                add(got)
        if "delete" in declared and self.reaches(t, "C", "delete"):
            add(self.delete("C", filled, a_rows, "peer"))
        if "insert" in declared and self.reaches(t, "C", "insert"):
            owner = "A" if filled.scope.kind in ("user", "owner") else "C"
            add(self.insert("C", filled, RowSpec("peer", 6, owner, "C", "A"), "peer"))


def _checked_for(policy: Policy, command: str) -> bool:
    """Postgres evaluates the policy for this command: its own, and SELECT's for the rows an
    update or delete filters."""
    return policy.covers(command) or (command in ("update", "delete") and policy.covers("select"))
