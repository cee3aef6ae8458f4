"""B attaching rows to a parent of A's that B cannot read is a cross-tenant write; attaching to a
parent B can read (a comment on a public post) is not."""

from __future__ import annotations

from tests.probe.conftest import by_rule
from toolkit.model import Level

TABLES = """
create table public.projects (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  name text not null
);
create table public.tasks (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  project_id uuid not null references public.projects (id),
  title text not null
);
create table public.project_files (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  project_id uuid not null references public.projects (id) on delete cascade,
  path text not null
);
create table public.project_notes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  project_id uuid not null references public.projects (id) on delete cascade,
  body text not null
);
create table public.posts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  body text not null
);
create table public.comments (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  post_id uuid not null references public.posts (id),
  body text not null
);
alter table public.projects enable row level security;
alter table public.tasks enable row level security;
alter table public.project_files enable row level security;
alter table public.project_notes enable row level security;
alter table public.posts enable row level security;
alter table public.comments enable row level security;
create policy projects_own on public.projects for all to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
-- a project's notes are read by the project's owner, whoever wrote them
create policy project_notes_read on public.project_notes for select to authenticated
  using ((select auth.uid()) = user_id
         or exists (select 1 from public.projects p where p.id = project_notes.project_id));
create policy posts_read on public.posts for select to authenticated using (true);
create policy posts_write on public.posts for insert to authenticated with check ((select auth.uid()) = user_id);
create policy comments_read on public.comments for select to authenticated using (true);
"""
OWNER_ONLY = """
create policy tasks_select_own on public.tasks for select to authenticated using ((select auth.uid()) = user_id);
create policy tasks_insert_own on public.tasks for insert to authenticated with check ((select auth.uid()) = user_id);
create policy tasks_update_own on public.tasks for update to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy comments_insert_own on public.comments for insert to authenticated
  with check ((select auth.uid()) = user_id);
create policy project_notes_insert_own on public.project_notes for insert to authenticated
  with check ((select auth.uid()) = user_id);
create policy project_files_own on public.project_files for all to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
"""
PARENT_PINNED = """
create policy tasks_select_own on public.tasks for select to authenticated using ((select auth.uid()) = user_id);
create policy tasks_insert_own on public.tasks for insert to authenticated with check (
  (select auth.uid()) = user_id
  and exists (select 1 from public.projects p where p.id = tasks.project_id and p.user_id = (select auth.uid())));
create policy tasks_update_own on public.tasks for update to authenticated
  using ((select auth.uid()) = user_id) with check (
  (select auth.uid()) = user_id
  and exists (select 1 from public.projects p where p.id = tasks.project_id and p.user_id = (select auth.uid())));
create policy comments_insert_own on public.comments for insert to authenticated
  with check ((select auth.uid()) = user_id);
create policy project_notes_insert_own on public.project_notes for insert to authenticated
  with check ((select auth.uid()) = user_id
              and exists (select 1 from public.projects p where p.id = project_notes.project_id));
"""


def test_a_row_in_someone_elses_project_is_caught(probe_sql):  # type: ignore[no-untyped-def]
    result = probe_sql(TABLES + OWNER_ONLY)
    spoofs = {f.object.name: f for f in by_rule(result, "probe_owner_spoof")}
    assert set(spoofs) == {"tasks", "project_notes", "project_files"}
    assert {f.cause for f in spoofs.values()} == {"parent_key(project_id)"}  # parent_key_not_checked's
    # A finds B's note in A's project: an error
    assert spoofs["project_notes"].level is Level.ERROR
    assert spoofs["project_notes"].message.startswith(
        "user B could insert a row in public.project_notes under user A's row in public.projects (project_id)")
    # only B reads B's task, but it keeps A from deleting A's project (no cascade): an error
    assert spoofs["tasks"].level is Level.ERROR
    assert spoofs["tasks"].message == (
        "user B could insert a row in public.tasks under user A's row in public.projects (project_id); "
        "user B could move their row in public.tasks under user A's row in public.projects (project_id) "
        "(allowed by policies tasks_insert_own and tasks_update_own)")
    # only B reads B's file, and it goes with A's project: a warning
    assert spoofs["project_files"].level is Level.WARN
    assert spoofs["project_files"].message.endswith(
        "; only user B can read the row there, and it goes when the parent goes")
    # a comment under A's post: B can read the post, so attaching to it is what comments are for
    comments = next(t for t in result.tables if t.table.name == "comments")
    assert not [a for a in comments.attempts if a.fakes.startswith("parent ")]


def test_a_policy_that_pins_the_parent_is_quiet(probe_sql):  # type: ignore[no-untyped-def]
    result = probe_sql(TABLES + PARENT_PINNED)
    assert by_rule(result, "probe_owner_spoof") == []
    tasks = next(t for t in result.tables if t.table.name == "tasks")
    tried = {(a.purpose, a.command): a.outcome for a in tasks.attempts if a.fakes.startswith("parent ")}
    assert tried == {("spoof", "insert"): "denied", ("reparent", "update"): "denied"}
