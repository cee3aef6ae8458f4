"""The synthesised rows made over several lanes (synth.py, `_fill_spread`) are the rows the
one-connection fill makes: the same values, ctids and reasons for every table, whatever fails on
the way (a row retried with other values, a table given up and the table under it), for tables
whose rows point at an earlier wave's rows made on another connection, and around tables that
stay on the probe's connection (a trigger writing elsewhere, a sequence two tables share, a default
calling the project's function)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.probe.fill_schema import ORGS_WITH_OWNER, TASKS
from toolkit.catalog import take_snapshot
from toolkit.engine.base import Database
from toolkit.probe import run_probe, synth
from toolkit.probe.synth import Synthesizer

PARENTS = 6
SCHEMA = ORGS_WITH_OWNER + """
create sequence public.shared_ids;
create table public.shared_a (id bigint primary key default nextval('public.shared_ids'), note text);
create table public.shared_b (id bigint primary key default nextval('public.shared_ids'), note text);
create function public.org_count() returns bigint language sql as $$ select count(*) from public.orgs $$;
create table public.counted (id bigserial primary key, n bigint not null default public.org_count());
create table public.once (
  id bigserial primary key, user_id uuid not null default auth.uid() references auth.users (id), note text);
create unique index once_only on public.once ((true));
create table public.under_once (
  id bigserial primary key, once_id bigint not null references public.once (id), note text);
""" + TASKS
SCHEMA += "".join(f"""
create table public.parent_{i} (
  id bigserial primary key, user_id uuid not null default auth.uid() references auth.users (id),
  n int not null check (n % 3 = {i % 3}), label text unique);
create table public.child_{i} (
  id bigserial primary key, parent_id bigint not null references public.parent_{i} (id),
  note varchar(40) not null);
create unique index child_{i}_len on public.child_{i} ((length(note)));
""" for i in range(PARENTS))
TABLES = ["orgs", "members", "shared_a", "shared_b", "counted", "once", "under_once", "tasks",
          *(f"parent_{i}" for i in range(PARENTS)), *(f"child_{i}" for i in range(PARENTS))]
SCHEMA += "".join(f"""
alter table public.{t} enable row level security;
create policy {t}_all on public.{t} for all to authenticated using (true) with check (true);
""" for t in TABLES)


def _filled(result: Any) -> dict[str, Any]:
    return {r.table.identity: ({slot: (row.values, row.ctid, row.created)
                                for slot, row in r.filled.rows.items()}, r.filled.reason, r.skipped)
            for r in result.tables}



@contextlib.contextmanager
def _applied(engine: Any, apply_sql: Callable[..., Any]) -> Iterator[tuple[Database, Any, Any]]:
    """A throwaway database with SCHEMA applied, and its snapshot."""
    with engine.start(exposure="legacy") as db:
        _project, applied = apply_sql(db, {"20240101000000_schema.sql": SCHEMA})
        assert applied.complete, [str(f) for f in applied.failures]
        with db.connect() as conn:
            snapshot = take_snapshot(conn, exposed_schemas=("public", "graphql_public"))
        yield db, applied, snapshot

def test_rows_made_over_lanes_are_the_rows_of_one_connection(
        engine: Any, apply_sql: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "SPREAD_TABLES", 2)
    backends: dict[str, set[int]] = {}
    tries: list[str] = []
    fill_wave, insert, spreadable = Synthesizer._fill_wave, Synthesizer._insert, Synthesizer.spreadable
    spread: list[set[str]] = []

    def watched_spreadable(self: Synthesizer, order: list[Any]) -> set[str]:
        spread.append(spreadable(self, order))
        return spread[-1]

    def watched_wave(self: Synthesizer, wave: list[Any]) -> None:
        for t in wave:
            backends.setdefault(t.identity, set()).add(self.conn.info.backend_pid)
        fill_wave(self, wave)

    def watched_insert(self: Synthesizer, t: Any, spec: Any, values: Any) -> Any:
        tries.append(t.identity)
        return insert(self, t, spec, values)

    monkeypatch.setattr(Synthesizer, "_fill_wave", watched_wave)
    monkeypatch.setattr(Synthesizer, "_insert", watched_insert)
    monkeypatch.setattr(Synthesizer, "spreadable", watched_spreadable)
    with engine.start(exposure="legacy") as db:
        _project, applied = apply_sql(db, {"20240101000000_schema.sql": SCHEMA})
        assert applied.complete, [str(f) for f in applied.failures]
        with db.connect() as conn:
            snapshot = take_snapshot(conn, exposed_schemas=("public", "graphql_public"))
        copy: Database = db.sibling("supakit_fill")  # before any connection: the copy needs the source idle
        serial = run_probe(db, snapshot, source_map=applied.source_map, jobs=1)
        serial_tries, tries[:] = list(tries), []
        filled_on = set(backends)
        assert not spread and all(len(pids) == 1 for pids in backends.values())
        backends.clear()
        parallel = run_probe(copy, snapshot, source_map=applied.source_map, jobs=2)

    assert _filled(parallel) == _filled(serial)
    assert sorted(tries) == sorted(serial_tries)  # the same retries
    assert parallel.summary["rows_synthesised"] == serial.summary["rows_synthesised"]
    assert [f.to_dict() for f in parallel.findings] == [f.to_dict() for f in serial.findings]
    assert filled_on == set(backends) >= {f"public.{t}" for t in TABLES}
    # the rows went out over two backends; the tables writing elsewhere or sharing a sequence stay
    assert len(set().union(*backends.values())) == 2
    stay = {"public.orgs", "public.shared_a", "public.shared_b", "public.counted"}
    assert not stay & spread[0] and spread[0] >= {f"public.parent_{i}" for i in range(PARENTS)}
    assert len(set().union(*(backends[t] for t in stay))) == 1
    filled = _filled(serial)
    assert set(filled["public.members"][0]) >= {"A"} and filled["public.members"][0]["A"][2] is False
    assert filled["public.shared_a"][0]["A"][0]["id"] != filled["public.shared_b"][0]["A"][0]["id"]
    assert "could not insert a row" in (filled["public.once"][1] or "")  # given up: B's row collides
    assert "needs a row in public.once" in (filled["public.under_once"][1] or "")
    assert any(t.startswith("public.child_") for t in serial_tries)  # B's child rows retried
    assert all(set(filled[f"public.child_{i}"][0]) >= {"A", "B"} for i in range(PARENTS))


def test_an_error_in_a_lane_stops_the_fill_and_is_raised(
        engine: Any, apply_sql: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "SPREAD_TABLES", 2)
    fill_wave = Synthesizer._fill_wave
    waves: list[list[str]] = []

    def failing_wave(self: Synthesizer, wave: list[Any]) -> None:
        waves.append([t.identity for t in wave])
        if "public.parent_3" in waves[-1]:
            self.conn.execute("select 1/0")
        fill_wave(self, wave)

    monkeypatch.setattr(Synthesizer, "_fill_wave", failing_wave)
    with _applied(engine, apply_sql) as (db, applied, snapshot), \
            pytest.raises(Exception, match="division by zero"):
        run_probe(db, snapshot, source_map=applied.source_map, jobs=2)
    assert not any(t.startswith("public.child_") for w in waves for t in w)  # the next wave never started


def test_ctrl_c_during_the_spread_fill_cancels_the_lanes(
        engine: Any, apply_sql: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth, "SPREAD_TABLES", 2)
    fill_wave = Synthesizer._fill_wave

    def stuck_wave(self: Synthesizer, wave: list[Any]) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.conn.execute("select pg_sleep(60)")  # longer than the fill's statement timeout
        fill_wave(self, wave)

    monkeypatch.setattr(Synthesizer, "_fill_wave", stuck_wave)
    with _applied(engine, apply_sql) as (db, applied, snapshot):
        timer = threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGINT))
        timer.start()
        started = time.monotonic()
        try:
            with pytest.raises(KeyboardInterrupt):
                run_probe(db, snapshot, source_map=applied.source_map, jobs=2)
        finally:
            timer.cancel()
        assert time.monotonic() - started < 10  # the lanes' statements were cancelled
        with db.connect() as conn:  # and nothing of the probe is left running
            busy = conn.execute("select count(*) from pg_stat_activity where query like '%pg_sleep(60)%' "
                                "and state = 'active' and pid <> pg_backend_pid()").fetchone()
        assert busy == (0,)
