"""Runs of schema statements go to the server in one pipeline: a failure inside a run still names
its own statement, and every object is still traced to the statement that created it."""

from __future__ import annotations

import pytest

from toolkit.apply import MAX_BATCH, batchable
from toolkit.engine.base import Database
from toolkit.errors import MigrationError
from toolkit.model import Location
from toolkit.sql.split import split_statements

A = "20240101000000_a.sql"
REL = f"supabase/migrations/{A}"


def test_schema_statements_batch_and_session_statements_run_alone() -> None:
    stmts = split_statements(
        "create table t (id int); create policy p on t using (true); set search_path = ''; select 1; "
        "do $$ begin end $$; create index concurrently i on t (id); begin; grant pg_read_server_files to postgres;")
    assert [batchable(s) for s in stmts] == [True, True, False, False, False, False, False, False]


def test_a_failure_inside_a_run_names_its_statement(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MigrationError) as e:
        apply_sql(db, {A: "create table public.a (id int);\ncreate table public.b (id int);\n"
                          "create table public.a (id int);\ncreate table public.c (id int);\n"})
    assert str(e.value) == f"{REL}:3:1: relation \"a\" already exists"
    with db.connect() as conn:
        assert conn.execute("select to_regclass('public.b')").fetchone()[0] is None  # type: ignore[index]


def test_an_error_position_inside_a_run_maps_to_line_and_column(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MigrationError) as e:
        apply_sql(db, {A: "create table public.a (id int);\n\ncreate table public.b (\n  id int,\n"
                          "  n nosuchtype\n);\ncreate table public.c (id int);\n"})
    assert str(e.value).startswith(f"{REL}:5:5: type \"nosuchtype\" does not exist")


def test_runs_interleaved_with_lone_statements_keep_attribution(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    _, result = apply_sql(db, {A: """
        create table public.a (id int primary key);
        do $$ begin execute 'create table public.b (id int)'; end $$;
        alter table public.a enable row level security;
        set search_path = public;
        create policy p on a for select using (true);
        create index a_idx on public.a (id);
        """})
    sm = result.source_map
    assert sm.created("table", "public.a") == Location(REL, 1, 1)
    assert sm.created("table", "public.b") == Location(REL, 2, 1)
    assert sm.created("policy", "p on public.a") == Location(REL, 5, 1)
    assert sm.created("index", "public.a_idx") == Location(REL, 6, 1)
    rls = [e for e in sm.events_for("table", "public.a") if e.statement_kind == "alter_table_stmt"]
    assert [e.location.line for e in rls] == [3]
    assert result.statements == 6


def test_attribution_holds_across_the_batch_limit(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    n = MAX_BATCH + 20
    sql = "".join(f"create table public.t{i} (id int primary key);\n" for i in range(n))
    _, result = apply_sql(db, {A: sql})
    sm = result.source_map
    for i in (0, MAX_BATCH - 1, MAX_BATCH, n - 1):
        assert sm.created("table", f"public.t{i}") == Location(REL, i + 1, 1)
        assert sm.created("index", f"public.t{i}_pkey") == Location(REL, i + 1, 1)
    assert result.statements == n


def test_identical_statements_and_ones_without_objects_keep_their_own_lines(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    """Each statement of a run is told apart by its position, not its text: the same statement
    twice, and statements that make no object in between, do not shift the lines."""
    _, result = apply_sql(db, {A: "create table public.a (id int);\n"
                                  "comment on table public.a is 'x';\n"
                                  "insert into public.a values (1);\n"
                                  "create table if not exists public.a (id int);\n"
                                  "comment on table public.a is 'x';\n"
                                  "create table /*supakit:0*/ public.b (id int);\n"})
    sm = result.source_map
    comments = [e.location.line for e in sm.events_for("table", "public.a") if e.statement_kind == "comment_stmt"]
    assert comments == [2, 5]
    assert sm.created("table", "public.b") == Location(REL, 6, 1)
    assert result.statements == 6
