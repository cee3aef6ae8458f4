"""The synthesised rows go out in pipelines (synth.py, `fill`): the rows, their values and the
tables given up must be exactly those of making one row at a time, whatever fails on the way:
rows retried with other values, rows a trigger already made, rows a trigger swallows, tables
that cannot be filled and the tables under them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest

from tests.probe.fill_schema import ORGS_WITH_OWNER, TASKS
from toolkit.catalog import take_snapshot
from toolkit.probe import run_probe, synth
from toolkit.probe.lanes import Lanes
from toolkit.probe.synth import SynthError, Synthesizer

SCHEMA = ORGS_WITH_OWNER + """
create table public.strict (
  id bigserial primary key, user_id uuid not null default auth.uid() references auth.users (id),
  code text not null check (code like 'x%' and length(code) > 3), n int not null check (n > 40 and n < 45));
create table public.swallowed (
  id bigserial primary key, user_id uuid not null default auth.uid() references auth.users (id), note text);
create function public.swallow() returns trigger language plpgsql as $$
begin
  return null;
end $$;
create trigger swallow before insert on public.swallowed for each row execute function public.swallow();
create table public.picky (
  id bigserial primary key, user_id uuid not null default auth.uid() references auth.users (id), note text);
create function public.only_a() returns trigger language plpgsql as $$
begin
  if (select email from auth.users where id = new.user_id) like '%-a@%' then return new; end if;
  return null;
end $$;
create trigger only_a before insert on public.picky for each row execute function public.only_a();
create table public.picky_b (
  id bigserial primary key, user_id uuid not null default auth.uid() references auth.users (id), note text);
create function public.only_b() returns trigger language plpgsql as $$
begin
  if (select email from auth.users where id = new.user_id) like '%-b@%' then return new; end if;
  return null;
end $$;
create trigger only_b before insert on public.picky_b for each row execute function public.only_b();
create table public.refused (id bigserial primary key, user_id uuid references auth.users (id));
create function public.refuse() returns trigger language plpgsql as $$
begin
  raise exception 'made elsewhere';
end $$;
create trigger refuse before insert on public.refused for each row execute function public.refuse();
create table public.under_refused (
  id bigserial primary key, refused_id bigint not null references public.refused (id), note text);
""" + TASKS
SCHEMA += "".join(f"""
create table public.plain_{i} (
  id bigserial primary key, user_id uuid not null default auth.uid() references auth.users (id),
  n int not null check (n % 3 = {i % 3}), label text unique);
""" for i in range(12))
SCHEMA += "".join(f"""
alter table public.{t} enable row level security;
create policy {t}_all on public.{t} for all to authenticated using (true) with check (true);
""" for t in ["orgs", "members", "strict", "swallowed", "picky", "picky_b", "refused", "under_refused", "tasks",
              *(f"plain_{i}" for i in range(12))])


def _one_at_a_time(self: Synthesizer, order: list[Any], lanes: Lanes | None = None) -> dict[str, Any]:
    """The fill as it was before the pipelines: every row's tries one round trip each (with
    several lanes, in one transaction on the probe's connection, committed)."""
    with (lanes.main.transaction() if lanes is not None and lanes.parallel else contextlib.nullcontext()):
        for t in order:
            scope = self.scopes.of(t)
            filled = synth.Filled(t, scope)
            self.filled[t.identity] = filled
            for spec in self.specs(t, scope):
                try:
                    filled.rows[spec.slot] = self.make(t, spec)
                except SynthError as e:
                    if spec.slot in ("A", "B"):
                        filled.reason = str(e)
                        break
    return self.filled


def _filled(result: Any) -> dict[str, Any]:
    return {r.table.identity: ({slot: (row.values, row.ctid, row.created)
                                for slot, row in r.filled.rows.items()}, r.filled.reason, r.skipped)
            for r in result.tables}


@pytest.mark.parametrize("rows", [64, 3, 1])
def test_pipelined_rows_are_the_rows_made_one_at_a_time(engine, apply_sql: Callable[..., Any],
                                                        monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    monkeypatch.setattr(synth, "PIPELINE_ROWS", rows)
    results = []
    for fill in (_one_at_a_time, Synthesizer.fill):
        with monkeypatch.context() as m, engine.start(exposure="legacy") as db:
            m.setattr(Synthesizer, "fill", fill)
            _project, applied = apply_sql(db, {"20240101000000_schema.sql": SCHEMA})
            assert applied.complete, [str(f) for f in applied.failures]
            with db.connect() as conn:
                snapshot = take_snapshot(conn, exposed_schemas=("public", "graphql_public"))
            results.append(run_probe(db, snapshot, source_map=applied.source_map, jobs=2))
    serial, pipelined = results
    assert _filled(pipelined) == _filled(serial)
    assert pipelined.summary["rows_synthesised"] == serial.summary["rows_synthesised"]
    assert [f.to_dict() for f in pipelined.findings] == [f.to_dict() for f in serial.findings]
    filled = _filled(serial)
    # the cases are there: a swallowed table, one that keeps only A's row, a refused one and its child
    assert filled["public.swallowed"][1] == "a BEFORE INSERT trigger discarded the row"
    assert set(filled["public.picky"][0]) == {"A"} and filled["public.picky"][1]
    assert filled["public.picky_b"][0] == {} and filled["public.picky_b"][1]  # B's row never tried
    assert filled["public.refused"][1] == "could not insert a row: made elsewhere"
    assert "needs a row in public.refused" in (filled["public.under_refused"][1] or "")
    assert filled["public.members"][0]["A"][2] is False  # the trigger's row, adopted
    assert all(set(filled[f"public.plain_{i}"][0]) >= {"A", "B"} for i in range(12))
