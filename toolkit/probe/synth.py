"""Rows for every table the probe needs, as `postgres`, parents before children.

Each row is made for one synthetic user and one side (A's world or B's): foreign keys to users
name that user, other foreign keys point at the same side's parent rows, so A's rows live in
A's organisation and B's in B's. Columns with defaults keep them (evaluated with the row
owner's claims set, so `default auth.uid()` and triggers see that user); the rest get typed
candidates that the table's CHECK constraints accept. A row a trigger already made (a profile
created on sign-up, an owner membership created with an organisation) is found and reused.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.errors import first_line
from toolkit.facts.scope import AUTH_USERS, Scope, Scopes, primary_key, unique_keys
from toolkit.model import Column, ForeignKey, Snapshot, Table
from toolkit.probe.session import User
from toolkit.probe.shape import Shape, settable, table_shape
from toolkit.probe.solver import Group, groups_for, solve
from toolkit.probe.sqltext import cast, column_list, ident, lit, text_value
from toolkit.probe.typeinfo import Extras
from toolkit.probe.values import Candidates

if TYPE_CHECKING:
    import psycopg

    from toolkit.probe.lanes import Lanes

MAX_ATTEMPTS = 6
PIPELINE_ROWS = 64  # first tries sent in one pipeline (its statement timeout runs until the sync)
SYNTH_SLOTS = {"A": 0, "B": 1, "C": 2, "D": 3}
_savepoints = itertools.count(1)
SELF_KEY_BASE = 1_900_000_000
SPREAD_TABLES = 16  # tables a lane takes at a time; a shorter run of spreadable tables stays on one
_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'")
# a call to a function outside pg_catalog, auth and extensions (defaults are read with an empty
# search_path, so such a function is named with its schema): it might read or write other tables
_OWN_CALL = re.compile(r'(?<![\w$".])(?!(?:auth|extensions)\.)(?:[A-Za-z_][\w$]*|"(?:[^"]|"")+")\.(?:[A-Za-z_][\w$]*|"(?:[^"]|"")+")\s*\(')


class SynthError(Exception):
    """A row could not be made; the message says why, for a probe_skipped finding."""


@dataclass(frozen=True)
class RowSpec:
    """Who a row is for: `owner` fills the owner column, `others` every other user column,
    and foreign keys point at `side`'s parent rows. `index` varies the values."""

    slot: str
    index: int
    owner: str
    others: str
    side: str


@dataclass
class Row:
    values: dict[str, str | None]
    tableoid: int
    ctid: str
    created: bool = True  # False when a trigger or the seed had already made it


@dataclass
class Filled:
    table: Table
    scope: Scope
    rows: dict[str, Row] = field(default_factory=dict)
    reason: str | None = None

    @property
    def key(self) -> tuple[str, ...]:
        return primary_key(self.table) or ("tableoid", "ctid")

    def key_of(self, row: Row) -> tuple[str, ...]:
        if self.key == ("tableoid", "ctid"):
            return (str(row.tableoid), row.ctid)
        return tuple(row.values.get(k) or "" for k in self.key)


@dataclass
class _Pending:
    """A row's first try, built and waiting for its pipeline."""

    filled: Filled
    spec: RowSpec
    values: dict[str, str]
    broken: str | None = None  # why it could not be built


def _waves(order: list[Table]) -> Iterator[list[Table]]:
    """`order` cut into runs of tables that no other table of the run points at or is pointed at
    by: the rows of a run are built from earlier runs alone."""
    wave: list[Table] = []
    names: set[str] = set()  # the tables of the run
    pointed: set[str] = set()  # the tables they point at
    for t in order:
        refs = {fk.ref_table for fk in t.foreign_keys if fk.ref_table != t.identity}
        if wave and (refs & names or t.identity in pointed):
            yield wave
            wave, names, pointed = [], set(), set()
        wave.append(t)
        names.add(t.identity)
        pointed |= refs
    if wave:
        yield wave


class Synthesizer:
    def __init__(self, conn: psycopg.Connection, snapshot: Snapshot, scopes: Scopes,
                 extras: Extras, users: dict[str, User],
                 deferred: set[tuple[str, str]] | None = None) -> None:
        self._conn = conn
        self._local = threading.local()
        self._count = threading.Lock()
        self.snapshot = snapshot
        self.scopes = scopes
        self.extras = extras
        self.users = users
        self.cands = Candidates(extras.types)
        self.filled: dict[str, Filled] = {}
        self.deferred = deferred or set()  # (table, fk name) left NULL to break a cycle
        self.shapes: dict[str, Shape] = {}
        self.solved: dict[tuple[str, str], int] = {}
        self.rows_made = 0

    @property
    def conn(self) -> psycopg.Connection:
        """The connection this thread fills on: a lane's while the fill is spread over lanes."""
        return getattr(self._local, "conn", self._conn)

    def shape(self, t: Table) -> Shape:
        got = self.shapes.get(t.identity)
        if got is None:
            got = self.shapes[t.identity] = table_shape(t, self.scopes.of(t), self.extras)
        return got

    def candidates(self, t: Table, col: str, k: int) -> list[str | None]:
        shape = self.shape(t)
        info, typmod, dchecks = shape.base[col]
        checks = [e for cols, e in shape.checks if col in cols]
        out = self.cands.for_type(col, info, typmod, k, checks=checks,
                                  salt=t.identity, prefer=shape.prefer)
        if col in shape.nullable_free:
            out = [None, *out]
        return out

    def prepare(self, order: list[Table]) -> None:
        """Solve every table's CHECK constraints for the first row index, in one statement."""
        groups: list[Group] = []
        for t in order:
            shape = self.shape(t)
            free = [c for c in shape.free if c in shape.base]
            cands = {c: self.candidates(t, c, 0) for c in free}
            types = {c: shape.base[c][0].name for c in free}
            groups += groups_for(t.identity, free, shape.checks, cands, types)
        self.solved = solve(self.conn, groups)

    # --- filling --------------------------------------------------------------------------------
    def fill(self, order: list[Table], lanes: Lanes | None = None) -> dict[str, Filled]:
        """Rows for every table, in `order`. The first try of each row goes out in a pipeline with
        the rows after it (one round trip for many rows), in the same order and with the same
        statements as one at a time: a wave holds tables that no other table of the wave points
        at or is pointed at by, so every row of a wave is built from earlier waves alone; the
        pipeline stops at the first row that fails, which is then retried on its own as before,
        and after each A or B row of a table whose INSERT might swallow a row without an error
        (its other rows are only made when that one was).

        With several lanes (a throwaway database) the rows are committed as they are made, and a
        wave's runs of tables whose INSERT writes nowhere else (`spreadable`) are spread over the
        lanes' connections, so that several backends insert at once; see `_fill_spread`."""
        if lanes is None or not lanes.parallel:
            for wave in _waves(order):
                self._fill_wave(wave)
        else:
            self._fill_spread(order, lanes)
        return self.filled

    def spreadable(self, order: list[Table]) -> set[str]:
        """The tables whose rows do not depend on the order they are made in across tables: no
        trigger or rule on them (or what inherits from them) that could write or read elsewhere,
        no default calling a function of the project's own, and no sequence a default draws from
        shared with another table. Their rows read only
        earlier waves' rows (committed before) and touch only their own table, so two
        connections making two of them at once neither wait for each other nor change a value."""
        drawn: dict[str, int] = {}
        for q in self.extras.quiet.values():
            for seq in {m for d in q.defaults for m in _NEXTVAL.findall(d)}:
                drawn[seq] = drawn.get(seq, 0) + 1
        out = set()
        for t in order:
            mine = self.extras.quiet.get(t.identity)
            if mine is None or not mine.quiet or t.kind != "r" or t.partition_of:
                continue
            if any(_OWN_CALL.search(d) for d in mine.defaults):
                continue
            if all(drawn.get(m, 0) <= 1 for d in mine.defaults for m in _NEXTVAL.findall(d)):
                out.add(t.identity)
        return out

    def _fill_spread(self, order: list[Table], lanes: Lanes) -> None:
        """Each wave in the order of `order`: a run of at least SPREAD_TABLES spreadable tables
        goes over the lanes, SPREAD_TABLES tables a lane at a time, each lane committing when the
        run is done; every other table is made on the probe's connection in its place, committed
        before the next spread run starts and before the next wave's rows (which may point at
        it) are made on another connection. The first error stops the fill and is raised."""
        spread = self.spreadable(order)
        pending: list[list[Table]] = []  # waves (or parts) for the probe's connection

        def flush() -> None:
            if pending:
                with lanes.main.transaction():
                    lanes.limit(lanes.main)
                    for part in pending:
                        self._fill_wave(part)
                pending.clear()

        def work(chunk: list[Table]) -> None:
            self._local.conn = lanes.conn
            self._fill_wave(chunk)

        for wave in _waves(order):
            part: list[Table] | None = None  # this wave's tables waiting in `pending`
            for together, run in itertools.groupby(wave, key=lambda t: t.identity in spread):
                tables = list(run)
                if together and len(tables) >= SPREAD_TABLES:
                    flush()
                    part = None
                    lanes.map(work, [tables[i:i + SPREAD_TABLES] for i in range(0, len(tables), SPREAD_TABLES)],
                              commit=True)
                elif part is not None:
                    part.extend(tables)
                else:
                    part = tables
                    pending.append(part)
        flush()

    def _fill_wave(self, wave: list[Table]) -> None:
        source = self._built(wave)
        back: deque[_Pending] = deque()  # built, sent after a row that failed, so not run yet

        def take() -> _Pending | None:
            while True:
                item = back.popleft() if back else next(source, None)
                if item is None or not item.filled.reason:  # a table given up makes no more rows
                    return item

        item = take()
        while item is not None:
            if item.broken is not None:
                item.filled.reason = item.broken
                item = take()
                continue
            sent, rows, error, after = self._send_rows(item, take)
            back.extendleft(reversed([*sent[len(rows) + (error is not None):],
                                      *([after] if after is not None else [])]))
            outcomes = [*rows, *([None] if error is not None else [])]
            for n, row in enumerate(outcomes):
                done = sent[n]
                err = error if n == len(rows) else None
                try:
                    done.filled.rows[done.spec.slot] = self.make(done.filled.table, done.spec,
                                                                 first=(done.values, row, err))
                except SynthError as e:
                    if done.spec.slot in ("A", "B"):
                        done.filled.reason = str(e)
            item = take()

    def _built(self, wave: list[Table]) -> Iterator[_Pending]:
        """The rows of a wave, each built just before it is sent (while the server works on the
        rows before it); a row that cannot be built ends its table as `broken` when it is A's or
        B's, as one that fails to insert does."""
        for t in wave:
            scope = self.scopes.of(t)
            filled = Filled(t, scope)
            self.filled[t.identity] = filled
            for spec in self.specs(t, scope):
                if filled.reason:
                    break
                try:
                    values = self.build(t, spec)
                except SynthError as e:
                    if spec.slot in ("A", "B"):
                        yield _Pending(filled, spec, {}, broken=str(e))
                        break
                    continue
                yield _Pending(filled, spec, values)

    def _send_rows(self, item: _Pending, take: Callable[[], _Pending | None]) -> tuple[
            list[_Pending], list[tuple[Any, ...] | None], psycopg.Error | None, _Pending | None]:
        """First tries in one pipeline, from `item` on: up to PIPELINE_ROWS rows, ending before a
        row that could not be built and after an A or B row whose INSERT might swallow it. Returns
        the rows sent, what each INSERT returned up to the first that failed, that one's error
        (its savepoint rolled back) and the row taken but not sent."""
        import psycopg

        conn = self.conn
        sent: list[_Pending] = []
        cursors: list[list[Any]] = []  # savepoint, INSERT's cursor, RELEASE's cursor
        error: psycopg.Error | None = None
        after: _Pending | None = None
        try:
            with conn.pipeline():
                try:
                    nxt: _Pending | None = item
                    while nxt is not None:
                        if nxt.broken is not None:
                            after = nxt
                            break
                        rec: list[Any] = [f"supakit_row_{next(_savepoints)}", None, None]
                        sent.append(nxt)
                        cursors.append(rec)
                        conn.execute(f"SAVEPOINT {rec[0]}", prepare=False)
                        conn.execute(self._claims_sql(nxt.spec.owner), prepare=False)
                        rec[1] = conn.execute(self._insert_sql(nxt.filled.table, nxt.values), prepare=False)
                        rec[2] = conn.execute(f"RELEASE SAVEPOINT {rec[0]}", prepare=False)
                        if len(sent) >= PIPELINE_ROWS or (
                                nxt.spec.slot in ("A", "B")
                                and nxt.filled.table.identity not in self.extras.plain_inserts):
                            break
                        nxt = take()
                except psycopg.Error as e:
                    error = e  # handled after the pipeline closed, as apply.py does
        except psycopg.Error as e:
            error = error or e
        rows: list[tuple[Any, ...] | None] = []
        for sp, insert, release in cursors:
            if release is None or release.pgresult is None:
                if error is None:
                    raise AssertionError("a row of the pipeline has no result and no error")
                conn.execute(f"ROLLBACK TO SAVEPOINT {sp}; RELEASE SAVEPOINT {sp}")
                return sent, rows, error, after
            row = insert.fetchone()
            rows.append(tuple(row) if row is not None else None)
        if error is not None:
            raise error
        return sent, rows, None, after

    def specs(self, t: Table, scope: Scope) -> list[RowSpec]:
        if scope.kind == "user":
            labels = [u for u in ("A", "B", "C", "D") if u in self.users]
            return [RowSpec(u, SYNTH_SLOTS[u], u, u, "B" if u == "B" else "A") for u in labels]
        specs = [RowSpec("A", 0, "A", "A", "A"), RowSpec("B", 1, "B", "B", "B")]
        if scope.membership and "C" in self.users:
            specs.append(RowSpec("C", 2, "C", "C", "A"))
        return specs

    def make(self, t: Table, spec: RowSpec,
             first: tuple[dict[str, str], tuple[Any, ...] | None, psycopg.Error | None] | None = None) -> Row:
        """Insert one row (retrying with other values when a constraint objects) or find the
        row a trigger already made. `first` is the outcome of a first try already sent (its
        values, the row it returned, its error)."""
        bump: dict[str, int] = {}
        extra_free: set[str] = set()
        last = ""
        for attempt in range(MAX_ATTEMPTS):
            if attempt == 0 and first is not None:
                values, got, error = first
            else:
                values = self.build(t, spec, bump=bump, extra_free=extra_free)
                got, error = self._insert(t, spec, values)
            if error is None:
                if got is None:
                    raise SynthError("a BEFORE INSERT trigger discarded the row")
                with self._count:
                    self.rows_made += 1
                return self._row(t, got, True)
            last = first_line(error)
            if error.sqlstate == "23505":
                found = self._adopt(t, error, values)
                if found is not None:
                    return found
            targets = self._retarget(t, error, values, extra_free)
            if not targets:
                break
            for c in targets:
                bump[c] = bump.get(c, 0) + 1
        raise SynthError(f"could not insert a row: {last}")

    def _insert(self, t: Table, spec: RowSpec,
                values: dict[str, str]) -> tuple[tuple[Any, ...] | None, psycopg.Error | None]:
        """One try, in one round trip (two when it fails): the row returned, or the error."""
        import psycopg

        sp = f"supakit_row_{next(_savepoints)}"
        try:
            return _returned(self.conn.execute("; ".join([
                f"SAVEPOINT {sp}", self._claims_sql(spec.owner), self._insert_sql(t, values),
                f"RELEASE SAVEPOINT {sp}"]))), None
        except psycopg.Error as e:
            self.conn.execute(f"ROLLBACK TO SAVEPOINT {sp}; RELEASE SAVEPOINT {sp}")
            return None, e

    def _adopt(self, t: Table, e: Exception, values: dict[str, str]) -> Row | None:
        """The row a trigger (or the seed) already made for this user or parent: a unique key
        on foreign-key or user columns that our values collide with."""
        diag = getattr(e, "diag", None)
        cols = self.extras.constraint_columns.get((t.identity, getattr(diag, "constraint_name", "") or ""))
        if not cols:
            cols = next((k for k in unique_keys(t) if getattr(diag, "constraint_name", None)
                         and all(c in values for c in k)), ())
        linked = {c for fk in t.foreign_keys for c in fk.columns} | set(self.scopes.user_columns(t))
        if not cols or not all(c in values for c in cols) or not set(cols) & linked:
            return None
        where = " AND ".join(f"supakit_t.{ident(c)} = {values[c]}" for c in cols)
        got = self.conn.execute(f"SELECT {self._returning(t)} FROM {t.identity} AS supakit_t "
                                f"WHERE {where} LIMIT 1").fetchone()
        return self._row(t, got, False) if got else None

    def _free(self, t: Table, extra: set[str]) -> list[str]:
        return [*self.shape(t).free, *sorted(extra)]

    def _retarget(self, t: Table, e: Exception, values: dict[str, str],
                  extra_free: set[str]) -> list[str] | None:
        """Which free columns to vary after an error; None gives up."""
        state = getattr(e, "sqlstate", None) or ""
        diag = getattr(e, "diag", None)
        constraint = getattr(diag, "constraint_name", None) if diag else None
        column = getattr(diag, "column_name", None) if diag else None
        cols = self.extras.constraint_columns.get((t.identity, constraint or ""), ())
        free = self._free(t, extra_free)
        shape = self.shape(t)
        if state == "23502" and column:
            if column in free or column not in shape.base:
                return None
            extra_free.add(column)
            return [column]
        if state in ("23514", "23505", "23P01"):
            targets = [c for c in cols if c in free]
            if not targets:
                movable = [c for c in cols if c in shape.base and c not in values
                           and settable(t.column(c) or Column(c, ""))]
                extra_free.update(movable)
                targets = movable
            if not cols:  # a check on a domain, or a constraint we do not know
                targets = list(free)
            return targets or None
        if state.startswith("22"):
            return free or None
        return None

    def _claims_sql(self, who: str) -> str:
        user = self.users.get(who)
        claims = json.dumps(user.claims()) if user else ""
        return f"SELECT set_config('request.jwt.claims', {lit(claims)}, true)"

    def _returning(self, t: Table) -> str:
        cols = ", ".join(f"CAST(supakit_t.{ident(c.name)} AS text)" for c in t.columns)
        return "supakit_t.tableoid::int8, supakit_t.ctid::text" + (f", {cols}" if cols else "")

    def _row(self, t: Table, got: tuple[object, ...], created: bool) -> Row:
        vals = {c.name: (None if v is None else str(v)) for c, v in zip(t.columns, got[2:], strict=True)}
        return Row(vals, int(got[0]), str(got[1]), created)  # type: ignore[call-overload]

    def _insert_sql(self, t: Table, values: dict[str, str]) -> str:
        if values:
            always = any((c := t.column(name)) is not None and c.identity == "always" for name in values)
            override = " OVERRIDING SYSTEM VALUE" if always else ""
            return (f"INSERT INTO {t.identity} AS supakit_t ({column_list(list(values))}){override} "
                    f"VALUES ({', '.join(values.values())}) RETURNING {self._returning(t)}")
        return f"INSERT INTO {t.identity} AS supakit_t DEFAULT VALUES RETURNING {self._returning(t)}"

    # --- values ---------------------------------------------------------------------------------
    def user_key_value(self, ref_table: str, who: str) -> str | None:
        if ref_table == AUTH_USERS:
            user = self.users.get(who)
            return user.id if user else None
        filled = self.filled.get(ref_table)
        row = filled.rows.get(who) if filled else None
        key = self.scopes.user_keys.get(ref_table)
        return row.values.get(key) if row and key else None

    def parent_row(self, fk: ForeignKey, side: str) -> Row | None:
        filled = self.filled.get(fk.ref_table)
        return filled.rows.get(side) if filled else None

    def build(self, t: Table, spec: RowSpec, *, bump: dict[str, int] | None = None,
              extra_free: set[str] | None = None,
              overrides: dict[str, str | None] | None = None) -> dict[str, str]:
        """column -> SQL expression (cast to the column type) for one row; defaults are left out."""
        scope = self.scopes.of(t)
        shape = self.shape(t)
        bump = bump or {}
        cols = {c.name: c for c in t.columns}
        out: dict[str, str] = {}
        user_fks = {fk.name for fk in self.scopes.user_fks(t)}
        for fk in t.foreign_keys:
            if fk.ref_table == t.identity:
                continue
            if fk.name in user_fks:
                col = fk.columns[0]
                who = spec.owner if col == scope.owner else spec.others
                value = self.user_key_value(fk.ref_table, who)
                if value is None and cols[col].not_null:
                    raise SynthError(f"no {fk.ref_table} row for user {who} to point {col} at")
                out.setdefault(col, text_value(value, shape.types[col]))
                continue
            row = None if (t.identity, fk.name) in self.deferred else self.parent_row(fk, spec.side)
            if row is None:
                nullable = [c for c in fk.columns if c in cols and not cols[c].not_null]
                if not nullable:
                    parent = self.filled.get(fk.ref_table)
                    why = parent.reason if parent and parent.reason else "no row could be made"
                    raise SynthError(f"needs a row in {fk.ref_table} ({why})")
                for c in [c for c in nullable if c not in out] or nullable[:1]:
                    out[c] = text_value(None, shape.types[c])  # one NULL turns a MATCH SIMPLE key off
                continue
            for c, rc in zip(fk.columns, fk.ref_columns, strict=True):
                out.setdefault(c, text_value(row.values.get(rc), shape.types[c]))
        for col in scope.user_columns:
            if col not in out:
                who = spec.owner if col == scope.owner else spec.others
                user = self.users.get(who)
                out[col] = text_value(user.id if user else None, shape.types[col])
        synthetic = spec.slot in SYNTH_SLOTS
        for col in [*shape.free, *sorted(extra_free or ())]:
            if col in out or col not in shape.base or (col in shape.strong and not synthetic):
                continue
            cands = self.candidates(t, col, spec.index)
            if not cands:
                if cols[col].not_null:
                    raise SynthError(f"no value for NOT NULL column {col} of type {shape.types[col]}")
                continue
            i = self.solved.get((t.identity, col), 0) + bump.get(col, 0)
            out[col] = cast(cands[i % len(cands)], shape.types[col])
        self._self_refs(t, out, shape, spec)
        for col, value in (overrides or {}).items():
            out[col] = text_value(value, shape.types[col])
        return out

    def _self_refs(self, t: Table, out: dict[str, str], shape: Shape, spec: RowSpec) -> None:
        """A row that must reference its own table points at itself; otherwise the key is NULL."""
        cols = {c.name: c for c in t.columns}
        for fk in t.foreign_keys:
            if fk.ref_table != t.identity:
                continue
            nullable = [c for c in fk.columns if c in cols and not cols[c].not_null]
            if nullable:
                for c in nullable:
                    out[c] = text_value(None, shape.types[c])
                continue
            for c, rc in zip(fk.columns, fk.ref_columns, strict=True):
                if rc not in out and rc in shape.base:
                    info = shape.base[rc][0]
                    cands: list[str | None] = (
                        [str(SELF_KEY_BASE + spec.index)] if info.category == "N"  # above any sequence
                        else self.cands.for_type(rc, info, shape.base[rc][1], spec.index,
                                                 checks=[], salt=t.identity + ".self"))
                    if cands:
                        out[rc] = cast(cands[0], shape.types[rc])
                if rc in out:
                    out[c] = out[rc]


def _returned(cur: psycopg.Cursor[Any]) -> tuple[Any, ...] | None:
    """The first row of the last result set that has rows, in a multi-statement batch."""
    row = None
    while True:
        if cur.description:
            got = cur.fetchone()
            row = tuple(got) if got is not None else None
        if not cur.nextset():
            return row
