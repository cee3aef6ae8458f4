"""The probe's extra catalog queries (typeinfo.load_extras): one round trip, no JIT, the same
facts as the five queries sent one by one, and the caller's settings left as they were."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from tests.bench.stages import RoundTrips
from toolkit.engine.base import Database
from toolkit.probe import typeinfo as ti
from toolkit.probe.typeinfo import Extras, load_extras

SCHEMA = """
create type public.status as enum ('new', 'done');
create domain public.positive as int check (value > 0) not null;
create domain public.short as varchar(8) check (length(value) > 1);
create table public.plain (id bigserial primary key, s public.status default 'new',
                           tags public.short[], span int4range, amount public.positive,
                           doubled int generated always as (amount * 2) stored,
                           check (amount < 100), unique (s, amount));
create table public.logged (id int primary key, note text);
create function public.swallow() returns trigger language plpgsql as
  $$ begin return null; end $$;
create trigger logged_before before insert on public.logged
  for each row execute function public.swallow();
create table public.ruled (id int primary key);
create rule ruled_instead as on insert to public.ruled do instead nothing;
create table public.parted (id int, region text, primary key (id, region))
  partition by list (region);
create table public.parted_eu partition of public.parted for values in ('eu');
create table public.parted_us partition of public.parted for values in ('us', 'ca');
create trigger parted_us_before before insert on public.parted_us
  for each row execute function public.swallow();
create table public.ranged (id int, at date) partition by range (at);
create table public.ranged_2024 partition of public.ranged
  for values from ('2024-01-01') to ('2025-01-01');
create table public."Odd name" (id int primary key check (id <> 7));
revoke all on sequence public.plain_id_seq from anon;
"""
TABLES = ["public.plain", "public.logged", "public.ruled", "public.parted", "public.parted_eu",
          "public.parted_us", "public.ranged", "public.ranged_2024", 'public."Odd name"']


def one_by_one(conn: psycopg.Connection, tables: list[str]) -> Extras:
    """The reference: load_extras as it was, each query its own round trip, JIT as configured."""
    out = Extras()
    params = {"rels": tables}
    prev = conn.execute("select current_setting('search_path')").fetchone()
    conn.execute("select set_config('search_path', '', true)")
    try:
        for table, column, typ, typmod in conn.execute(ti.COLUMNS, params).fetchall():
            out.column_types[(table, column)] = (int(typ), int(typmod))
        out.types.update(ti._type_info(row) for row in conn.execute(ti.TYPES, params).fetchall())
        for table, name, kind, cols, definition in conn.execute(ti.CONSTRAINTS, params).fetchall():
            out.constraint_columns[(table, name)] = tuple(cols)
            if kind == "c":
                out.checks.setdefault(table, []).append(
                    ti.CheckConstraint(name, tuple(cols), ti.check_body(definition)))
        out.plain_inserts = frozenset(r[0] for r in conn.execute(ti.PLAIN_INSERTS, params).fetchall())
        for kind, name, flag, loud, defaults, names in conn.execute(ti.QUIET, params).fetchall():
            if kind == "role":
                out.api_roles[name] = ti.ApiRole(bool(flag), frozenset(names))
            else:
                out.quiet[name] = ti.Quiet(bool(flag), bool(loud), tuple(defaults), frozenset(names))
    finally:
        conn.execute("select set_config('search_path', %s, true)", [prev[0] if prev else ""])
    return out


def test_extras_in_one_round_trip_match_the_queries_one_by_one(
        db: Database, apply_sql: Callable[..., Any]) -> None:
    _, applied = apply_sql(db, {"20240101000000_schema.sql": SCHEMA})
    assert applied.complete, [str(f) for f in applied.failures]
    with db.connect() as conn, conn.transaction():
        reference = one_by_one(conn, TABLES)
        with RoundTrips(conn) as trips:
            got = load_extras(conn, TABLES)
    assert trips.count == 1
    assert got == reference
    assert got.plain_inserts == {"public.plain", "public.parted_eu", "public.ranged",
                                 "public.ranged_2024", 'public."Odd name"'}
    assert got.checks['public."Odd name"'][0].expression == "((id <> 7))"
    assert not got.quiet["public.parted"].quiet and got.quiet["public.plain"].loud_columns
    assert got.quiet["public.plain"].sequence_denied == {"anon"}


def test_extras_run_without_jit_and_leave_the_callers_settings(db: Database) -> None:
    with db.connect() as conn, conn.transaction():
        conn.execute("select set_config('jit', 'on', true), "
                     "set_config('search_path', 'public, extensions', true)")
        conn.execute(ti._ENTER)
        assert conn.execute("select current_setting('jit'), current_setting('search_path')"
                            ).fetchone() == ("off", "")
        conn.execute(ti._LEAVE)
        extras = load_extras(conn, ["pg_catalog.pg_class"])
        assert extras.column_types[("pg_catalog.pg_class", "relname")][0] == 19  # name
        assert conn.execute("select current_setting('jit'), current_setting('search_path')"
                            ).fetchone() == ("on", "public, extensions")
