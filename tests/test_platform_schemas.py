"""The auth, storage and realtime schemas as on a hosted project since 2025-04-21, row by row of
docs/shim.md ("The platform schemas"): what stays allowed is silent, what is refused is reported
at its file:line and the audit goes on, with the platform's own auth.uid()."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import write_project
from toolkit.apply import ApplyResult, apply_migrations
from toolkit.engine.base import Database
from toolkit.migrations import discover
from toolkit.model import Level
from toolkit.pipeline import AuditOptions, audit, start_and_apply

REPO = Path(__file__).resolve().parent.parent

SETUP = """
create table public.profiles (id uuid primary key references auth.users (id) on delete cascade, name text);
create function public.handle_new_user() returns trigger language plpgsql security definer set search_path = ''
as $$ begin insert into public.profiles (id) values (new.id); return new; end $$;
"""


@dataclass(frozen=True)
class Row:
    label: str  # as written in the table of docs/shim.md
    sql: str
    action: str | None  # None: allowed and silent; else what supakit did (replayed, skipped, no_effect)
    check: str | None = None  # must be true afterwards


ROWS = [
    Row("foreign key to auth.users", "create table public.notes (user_id uuid references auth.users (id));", None),
    Row("create trigger on auth.users", "create trigger on_signup after insert on auth.users "
        "for each row execute function public.handle_new_user();", None,
        check="exists (select from pg_trigger where tgname = 'on_signup')"),
    Row("drop trigger on auth.users", "create trigger t2 after update on auth.users "
        "for each row execute function public.handle_new_user();\ndrop trigger t2 on auth.users;", None),
    Row("create policy on storage.objects", "create policy avatars on storage.objects for select to authenticated "
        "using (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);", None,
        check="exists (select from pg_policies where policyname = 'avatars')"),
    Row("alter policy, drop policy on storage.objects",
        "create policy tmp on storage.objects for select using (false);\n"
        "alter policy tmp on storage.objects using (bucket_id = 'x');\ndrop policy tmp on storage.objects;", None),
    Row("a policy on storage.objects from a DO block", """do $$ begin
        if not exists (select from pg_policies where schemaname = 'storage' and policyname = 'uploads') then
            create policy uploads on "storage"."objects" for insert to authenticated with check (bucket_id = 'u');
        end if; end $$;""", None, check="exists (select from pg_policies where policyname = 'uploads')"),
    Row("create policy on realtime.messages", "create policy room on realtime.messages for select to authenticated "
        "using ((select realtime.topic()) = 'room:1');", None),
    Row("insert into auth.users", "insert into auth.users (id, email) values (gen_random_uuid(), 'a@example.com');",
        None),
    Row("create function auth.is_admin()",
        "create function auth.is_admin() returns boolean language sql as $$ select true $$;", "replayed",
        check="(select proowner::regrole::text from pg_proc where proname = 'is_admin') = 'postgres'"),
    Row("create or replace function auth.uid()",
        "create or replace function auth.uid() returns uuid language sql as $$ select null::uuid $$;", "skipped",
        check="(select prosrc from pg_proc where oid = 'auth.uid()'::regprocedure) like '%request.jwt.claims%'"),
    Row("drop function storage.foldername", "drop function storage.foldername(text);", "skipped",
        check="to_regprocedure('storage.foldername(text)') is not null"),
    Row("alter table auth.users enable row level security", "alter table auth.users enable row level security;",
        "replayed"),
    Row("alter table auth.users owner to postgres", "alter table auth.users owner to postgres;", "skipped",
        check="(select relowner::regrole::text from pg_class where oid = 'auth.users'::regclass) "
              "= 'supabase_auth_admin'"),
    Row("create table auth.user_roles", "create table auth.user_roles (user_id uuid, role text);", "replayed"),
    Row("create index on auth.users", "create index users_email_lower on auth.users (lower(email));", "replayed"),
    Row("create policy on auth.schema_migrations",
        "create policy readable on auth.schema_migrations for select using (true);", "replayed"),
    Row("insert into auth.schema_migrations", "insert into auth.schema_migrations values ('20990101');", "skipped",
        check="not exists (select from auth.schema_migrations where version = '20990101')"),
    Row("revoke select on storage.objects from anon", "revoke select on storage.objects from anon;", "no_effect",
        check="has_table_privilege('anon', 'storage.objects', 'select')"),
]


@pytest.fixture(scope="module")
def applied(engine, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    files = {"20240101000000_setup.sql": SETUP}
    files.update({f"2024010200{i:04d}_row.sql": row.sql for i, row in enumerate(ROWS)})
    project = write_project(tmp_path_factory.mktemp("platform"), files)
    db = engine.start(exposure="legacy")
    try:
        yield db, apply_migrations(db, discover(project.migrations_dir, project.root).files)
    finally:
        db.close()


@pytest.mark.parametrize("index", range(len(ROWS)), ids=[r.label for r in ROWS])
def test_row(applied: tuple[Database, ApplyResult], index: int) -> None:
    db, result = applied
    row = ROWS[index]
    name = f"2024010200{index:04d}_row.sql"
    assert result.complete
    changes = [c for c in result.platform_changes if c.location.file.endswith(name)]
    assert [c.action for c in changes] == ([row.action] if row.action else [])
    if row.check:
        with db.connect() as conn:
            assert conn.execute(f"select {row.check}").fetchone() == (True,)  # type: ignore[arg-type]


def test_every_row_is_in_the_docs_table() -> None:
    text = (REPO / "docs" / "shim.md").read_text(encoding="utf-8").replace("`", "")
    assert [r.label for r in ROWS if f"| {r.label} |" not in text] == []


def test_platform_objects_belong_to_the_platform(db: Database) -> None:
    """As on hosted: every shim object in auth is supabase_auth_admin's, in storage
    supabase_storage_admin's, in realtime supabase_admin's or supabase_realtime_admin's."""
    with db.connect() as conn:
        rows = conn.execute("""
            select n.nspname, o.kind, o.name, r.rolname from (
                select relnamespace, 'relation', relname::text, relowner from pg_class where relkind in ('r','v','S','p')
                union all select pronamespace, 'function', proname::text, proowner from pg_proc
                union all select typnamespace, 'type', typname::text, typowner from pg_type
                     where typtype in ('e', 'c') and typrelid = 0) o(nsp, kind, name, owner)
            join pg_namespace n on n.oid = o.nsp join pg_roles r on r.oid = o.owner
            where n.nspname in ('auth', 'storage', 'realtime')""").fetchall()
        member = conn.execute("select pg_has_role('postgres', 'supabase_auth_admin', 'member') "
                              "or pg_has_role('postgres', 'supabase_storage_admin', 'member') "
                              "or pg_has_role('postgres', 'supabase_realtime_admin', 'member')").fetchone()
    owners = {"auth": {"supabase_auth_admin"}, "storage": {"supabase_storage_admin"},
              "realtime": {"supabase_admin", "supabase_realtime_admin"}}
    assert rows and [r for r in rows if r[3] not in owners[r[0]]] == []
    assert member == (False,)


def test_audit_reports_both_and_uses_the_platforms_auth_uid(engine, project_factory) -> None:  # type: ignore[no-untyped-def]
    """The issue's two statements: errors at their file:line, the audit completes, and what the
    audit evaluates is the platform's auth.uid(), not the one the migration wrote."""
    project = project_factory({
        "20240101000000_old_helpers.sql": """
            create or replace function auth.uid() returns uuid language sql stable as $$
              select id from auth.users order by id limit 1 $$;
            alter table auth.users enable row level security;
        """,
        "20240101000001_notes.sql": """
            create table public.notes (id bigint generated always as identity primary key,
              user_id uuid not null references auth.users (id), body text);
            create index on public.notes (user_id);
            alter table public.notes enable row level security;
            create policy "own notes" on public.notes for all to authenticated
              using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
        """})
    report = audit(project, AuditOptions(engine="local", probe=False), lambda _m: None)
    assert report.incomplete is False
    found = [(f.level, f.location.file, f.location.line, f.evidence["supakit"])  # type: ignore[union-attr]
             for f in report.findings if f.rule == "platform_schema_modified"]
    rel = "supabase/migrations/20240101000000_old_helpers.sql"
    assert found == [(Level.ERROR, rel, 1, "skipped"), (Level.ERROR, rel, 3, "replayed")]
    first = next(f for f in report.findings if f.rule == "platform_schema_modified")
    assert "fails on hosted Supabase projects created since 2025-04-21" in first.message
    assert "the audit uses the platform's auth.uid" in first.message

    db, _ = start_and_apply(project, AuditOptions(engine="local"), lambda _m: None)
    sub = "11111111-2222-3333-4444-555555555555"
    with db, db.connect() as conn:
        conn.execute("insert into auth.users (id) values (gen_random_uuid())")
        conn.execute("select set_config('request.jwt.claims', %s, false)", (f'{{"sub": "{sub}"}}',))
        assert str(conn.execute("select auth.uid()").fetchone()[0]) == sub  # type: ignore[index]


def test_only_policies_and_triggers_give_no_finding(engine, project_factory) -> None:  # type: ignore[no-untyped-def]
    project = project_factory({"20240101000000_allowed.sql": SETUP + """
        create trigger on_auth_user_created after insert on auth.users
          for each row execute function public.handle_new_user();
        insert into storage.buckets (id, name) values ('avatars', 'avatars');
        create policy "avatar owners read" on storage.objects for select to authenticated
          using (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
        create policy "avatar owners upload" on storage.objects for insert to authenticated
          with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
    """})
    report = audit(project, AuditOptions(engine="local", probe=False), lambda _m: None)
    assert report.incomplete is False
    assert [f for f in report.findings if f.rule == "platform_schema_modified"] == []
