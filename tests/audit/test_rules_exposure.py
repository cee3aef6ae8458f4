"""Exposure and function rules on real migrations."""

from __future__ import annotations

import pytest

from tests.audit.conftest import Audited
from toolkit.facts.sensitive import is_sensitive
from toolkit.model import Level

A = "20240101000000_exposure.sql"
FILES = {
    A: """
    create table public.leads (id bigint primary key, full_name text, email text, phone_number text);
    create table public.members (id bigint primary key, email text, api_key text);
    alter table public.members enable row level security;
    create policy "members public" on public.members for select to anon using (true);
    create table public.safe_members (id bigint primary key, email text);
    alter table public.safe_members enable row level security;
    create policy "own" on public.safe_members for select to anon using (false);
    create table public.metrics (id bigint primary key, token_count int, email_verified_at timestamptz);
    create table public.partial (id bigint primary key, name text, password text);
    revoke all on public.partial from anon;
    grant select (id, name) on public.partial to anon;
    create table public.payroll (id bigint primary key, grade text);

    create view public.post_feed as select id, full_name from public.leads;
    create view public.invoker_feed with (security_invoker = on) as select id from public.leads;
    create view public.staff_only as select id from public.leads;
    revoke all on public.staff_only from anon, authenticated;
    create view public.user_emails as select id, email from auth.users;
    create view public.user_emails_invoker with (security_invoker = on) as select id from auth.users;
    create materialized view public.lead_stats as select count(*) as n from public.leads;
    create materialized view public.hidden_stats as select count(*) as n from public.leads;
    revoke all on public.hidden_stats from anon, authenticated;
    create extension if not exists pg_trgm;
    create extension if not exists citext with schema extensions;

    create function public.grant_admin(target uuid) returns void language sql security definer
      set search_path = '' as $$
        update auth.users set raw_app_meta_data = raw_app_meta_data || '{"role": "admin"}'
        where id = target $$;
    create function public.member_count() returns bigint language sql security definer
      set search_path = '' as $$ select count(*) from public.members $$;
    revoke execute on function public.member_count() from public, anon;
    create function public.hidden_fn() returns int language sql security definer
      set search_path = '' as $$ select 1 $$;
    revoke execute on function public.hidden_fn() from public, anon, authenticated;
    create function public.touch() returns trigger language plpgsql security definer
      set search_path = '' as $$ begin return new; end $$;
    create function public.loose(a int) returns int language sql as $$ select a + 1 $$;
    create function public.pinned(a int) returns int language sql set search_path = public
      as $$ select a + 1 $$;
    create schema private;
    create function private.helper() returns int language sql security definer as $$ select 1 $$;
    """,
}


@pytest.fixture(scope="module")
def w(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    return audit_world(FILES, settings={"sensitive_columns": ["payroll.grade"]})


def test_sensitive_columns_exposed_without_rls(w: Audited) -> None:
    f = w.one("sensitive_columns_exposed", "public.leads")
    assert f.level is Level.ERROR
    assert str(f.location) == w.where(A, "create table public.leads")
    assert f.evidence["columns"] == ["email", "phone_number"]
    assert f.evidence["coverage"] == "no RLS"


def test_sensitive_columns_exposed_through_open_policy(w: Audited) -> None:
    f = w.one("sensitive_columns_exposed", "public.members")
    assert f.evidence["coverage"] == "open"
    assert f.evidence["columns"] == ["email", "api_key"]


def test_sensitive_columns_quiet(w: Audited) -> None:
    w.none("sensitive_columns_exposed", "public.safe_members")  # policy is not open
    w.none("sensitive_columns_exposed", "public.metrics")  # facts about, not the thing itself
    w.none("sensitive_columns_exposed", "public.partial")  # password not granted to anon


def test_sensitive_columns_from_settings(w: Audited) -> None:
    f = w.one("sensitive_columns_exposed", "public.payroll")
    assert f.evidence["columns"] == ["grade"]


def test_sensitive_name_matching() -> None:
    assert is_sensitive("email") and is_sensitive("user_email") and is_sensitive("password_hash")
    assert is_sensitive("stripe_api_key") and is_sensitive("card_number") and is_sensitive("SSN")
    assert not is_sensitive("email_verified_at") and not is_sensitive("token_count")
    assert not is_sensitive("title") and not is_sensitive("address_id")
    assert is_sensitive("grade", ["gr*"])


def test_security_definer_view(w: Audited) -> None:
    f = w.one("security_definer_view", "public.post_feed")
    assert f.level is Level.ERROR and f.object.type == "view"
    assert str(f.location) == w.where(A, "create view public.post_feed")
    assert f.evidence["reads"] == ["public.leads"]
    w.none("security_definer_view", "public.invoker_feed")
    w.none("security_definer_view", "public.staff_only")


def test_auth_users_exposed(w: Audited) -> None:
    f = w.one("auth_users_exposed", "public.user_emails")
    assert f.level is Level.ERROR
    assert str(f.location) == w.where(A, "create view public.user_emails ")
    w.none("auth_users_exposed", "public.user_emails_invoker")  # API roles cannot read auth.users
    w.none("auth_users_exposed", "public.post_feed")


def test_materialized_view_exposed(w: Audited) -> None:
    f = w.one("materialized_view_exposed", "public.lead_stats")
    assert f.level is Level.WARN and f.object.type == "materialized view"
    assert str(f.location) == w.where(A, "create materialized view public.lead_stats")
    w.none("materialized_view_exposed", "public.hidden_stats")


def test_extension_in_public(w: Audited) -> None:
    f = w.one("extension_in_public", "pg_trgm")
    assert f.level is Level.WARN
    assert str(f.location) == w.where(A, "create extension if not exists pg_trgm")
    assert "set schema extensions" in f.remediation
    w.none("extension_in_public", "citext")


def test_extension_objects_are_never_reported(w: Audited) -> None:
    assert not [f for f in w.result.findings
                if f.rule == "function_search_path_mutable" and "similarity" in str(f.object)]


def test_security_definer_function_exposed(w: Audited) -> None:
    f = w.one("security_definer_function_exposed", "public.grant_admin(target uuid)")
    assert f.level is Level.ERROR
    assert str(f.location) == w.where(A, "create function public.grant_admin")
    assert f.evidence["roles"] == ["anon", "authenticated"] and f.evidence["writes"] == ["auth.users"]
    g = w.one("security_definer_function_exposed", "public.member_count()")
    assert g.level is Level.WARN and g.evidence["roles"] == ["authenticated"]
    w.none("security_definer_function_exposed", "public.hidden_fn()")
    w.none("security_definer_function_exposed", "public.touch()")  # trigger: not callable over /rpc
    w.none("security_definer_function_exposed", "private.helper()")  # schema not exposed


def test_function_search_path_mutable(w: Audited) -> None:
    f = w.one("function_search_path_mutable", "public.loose(a integer)")
    assert f.level is Level.WARN
    assert str(f.location) == w.where(A, "create function public.loose")
    assert w.findings("function_search_path_mutable", "private.helper()")
    w.none("function_search_path_mutable", "public.pinned(a integer)")
    w.none("function_search_path_mutable", "public.grant_admin(target uuid)")


def test_foreign_table_exposed(audit_world) -> None:  # type: ignore[no-untyped-def]
    setup = ("create extension if not exists postgres_fdw; "
             "create server loop foreign data wrapper postgres_fdw options (dbname 'postgres'); "
             "grant usage on foreign server loop to postgres;")
    files = {A: """
        create foreign table public.remote_items (id int) server loop;
        create foreign table public.remote_hidden (id int) server loop;
        revoke all on public.remote_hidden from anon, authenticated;
        """}
    w = audit_world(files, setup=setup)
    f = w.one("foreign_table_exposed", "public.remote_items")
    assert f.level is Level.WARN and f.object.type == "foreign table"
    assert str(f.location) == w.where(A, "create foreign table public.remote_items")
    w.none("foreign_table_exposed", "public.remote_hidden")
