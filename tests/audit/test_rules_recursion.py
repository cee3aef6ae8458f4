"""policy_infinite_recursion says exactly what Postgres does: each case is also run as a user."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from tests.audit.conftest import Audited

A = "20240101000000_recursion.sql"
FILES = {
    A: """
    create table public.orgs (id uuid primary key default gen_random_uuid(), name text);
    create table public.members (org_id uuid references public.orgs (id),
      user_id uuid references auth.users (id), primary key (org_id, user_id));
    alter table public.orgs enable row level security;
    alter table public.members enable row level security;
    create policy "members see members" on public.members for select to authenticated
      using (org_id in (select m.org_id from public.members m where m.user_id = (select auth.uid())));
    create policy "members see orgs" on public.orgs for select to authenticated
      using (id in (select m.org_id from public.members m where m.user_id = (select auth.uid())));

    create table public.plain (id int primary key, user_id uuid);
    alter table public.plain enable row level security;
    create policy "plain read" on public.plain for select to authenticated using (user_id = auth.uid());
    create policy "plain insert" on public.plain for insert to authenticated
      with check (not exists (select 1 from public.plain x where x.id = plain.id));
    create table public.wrapped (id int primary key, user_id uuid);
    alter table public.wrapped enable row level security;
    create policy "wrapped read" on public.wrapped for select to authenticated
      using (user_id = (select auth.uid()));
    create policy "wrapped insert" on public.wrapped for insert to authenticated
      with check (not exists (select 1 from public.wrapped x where x.id = wrapped.id));

    create table public.a (id int primary key, b_id int);
    create table public.b (id int primary key, a_id int);
    alter table public.a enable row level security;
    alter table public.b enable row level security;
    create policy "a via b" on public.a for select to authenticated
      using (exists (select 1 from public.b where b.a_id = a.id));
    create policy "b via a" on public.b for select to authenticated
      using (exists (select 1 from public.a where a.b_id = b.id));

    create schema private;
    create table public.teams (id uuid primary key default gen_random_uuid());
    create table public.team_members (team_id uuid references public.teams (id),
      user_id uuid references auth.users (id), primary key (team_id, user_id));
    alter table public.team_members enable row level security;
    create function private.my_teams() returns setof uuid language sql stable security definer
      set search_path = '' as $$ select team_id from public.team_members where user_id = (select auth.uid()) $$;
    create policy "team members see members" on public.team_members for select to authenticated
      using (team_id in (select private.my_teams()));
    """,
}


@pytest.fixture(scope="module")
def w(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    return audit_world(FILES)


def _as_user(w: Audited, sql: str) -> str:
    with w.db.connect(superuser=True) as conn:
        try:
            with conn.transaction(force_rollback=True):
                conn.execute("set local role authenticated")
                conn.execute("select set_config('request.jwt.claims', %s, true)",
                             (json.dumps({"sub": str(uuid.uuid4()), "role": "authenticated"}),))
                conn.execute(sql)
                return "ok"
        except psycopg.Error as e:
            return str(e).splitlines()[0]


RECURSES = 'infinite recursion detected in policy for relation "{}"'


def test_a_policy_reading_its_own_table_recurses(w: Audited) -> None:
    assert _as_user(w, "select * from public.members") == RECURSES.format("members")
    f = w.one("policy_infinite_recursion", "public.members see members on public.members")
    assert str(f.location) == w.where(A, 'create policy "members see members"')
    assert f.evidence["path"] == ["public.members", "public.members"]
    assert "infinite recursion" in f.message


def test_a_policy_that_reads_a_recursing_table_is_not_the_culprit(w: Audited) -> None:
    assert _as_user(w, "select * from public.orgs") == RECURSES.format("members")
    w.none("policy_infinite_recursion", "public.members see orgs on public.orgs")


def test_a_write_policy_reading_its_table_recurses_only_through_sub_selects(w: Audited) -> None:
    assert _as_user(w, "insert into public.plain values (1, auth.uid())") == "ok"
    w.none("policy_infinite_recursion", "public.plain insert on public.plain")
    assert _as_user(w, "insert into public.wrapped values (1, auth.uid())") == RECURSES.format("wrapped")
    f = w.one("policy_infinite_recursion", "public.wrapped insert on public.wrapped")
    assert f.evidence["path"] == ["public.wrapped", "public.wrapped"]


def test_two_tables_reading_each_other_recurse(w: Audited) -> None:
    assert _as_user(w, "select * from public.a") == RECURSES.format("a")
    f = w.one("policy_infinite_recursion", "public.a via b on public.a")
    assert f.evidence["path"] == ["public.a", "public.b", "public.a"]
    w.one("policy_infinite_recursion", "public.b via a on public.b")


def test_a_security_definer_helper_breaks_the_loop(w: Audited) -> None:
    assert _as_user(w, "select * from public.team_members") == "ok"
    w.none("policy_infinite_recursion", "public.team members see members on public.team_members")
