"""security_definer_function_exposed judged by the body: what it reaches, whether it looks at
the caller, and which API roles can call it."""

from __future__ import annotations

import pytest

from tests.audit.conftest import Audited
from toolkit.model import Level

A = "20240101000000_rpc.sql"
FILES = {
    A: """
    create table public.orders (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references auth.users (id),
      note text
    );
    alter table public.orders enable row level security;
    create policy orders_own on public.orders for all to authenticated
      using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
    create table public.plans (id int primary key, name text not null);
    alter table public.plans enable row level security;
    create policy plans_read on public.plans for select to anon, authenticated using (true);
    create table public.signups (
      id bigint generated always as identity primary key,
      user_id uuid references auth.users (id),
      email text not null
    );
    alter table public.signups enable row level security;
    create policy signups_open on public.signups for insert to anon, authenticated with check (true);
    create schema private;

    create function public.get_order(order_id uuid) returns setof public.orders
      language sql stable security definer set search_path = ''
      as $$ select * from public.orders where id = order_id $$;
    create function public.get_my_order(order_id uuid) returns setof public.orders
      language sql stable security definer set search_path = ''
      as $$ select * from public.orders where id = order_id and user_id = (select auth.uid()) $$;
    create function public.cancel_order(order_id uuid) returns void
      language sql security definer set search_path = ''
      begin atomic
        update public.orders set note = 'cancelled' where id = order_id;
      end;
    create function private.order_note(order_id uuid) returns text
      language sql stable set search_path = ''
      as $$ select note from public.orders where id = order_id $$;
    create function public.order_note(order_id uuid) returns text
      language plpgsql stable security definer set search_path = ''
      as $$ begin return private.order_note(order_id); end $$;
    create function private.owns(order_id uuid) returns boolean
      language sql stable security definer set search_path = ''
      as $$ select exists (select 1 from public.orders o
                           where o.id = order_id and o.user_id = auth.uid()) $$;
    create function public.checked_note(order_id uuid) returns text
      language plpgsql stable security definer set search_path = ''
      as $$
      begin
        if not private.owns(order_id) then raise exception 'not yours'; end if;
        return (select note from public.orders where id = order_id);
      end $$;
    create function public.plan_names() returns setof text
      language sql stable security definer set search_path = ''
      as $$ select name from public.plans $$;
    create function public.count_rows(tbl text) returns bigint
      language plpgsql security definer set search_path = ''
      as $$ declare n bigint; begin execute format('select count(*) from %s', tbl) into n; return n; end $$;
    create function public.order_count() returns bigint
      language sql stable security definer set search_path = ''
      as $$ select count(*) from public.orders $$;
    create function public.order_total() returns bigint
      language sql stable security definer set search_path = ''
      as $$ select count(*) from public.orders $$;
    create function public.get_public_profile(username text) returns setof public.orders
      language sql stable security definer set search_path = ''
      as $$ select * from public.orders where note = username $$;
    create function public.invoker_order(order_id uuid) returns setof public.orders
      language sql stable set search_path = ''
      as $$ select * from public.orders where id = order_id $$;
    create function public.sign_up(email text) returns void
      language sql security definer set search_path = ''
      as $$ insert into public.signups (email) values (sign_up.email) $$;
    revoke execute on function public.order_count() from public, anon;
    revoke execute on function public.order_total() from public, authenticated;
    grant execute on function public.order_total() to anon;
    """,
}

RULE = "security_definer_function_exposed"


@pytest.fixture(scope="module")
def w(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    return audit_world(FILES, settings={"expect": {"get_public_profile": {"call": "public"}}})


def test_reads_other_users_rows_without_looking_at_the_caller_is_an_error(w: Audited) -> None:
    f = w.one(RULE, "public.get_order(order_id uuid)")
    assert f.level is Level.ERROR
    assert f.evidence["reads"] == ["public.orders"] and f.evidence["caller_checks"] == []
    assert f.evidence["protected"] == {"anon": ["public.orders"], "authenticated": ["public.orders"]}
    assert "it reaches public.orders, which RLS protects, without looking at the caller" in f.message
    assert str(f.location) == w.where(A, "create function public.get_order")


def test_a_write_through_a_begin_atomic_body_is_an_error(w: Audited) -> None:
    f = w.one(RULE, "public.cancel_order(order_id uuid)")
    assert f.level is Level.ERROR and f.evidence["writes"] == ["public.orders"]


def test_looking_at_the_caller_makes_it_a_warning(w: Audited) -> None:
    f = w.one(RULE, "public.get_my_order(order_id uuid)")
    assert f.level is Level.WARN and f.evidence["caller_checks"] == ["auth.uid()"]
    assert "looks at the caller (auth.uid())" in f.message


def test_helpers_are_followed_both_for_tables_and_for_caller_checks(w: Audited) -> None:
    leak = w.one(RULE, "public.order_note(order_id uuid)")
    assert leak.level is Level.ERROR and leak.evidence["reads"] == ["public.orders"]
    checked = w.one(RULE, "public.checked_note(order_id uuid)")
    assert checked.level is Level.WARN
    assert checked.evidence["caller_checks"] == ["private.owns() → auth.uid()"]


def test_a_public_catalogue_or_unknown_tables_stay_warnings(w: Audited) -> None:
    plans = w.one(RULE, "public.plan_names()")
    assert plans.level is Level.WARN and plans.evidence["reads"] == ["public.plans"]
    assert plans.evidence["protected"] == {}
    # an insert the table's policies let anyone make anyway is nothing RLS protects
    signup = w.one(RULE, "public.sign_up(email text)")
    assert signup.level is Level.WARN and signup.evidence["writes"] == ["public.signups"]
    assert signup.evidence["protected"] == {}
    dynamic = w.one(RULE, "public.count_rows(tbl text)")
    assert dynamic.level is Level.WARN and dynamic.evidence["dynamic_sql"] is True
    assert "EXECUTE" in dynamic.message


def test_the_finding_names_the_roles_that_can_call_it(w: Audited) -> None:
    both = w.one(RULE, "public.get_order(order_id uuid)")
    assert both.evidence["roles"] == ["anon", "authenticated"]
    assert "anon (no sign-in) and authenticated (any signed-in user) can call it" in both.message
    assert "from public, anon, authenticated;" in both.remediation
    # revoked from anon: a stranger who signed in can still read every order
    signed_in = w.one(RULE, "public.order_count()")
    assert signed_in.evidence["roles"] == ["authenticated"] and signed_in.level is Level.ERROR
    assert "only authenticated (any signed-in user) can call it" in signed_in.message
    assert "from public, authenticated;" in signed_in.remediation
    # revoked from authenticated, granted to anon
    anon = w.one(RULE, "public.order_total()")
    assert anon.evidence["roles"] == ["anon"] and "only anon (no sign-in) can call it" in anon.message


def test_declared_public_functions_are_info_and_invokers_are_not_reported(w: Audited) -> None:
    declared = w.one(RULE, "public.get_public_profile(username text)")
    assert declared.level is Level.INFO and declared.evidence["declared"] == "public"
    w.none(RULE, "public.invoker_order(order_id uuid)")
    w.none(RULE, "private.owns(order_id uuid)")  # not in an exposed schema
