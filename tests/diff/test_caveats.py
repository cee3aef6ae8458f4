"""Destructive changes are refused unless allowed; what the differ cannot write is said, never
silently dropped; a live database's hand-made changes become a migration, read only."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write_files
from tests.diff.conftest import diff

NOTES = """
create schema private;
create table public.notes (
  id bigint generated always as identity primary key,
  owner_id uuid not null default auth.uid() references auth.users (id),
  body varchar(50),
  views integer,
  created_at timestamptz default now()
);
create index notes_owner_id_idx on public.notes (owner_id);
alter table public.notes enable row level security;
create policy notes_own on public.notes for all to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create view public.note_titles as select id, body from public.notes;
create function public.note_count() returns bigint language sql stable set search_path = ''
  as $$ select count(*) from public.notes $$;
"""


def project(root: Path, declared: str) -> Path:
    write_files(root, {"20240101000000_notes.sql": NOTES})
    (root / "supabase" / "schemas").mkdir()
    (root / "supabase" / "schemas" / "notes.sql").write_text(declared)
    return root


def test_data_loss_is_refused_without_allow_destructive(public_tmp: Path, engine) -> None:  # type: ignore[no-untyped-def]
    declared = (NOTES.replace("  created_at timestamptz default now()\n", "").replace("views integer,", "views bigint")
                .replace("varchar(50)", "varchar(100)"))
    root = project(public_tmp / "p", declared)
    code, out, err = diff(root, "trim notes")
    assert code == 1, err
    assert "refused: 2 statement(s) would lose data; nothing written" in err
    assert "drops column created_at and its values" in err
    assert "changes the type of column views from integer to bigint" in err
    assert "column body" not in err  # a longer varchar is neither a rewrite nor a cut
    assert len(list((root / "supabase" / "migrations").iterdir())) == 1

    code, out, err = diff(root, "trim notes", "--allow-destructive", "--no-audit")
    assert code == 0, err
    written = sorted((root / "supabase" / "migrations").iterdir())[-1].read_text()
    assert 'drop column "created_at"' in written and "set data type bigint" in written
    assert 'set data type character varying(100)' in written
    code, _out, err = diff(root, "again")
    assert (code, "supakit: No changes:" in err) == (0, True), err


CAVEATS = NOTES.replace(
    "create view public.note_titles as", "create view public.note_titles with (security_invoker = true) as"
).replace("using (owner_id = (select auth.uid())) with check", "using ((select auth.uid()) = owner_id) with check") + """
alter table public.notes force row level security;
revoke execute on function public.note_count() from public, anon, authenticated;
revoke all on public.notes from anon;
grant select (body) on public.notes to anon;
grant usage on schema private to authenticated;
comment on table public.notes is 'what users write';
insert into storage.buckets (id, name) values ('notes', 'notes');
create table public.tags (id bigint primary key);
alter table public.tags enable row level security;
"""


def test_what_the_differ_cannot_write_is_reported(public_tmp: Path, engine) -> None:  # type: ignore[no-untyped-def]
    root = project(public_tmp / "p", CAVEATS)
    code, out, err = diff(root, "caveats", "--no-audit", "--format", "json")
    assert code == 1, err  # a view left SECURITY DEFINER and an EXECUTE left to anon leave more access
    sql = sorted((root / "supabase" / "migrations").iterdir())[-1].read_text()
    # a changed policy is dropped and created again, and the output says so
    assert 'drop policy "notes_own" on "public"."notes";' in sql and 'create policy "notes_own"' in sql
    assert "policy notes_own on public.notes is dropped and created again" in err
    # comments and data (DML) are not the differ's business: absent from the migration
    assert "comment on" not in sql.lower() and "insert into" not in sql.lower()
    # a new table's default privileges are the platform's: no grant repeats them
    assert 'create table "public"."tags"' in sql and "grant" not in sql
    findings = {(f["object"]["name"], f["evidence"]["differs"].split(":")[0], f["level"])
                for f in json.loads(out)["findings"]}
    assert findings == {
        ("note_titles", "security_invoker", "error"),
        ("notes", "force row level security", "error"),
        ("notes", "column privileges of anon", "warn"),
        ("note_count()", "EXECUTE", "error"),
        ("private", "USAGE on the schema", "warn"),
    }
    assert all(f["location"]["file"] == "supabase/schemas/notes.sql" for f in json.loads(out)["findings"])


def test_a_live_database_is_read_only_and_its_changes_are_recorded(public_tmp: Path, db) -> None:  # type: ignore[no-untyped-def]
    from tests.live.conftest import url_for
    from toolkit.apply import apply_migrations
    from toolkit.migrations import discover

    root = write_files(public_tmp / "p", {"20240101000000_notes.sql": NOTES})
    apply_migrations(db, discover(root / "supabase" / "migrations", root).files)
    with db.connect() as conn:  # changes made by hand in the dashboard
        conn.execute("alter table public.notes add column pinned boolean not null default false")
        conn.execute("create index notes_pinned_idx on public.notes (pinned)")
    state = "select count(*), max(xmin::text::bigint) from pg_class"
    with db.connect() as conn:
        before = conn.execute(state).fetchone()
    code, out, err = diff(root, "pull dashboard", "--db-url", url_for(db, "postgres", None), "--no-audit")
    assert code == 0, err
    written = sorted((root / "supabase" / "migrations").iterdir())[-1]
    sql = written.read_text()
    assert sql.startswith("-- Generated by supakit diff from the live database postgresql://postgres@")
    assert 'add column "pinned" boolean not null default false' in sql
    assert "CREATE INDEX notes_pinned_idx" in sql
    with db.connect() as conn:
        assert conn.execute(state).fetchone() == before
    code, _out, err = diff(root, "again", "--db-url", url_for(db, "postgres", None))
    assert (code, "supakit: No changes:" in err) == (0, True), err


LINKED = """
create table public.orgs (id bigint primary key, slug text not null, constraint orgs_id_slug_key unique (id, slug));
alter table public.orgs enable row level security;
create table public.projects (id bigint primary key, org_id bigint not null, org_slug text not null,
  foreign key (org_id, org_slug) references public.orgs (id, slug));
create index projects_org_idx on public.projects (org_id, org_slug);
alter table public.projects enable row level security;
"""


def test_schemas_that_declare_only_part_are_refused_before_anything_runs(public_tmp: Path, engine) -> None:  # type: ignore[no-untyped-def]
    """Declaring one new table and nothing else makes the differ drop the rest, in an order that
    does not even apply here: without --allow-destructive that is the refusal, not an apply error."""
    root = public_tmp / "p"
    write_files(root, {"20240101000000_linked.sql": LINKED})
    (root / "supabase" / "schemas").mkdir()
    (root / "supabase" / "schemas" / "t1.sql").write_text(
        "create table public.t1 (id bigint primary key);\nalter table public.t1 enable row level security;\n")
    code, out, err = diff(root, "only t1")
    assert code == 1, err
    assert "refused:" in err and 'drop table "public"."projects"' in err
    assert "does not apply" not in err
    assert len(list((root / "supabase" / "migrations").iterdir())) == 1

    code, out, err = diff(root, "only t1", "--allow-destructive", "--dry-run")
    assert code == 2, err
    assert ('does not apply at line 4:1 `alter table "public"."orgs" drop constraint "orgs_id_slug_key";`'
            in err), err
    assert "--dry-run` prints" not in err  # it is a dry run already
    code, out, err = diff(root, "only t1", "--allow-destructive")
    assert code == 2 and "`--dry-run` prints all of it" in err, err
    assert len(list((root / "supabase" / "migrations").iterdir())) == 1
