"""Policy-quality rules on real migrations."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from tests.audit.conftest import Audited
from toolkit.model import Category, Level

A = "20240101000000_policies.sql"
FILES = {
    A: """
    create table public.posts (id bigint primary key, user_id uuid not null references auth.users (id),
      status text, body text);
    alter table public.posts enable row level security;
    create policy "anon edits" on public.posts for update to anon using (true) with check (true);
    create policy "auth inserts" on public.posts for insert to authenticated with check (true);
    create policy "anon posts" on public.posts for insert to anon with check (true);
    create table public.waitlist (id bigint primary key, email text not null);
    alter table public.waitlist enable row level security;
    create policy "anon signs up" on public.waitlist for insert to anon with check (true);
    create policy "public read" on public.posts for select using (true);
    create policy "owner deletes" on public.posts for delete to authenticated
      using ((select auth.uid()) = user_id);
    create table public.ungranted_posts (id bigint primary key, user_id uuid);
    alter table public.ungranted_posts enable row level security;
    revoke all on public.ungranted_posts from anon, authenticated;
    create policy "dead edits" on public.ungranted_posts for delete to anon using (true);

    create table public.docs (id bigint primary key, user_id uuid references auth.users (id), status text);
    alter table public.docs enable row level security;
    create policy "status edits" on public.docs for update to authenticated using (status = 'draft');
    create policy "owner edits" on public.docs for update to authenticated
      using ((select auth.uid()) = user_id);
    create policy "checked edits" on public.docs for update to authenticated using (status = 'open')
      with check ((select auth.uid()) = user_id);

    create table public.handoff (id bigint primary key, user_id uuid, status text);
    alter table public.handoff enable row level security;
    create policy "owner only" on public.handoff for update to authenticated
      using ((select auth.uid()) = user_id);
    create policy "handoff read" on public.handoff for select to authenticated using (true);
    create table public.loose_handoff (id bigint primary key, user_id uuid, status text);
    alter table public.loose_handoff enable row level security;
    create policy "drafts only" on public.loose_handoff for update to authenticated
      using (status = 'draft');
    create policy "loose read" on public.loose_handoff for select to authenticated using (true);

    create table public.wiki (id bigint primary key, author_id uuid references auth.users (id), status text);
    alter table public.wiki enable row level security;
    create policy "wiki read" on public.wiki for select to authenticated using (true);
    create policy "wiki edit" on public.wiki for update to authenticated
      using ((select auth.uid()) = author_id) with check (status in ('draft', 'published'));
    create table public.diary (id bigint primary key, author_id uuid references auth.users (id), status text);
    alter table public.diary enable row level security;
    create policy "diary read own" on public.diary for select to authenticated
      using ((select auth.uid()) = author_id);
    create policy "diary edit" on public.diary for update to authenticated
      using ((select auth.uid()) = author_id) with check (status in ('draft', 'published'));

    create table public.squads (id bigint primary key, owner_id uuid references auth.users (id));
    alter table public.squads enable row level security;
    create policy "own squads" on public.squads for select to authenticated
      using ((select auth.uid()) = owner_id);
    create table public.squad_tasks (id bigint primary key, team_id bigint references public.squads (id),
      title text);
    alter table public.squad_tasks enable row level security;
    create policy "squad tasks read" on public.squad_tasks for select to authenticated using (true);
    create policy "squad tasks move" on public.squad_tasks for update to authenticated
      using (team_id in (select s.id from public.squads s)) with check (team_id in (select s.id from public.squads s));
    create policy "squad tasks rename" on public.squad_tasks for update to authenticated
      using (team_id in (select s.id from public.squads s)) with check (title <> '');

    create table public.notes (id bigint primary key, owner_id uuid, body text);
    alter table public.notes enable row level security;
    create policy "signed in reads" on public.notes for select to authenticated
      using (auth.role() = 'authenticated');
    create policy "owner writes" on public.notes for insert to authenticated
      with check (owner_id = (select auth.uid()));
    create table public.catalog (id bigint primary key, title text);
    alter table public.catalog enable row level security;
    create policy "signed in reads catalog" on public.catalog for select to authenticated
      using ((select auth.role()) = 'authenticated');

    create table public.profiles (id uuid primary key references auth.users (id), name text);
    alter table public.profiles enable row level security;
    create policy "admins by metadata" on public.profiles for update to authenticated
      using ((select auth.jwt()) -> 'user_metadata' ->> 'role' = 'admin');
    create policy "admins by app metadata" on public.profiles for delete to authenticated
      using ((select auth.jwt()) -> 'app_metadata' ->> 'role' = 'admin');
    create policy "self" on public.profiles for select to authenticated using (id = auth.uid());
    create policy "self insert" on public.profiles for insert to authenticated
      with check (id = (select auth.uid()));

    create table public.tasks (id bigint primary key, team text);
    alter table public.tasks enable row level security;
    create policy "tasks a" on public.tasks for select to authenticated using (team = 'a');
    create policy "tasks b" on public.tasks for select to authenticated using (team = 'b');
    create policy "tasks narrow" on public.tasks as restrictive for select to authenticated
      using (team <> 'z');
    create policy "tasks insert" on public.tasks for insert to authenticated with check (team = 'a');
    create table public.combo (id bigint primary key, team text);
    alter table public.combo enable row level security;
    create policy "combo all" on public.combo for all to authenticated using (team = 'a');
    create policy "combo read" on public.combo for select to public using (team = 'b');
    create table public.single (id bigint primary key, team text);
    alter table public.single enable row level security;
    create policy "single read" on public.single for select to authenticated using (team = 'a');
    create policy "single narrow" on public.single as restrictive for select to authenticated
      using (team <> 'z');
    """,
}


@pytest.fixture(scope="module")
def w(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    return audit_world(FILES)


def test_policy_always_true_is_error_for_anon(w: Audited) -> None:
    f = w.one("policy_always_true", "public.anon edits on public.posts")
    assert f.level is Level.ERROR and f.category is Category.SECURITY
    assert f.object.type == "policy" and f.object.parent == "public.posts"
    assert str(f.location) == w.where(A, 'create policy "anon edits"')
    assert f.evidence["roles"] == {"anon": ["update"]}
    assert f.evidence["clauses"] == ["USING", "WITH CHECK"]


def test_policy_always_true_is_warn_for_authenticated(w: Audited) -> None:
    f = w.one("policy_always_true", "public.auth inserts on public.posts")
    assert f.level is Level.WARN
    assert f.evidence["clauses"] == ["WITH CHECK"]


def test_policy_always_true_anon_insert_is_a_warning_only_where_rows_are_nobodys(w: Audited) -> None:
    spam = w.one("policy_always_true", "public.anon signs up on public.waitlist")
    assert spam.level is Level.WARN
    assert spam.message.endswith("(a spam risk: public.waitlist holds no user or tenant data)")
    in_someones_name = w.one("policy_always_true", "public.anon posts on public.posts")
    assert in_someones_name.level is Level.ERROR


def test_policy_always_true_quiet_for_select_owner_and_ungranted(w: Audited) -> None:
    w.none("policy_always_true", "public.public read on public.posts")
    w.none("policy_always_true", "public.owner deletes on public.posts")
    w.none("policy_always_true", "public.dead edits on public.ungranted_posts")


def test_update_without_with_check_fires_when_using_leaves_owner_free(w: Audited) -> None:
    f = w.one("update_without_with_check", "public.status edits on public.docs")
    assert f.level is Level.WARN
    assert str(f.location) == w.where(A, 'create policy "status edits"')
    assert f.evidence["owner_columns"] == ["user_id"]
    assert "with check" in f.remediation


def test_update_without_with_check_quiet_when_using_ties_owner_or_check_given(w: Audited) -> None:
    w.none("update_without_with_check", "public.owner edits on public.docs")
    w.none("update_without_with_check", "public.checked edits on public.docs")


def test_policy_not_row_scoped_fires_on_role_only_predicate(w: Audited) -> None:
    f = w.one("policy_not_row_scoped", "public.signed in reads on public.notes")
    assert f.level is Level.WARN
    assert str(f.location) == w.where(A, 'create policy "signed in reads"')
    assert f.evidence["clauses"] == ["USING"] and f.evidence["owner_columns"] == ["owner_id"]


def test_policy_not_row_scoped_quiet(w: Audited) -> None:
    w.none("policy_not_row_scoped", "public.owner writes on public.notes")
    w.none("policy_not_row_scoped", "public.signed in reads catalog on public.catalog")  # no owner column
    w.none("policy_not_row_scoped", "public.public read on public.posts")  # literal true: intent
    w.none("policy_not_row_scoped", "public.status edits on public.docs")  # reads the row


def test_user_metadata_in_policy(w: Audited) -> None:
    f = w.one("user_metadata_in_policy", "public.admins by metadata on public.profiles")
    assert f.level is Level.ERROR
    assert str(f.location) == w.where(A, 'create policy "admins by metadata"')
    w.none("user_metadata_in_policy", "public.admins by app metadata on public.profiles")


def test_auth_function_not_wrapped(w: Audited) -> None:
    f = w.one("auth_function_not_wrapped", "public.self on public.profiles")
    assert f.level is Level.WARN and f.category is Category.PERFORMANCE
    assert f.evidence["calls"] == ["auth.uid()"]
    assert str(f.location) == w.where(A, 'create policy "self" ')
    assert "(select auth.uid())" in f.remediation
    g = w.one("auth_function_not_wrapped", "public.signed in reads on public.notes")
    assert g.evidence["calls"] == ["auth.role()"]
    w.none("auth_function_not_wrapped", "public.self insert on public.profiles")
    w.none("auth_function_not_wrapped", "public.signed in reads catalog on public.catalog")


def test_multiple_permissive_policies(w: Audited) -> None:
    f = w.one("multiple_permissive_policies", "public.tasks")
    assert f.level is Level.WARN and f.category is Category.PERFORMANCE
    assert f.evidence["policies"] == ["tasks a", "tasks b"]
    assert f.evidence["pairs"] == [{"role": "authenticated", "command": "select"}]
    assert str(f.location) == w.where(A, 'create policy "tasks b"')


def test_multiple_permissive_expands_all_and_public(w: Audited) -> None:
    f = w.one("multiple_permissive_policies", "public.combo")
    assert f.evidence["pairs"] == [{"role": "authenticated", "command": "select"}]


def test_multiple_permissive_quiet_with_restrictive(w: Audited) -> None:
    assert not w.findings("multiple_permissive_policies", "public.single")


def _update_as(w: Audited, user: uuid.UUID, sql: str) -> str:
    """Run an UPDATE as an authenticated user, as PostgREST would; always rolled back."""
    with w.db.connect(superuser=True) as conn:
        try:
            with conn.transaction(force_rollback=True):
                conn.execute("set local role authenticated")
                conn.execute("select set_config('request.jwt.claims', %s, true)",
                             (json.dumps({"sub": str(user), "role": "authenticated"}),))
                return f"updated {conn.execute(sql).rowcount}"  # type: ignore[arg-type]
        except psycopg.errors.InsufficientPrivilege as e:
            return str(e).splitlines()[0]


def test_update_without_with_check_matches_postgres_behaviour(w: Audited) -> None:
    """What the rule documents: without WITH CHECK, Postgres re-checks the USING on the new row,
    so a USING that binds user_id pins it, and one that does not leaves it free."""
    a, b = uuid.uuid4(), uuid.uuid4()
    with w.db.connect(superuser=True) as conn:
        conn.execute("insert into public.handoff values (1, %s, 'draft')", (a,))
        conn.execute("insert into public.loose_handoff values (1, %s, 'draft')", (a,))
    pinned = _update_as(w, a, f"update public.handoff set user_id = '{b}' where id = 1")
    assert "row-level security" in pinned
    free = _update_as(w, a, f"update public.loose_handoff set user_id = '{b}' where id = 1")
    assert free == "updated 1"
    w.none("update_without_with_check", "public.owner only on public.handoff")
    assert w.findings("update_without_with_check", "public.drafts only on public.loose_handoff")


def test_explicit_with_check_that_frees_the_owner_matches_postgres_behaviour(w: Audited) -> None:
    """An explicit WITH CHECK that ignores the owner lets the author hand the row over, unless
    the SELECT policies pin the owner: PostgREST's filtered UPDATE must be able to read the new row."""
    a, b = uuid.uuid4(), uuid.uuid4()
    with w.db.connect(superuser=True) as conn:
        conn.execute("insert into auth.users (id) values (%s), (%s)", (a, b))
        conn.execute("insert into public.wiki values (1, %s, 'draft')", (a,))
        conn.execute("insert into public.diary values (1, %s, 'draft')", (a,))
    handed = _update_as(w, a, f"update public.wiki set author_id = '{b}' where id = 1")
    assert handed == "updated 1"
    kept = _update_as(w, a, f"update public.diary set author_id = '{b}' where id = 1")
    assert "row-level security" in kept
    f = w.one("update_without_with_check", "public.wiki edit on public.wiki")
    assert f.level is Level.WARN and f.evidence["owner_columns"] == ["author_id"]
    assert "neither its WITH CHECK nor the SELECT policies of authenticated tie author_id" in f.message
    assert f.remediation.endswith("with check ((status = ANY (ARRAY['draft'::text, 'published'::text])) "
                                  "and author_id = (select auth.uid()));")
    w.none("update_without_with_check", "public.diary edit on public.diary")


def test_a_check_through_a_table_read_only_by_its_owner_pins_the_column(w: Audited) -> None:
    """`team_id in (select s.id from public.squads s)`: the squads' RLS shows the caller only
    their own, so the team cannot be changed to someone else's."""
    w.none("update_without_with_check", "public.squad tasks move on public.squad_tasks")
    w.one("update_without_with_check", "public.squad tasks rename on public.squad_tasks")
