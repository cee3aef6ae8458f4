"""Applying migrations: CLI semantics, history records, error positions and the source map."""

from __future__ import annotations

import pytest

from toolkit.engine.base import Database
from toolkit.errors import MigrationError
from toolkit.model import Location

A = "20240101000000_create_notes.sql"
B = "20240102000000_policies.sql"


def test_records_schema_migrations_like_the_cli(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    _, result = apply_sql(db, {
        A: "create table public.notes (id int primary key);\ninsert into public.notes values (1);\n",
        B: "alter table public.notes enable row level security;\n",
    })
    assert result.applied == ["20240101000000", "20240102000000"]
    with db.connect() as conn:
        rows = conn.execute(
            "select version, name, statements from supabase_migrations.schema_migrations order by version").fetchall()
    assert rows[0] == ("20240101000000", "create_notes",
                       ["create table public.notes (id int primary key)", "insert into public.notes values (1)"])
    assert rows[1][1] == "policies"


def test_every_object_is_traced_to_its_statement(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    project, result = apply_sql(db, {
        A: """
           -- notes
           create table public.notes (
             id uuid primary key default gen_random_uuid(),
             user_id uuid references auth.users (id)
           );
           create index notes_user_id_idx on public.notes (user_id);
           """,
        B: """
           alter table public.notes enable row level security;

           create policy "own notes" on public.notes
             for select to authenticated using ((select auth.uid()) = user_id);
           create function public.touch() returns trigger language plpgsql set search_path = '' as $$
           begin return new; end $$;
           do $$ begin execute 'create view public.v as select 1 as x'; end $$;
           """,
    })
    sm = result.source_map
    a, b = f"supabase/migrations/{A}", f"supabase/migrations/{B}"
    assert sm.created("table", "public.notes") == Location(a, 2, 1)
    assert sm.created("index", "public.notes_user_id_idx") == Location(a, 6, 1)
    assert sm.created("policy", "\"own notes\" on public.notes") == Location(b, 3, 1)
    assert sm.created("function", "public.touch()") == Location(b, 5, 1)
    assert sm.created("view", "public.v") == Location(b, 7, 1)
    alters = [e for e in sm.events_for("table", "public.notes") if e.statement_kind == "alter_table_stmt"]
    assert alters and alters[0].location == Location(b, 1, 1)
    assert "enable row level security" in alters[0].statement


def test_error_position_maps_to_file_line_col(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MigrationError) as e:
        apply_sql(db, {A: "create table public.ok (id int);\n\nselect id,\n       missing_col from public.ok;\n"})
    assert str(e.value).startswith(f"supabase/migrations/{A}:4:8: column \"missing_col\" does not exist")


def test_syntax_error_is_reported_with_position(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MigrationError) as e:
        apply_sql(db, {A: "create table public.ok (id int);\ncreat table x ();\n"})
    assert str(e.value).startswith(f"supabase/migrations/{A}:2:1: syntax error at or near \"creat\"")


def test_a_failing_file_is_rolled_back_whole(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MigrationError):
        apply_sql(db, {A: "create table public.half (id int);\nselect 1/0;\n"})
    with db.connect() as conn:
        assert conn.execute("select to_regclass('public.half')").fetchone()[0] is None
        assert conn.execute("select count(*) from supabase_migrations.schema_migrations").fetchone()[0] == 0


def test_keep_going_reports_each_failure_and_applies_the_rest(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    _, result = apply_sql(db, {
        "20240101000000_a.sql": "select 1/0;",
        "20240102000000_b.sql": "create table public.fine (id int);",
        "20240103000000_c.sql": "select nope;",
    }, keep_going=True)
    assert result.applied == ["20240102000000"]
    assert [f.location.line for f in result.failures] == [1, 1]
    assert "division by zero" in result.failures[0].message
    assert not result.complete


def test_concurrently_runs_outside_the_file_transaction(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    _, result = apply_sql(db, {
        A: "create table public.big (id int);\ncreate index concurrently big_id_idx on public.big (id);\n",
    })
    assert result.applied == [A[:14]]
    assert result.source_map.created("index", "public.big_id_idx") is not None


def test_seed_runs_after_migrations(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    _, result = apply_sql(db, {A: "create table public.s (id int);"}, seed="insert into public.s values (1), (2);")
    assert result.seed_applied
    with db.connect() as conn:
        assert conn.execute("select count(*) from public.s").fetchone()[0] == 2
        assert conn.execute("select path from supabase_migrations.seed_files").fetchone()[0] == "supabase/seed.sql"


def test_migrations_run_as_postgres_not_superuser(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MigrationError, match="permission denied|must be superuser"):
        apply_sql(db, {A: "copy (select 1) to program 'touch /tmp/supakit-escaped';"})


def test_host_access_roles_are_refused(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MigrationError, match="pg_execute_server_program"):
        apply_sql(db, {A: "grant pg_execute_server_program to postgres;\ncopy (select 1) to program 'id';"})
    with db.connect() as conn:
        assert not conn.execute(
            "select pg_has_role('postgres', 'pg_execute_server_program', 'member')").fetchone()[0]
