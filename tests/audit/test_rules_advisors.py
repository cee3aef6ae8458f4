"""The rules that close the gap to Supabase's advisors, each firing and staying quiet on one
migrated database: GraphQL exposure, queues, foreign keys to auth unique keys, reg* columns,
public bucket listing and policies on realtime.messages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.audit.conftest import Audited
from toolkit.audit import audit_snapshot
from toolkit.model import Level

A = "20240101000000_app.sql"
B = "20240102000000_queues.sql"
C = "20240103000000_storage_realtime.sql"
FILES = {
    A: """
    create extension if not exists pg_graphql;
    create table public.products (id bigint primary key, name text);
    alter table public.products enable row level security;
    create policy "catalogue is public" on public.products for select to anon, authenticated
      using (true);
    create table public.orders (id bigint primary key, user_id uuid references auth.users (id));
    alter table public.orders enable row level security;
    revoke all on public.orders from anon;
    create policy "own orders" on public.orders for select to authenticated
      using (user_id = (select auth.uid()));
    create table public.secrets (id bigint primary key, value text);
    alter table public.secrets enable row level security;
    revoke all on public.secrets from anon, authenticated;
    create schema reporting;
    grant usage on schema reporting to anon, authenticated;
    create table reporting.daily (day date primary key, total numeric);
    grant select on reporting.daily to anon;
    create table public.contacts (id bigint primary key, phone text references auth.users (phone));
    create table public.profiles (id uuid primary key references auth.users (id));
    create domain public.schema_ref as regnamespace;
    create table public.jobs (id bigint primary key, handler regproc, ops regoper[],
      home public.schema_ref, target regclass, kind regtype);
    create table public.rules (id bigint primary key, target regclass, owner_role regrole);
    create table public.hooks (id bigint, at date, fn regprocedure) partition by range (at);
    create table public.hooks_2024 partition of public.hooks for values from ('2024-01-01') to ('2025-01-01');
    """,
    B: """
    create extension if not exists pgmq;
    select pgmq.create('jobs');
    select pgmq.create('signups');
    select pgmq.create('tasks');
    select pgmq.create('internal');
    alter table pgmq.q_tasks enable row level security;
    create schema if not exists pgmq_public;
    grant usage on schema pgmq_public to anon, authenticated, service_role;
    create function pgmq_public.send(queue_name text, message jsonb) returns setof bigint
      language sql set search_path = '' as $$ select * from pgmq.send(queue_name, message) $$;
    grant usage on schema pgmq to anon, authenticated, service_role;
    grant select, insert, update, delete on pgmq.q_jobs, pgmq.q_tasks to authenticated;
    grant insert on pgmq.q_signups to anon;
    """,
    C: """
    insert into storage.buckets (id, name, public)
      values ('avatars', 'avatars', true), ('docs', 'docs', false);
    create policy "anyone lists avatars" on storage.objects for select using (bucket_id = 'avatars');
    create policy "public folder" on storage.objects for select
      using (bucket_id = 'avatars' and (storage.foldername(name))[1] = 'public');
    create policy "own avatars" on storage.objects for select to authenticated
      using (bucket_id = 'avatars' and owner = (select auth.uid()));
    create policy "docs read" on storage.objects for select to authenticated
      using (bucket_id = 'docs');
    create policy "avatars manage" on storage.objects for all to authenticated
      using (bucket_id = 'avatars');
    create policy "rooms by uid" on realtime.messages for select to authenticated
      using (realtime.topic() = 'room:' || auth.uid()::text);
    create policy "rooms wrapped" on realtime.messages for select to authenticated
      using (realtime.topic() = 'room:' || (select auth.uid())::text);
    create policy "anyone broadcasts" on realtime.messages for insert to authenticated
      with check (true);
    create policy "vip rooms" on realtime.messages for insert to authenticated
      with check ((select auth.jwt()) -> 'user_metadata' ->> 'vip' = 'true');
    """,
}


@pytest.fixture(scope="module")
def w(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    return audit_world(FILES, schemas=("public", "graphql_public", "pgmq_public"),
                       extra_search_path=("public", "extensions", "reporting"))


# --- GraphQL --------------------------------------------------------------------------------

def test_graphql_warns_when_anon_can_list_the_table(w: Audited) -> None:
    f = w.one("graphql_table_exposed", "public.products")
    assert f.level is Level.WARN and f.evidence["roles"] == ["anon", "authenticated"]
    assert f.evidence["surfaces"] == ["rest", "graphql"]
    assert str(f.location) == w.where(A, "create table public.products")
    assert "revoke select on public.products from anon, authenticated;" in f.remediation


def test_graphql_is_information_when_only_signed_in_users_see_it(w: Audited) -> None:
    f = w.one("graphql_table_exposed", "public.orders")
    assert f.level is Level.INFO and f.evidence["roles"] == ["authenticated"]


def test_graphql_quiet_for_relations_no_api_role_may_select(w: Audited) -> None:
    w.none("graphql_table_exposed", "public.secrets")
    w.none("graphql_table_exposed", "public.hooks")  # pg_graphql reflects partitions, not parents


def test_a_schema_only_graphql_serves_counts_as_exposed(w: Audited) -> None:
    f = w.one("graphql_table_exposed", "reporting.daily")
    assert f.evidence["surfaces"] == ["graphql"] and "GraphQL is the only API" in f.message
    assert w.one("rls_disabled", "reporting.daily").evidence["roles"] == {"anon": ["select"]}
    assert w.cell("reporting.daily", "anon", "select") == ("no RLS", ())
    cell = next(c for c in w.result.coverage if c.table == "daily")
    assert cell.surfaces == ("graphql",)


def test_without_pg_graphql_or_graphql_public_there_is_no_graphql_surface(w: Audited) -> None:
    no_ext = replace(w.snapshot, extensions=tuple(e for e in w.snapshot.extensions
                                                  if e.name != "pg_graphql"))
    no_endpoint = replace(w.snapshot, schemas=tuple(
        replace(s, exposed=False) if s.name == "graphql_public" else s for s in w.snapshot.schemas))
    for snap in (no_ext, no_endpoint):
        result = audit_snapshot(snap, w.apply.source_map, {})
        assert not [f for f in result.findings if f.rule == "graphql_table_exposed"]
        assert not [f for f in result.findings if f.object.schema == "reporting"]
        assert all(c.surfaces == ("rest",) for c in result.coverage)


# --- Queues ---------------------------------------------------------------------------------

def test_queue_with_rls_off_readable_through_pgmq_public_is_an_error(w: Audited) -> None:
    f = w.one("queue_exposed", "pgmq.q_jobs")
    assert f.level is Level.ERROR and f.evidence["via"] == "pgmq_public"
    assert f.evidence["roles"] == {"authenticated": ["select", "insert", "update", "delete"]}
    assert str(f.location) == w.where(B, "select pgmq.create('jobs')")
    assert f.remediation.startswith("alter table pgmq.q_jobs enable row level security;")


def test_queue_anon_can_only_send_to_is_a_warning(w: Audited) -> None:
    f = w.one("queue_exposed", "pgmq.q_signups")
    assert f.level is Level.WARN and f.evidence["roles"] == {"anon": ["insert"]}


def test_queue_quiet_with_rls_on_or_without_grants(w: Audited) -> None:
    w.none("queue_exposed", "pgmq.q_tasks")
    w.none("queue_exposed", "pgmq.q_internal")
    assert not [f for f in w.result.findings if f.object.schema == "pgmq" and f.rule != "queue_exposed"]


def test_queue_quiet_when_pgmq_public_is_not_exposed(w: Audited) -> None:
    snap = replace(w.snapshot, schemas=tuple(
        replace(s, exposed=False) if s.name == "pgmq_public" else s for s in w.snapshot.schemas))
    assert not [f for f in audit_snapshot(snap, w.apply.source_map, {}).findings
                if f.rule == "queue_exposed"]


# --- Upgrades -------------------------------------------------------------------------------

def test_foreign_key_to_an_auth_unique_key(w: Audited) -> None:
    f = w.one("foreign_key_to_auth_unique", "public.contacts_phone_fkey on public.contacts")
    assert f.level is Level.ERROR
    assert f.evidence["referenced_columns"] == ["phone"] and f.evidence["primary_key"] == ["id"]
    assert str(f.location) == w.where(A, "create table public.contacts")
    w.none("foreign_key_to_auth_unique", "public.profiles_id_fkey on public.profiles")
    w.none("foreign_key_to_auth_unique", "public.orders_user_id_fkey on public.orders")


def test_reg_type_columns_pg_upgrade_refuses(w: Audited) -> None:
    f = w.one("unsupported_reg_type", "public.jobs")
    assert f.level is Level.WARN
    assert f.evidence["columns"] == {"handler": ["regproc"], "ops": ["regoper"],
                                     "home": ["regnamespace"]}
    assert "alter table public.jobs alter column handler type text using handler::text;" \
        in f.remediation
    w.none("unsupported_reg_type", "public.rules")


def test_reg_type_on_a_partitioned_table_is_reported_once(w: Audited) -> None:
    assert w.one("unsupported_reg_type", "public.hooks").evidence["columns"] == {
        "fn": ["regprocedure"]}
    w.none("unsupported_reg_type", "public.hooks_2024")


def test_catalog_reads_the_reg_types_a_column_holds(w: Audited) -> None:
    jobs = w.snapshot.table("public.jobs")
    assert jobs is not None
    assert {c.name: c.reg_types for c in jobs.columns if c.reg_types} == {
        "handler": ("regproc",), "ops": ("regoper",), "home": ("regnamespace",),
        "target": ("regclass",), "kind": ("regtype",)}


# --- Storage --------------------------------------------------------------------------------

def test_listing_a_public_bucket_is_a_warning(w: Audited) -> None:
    f = w.one("storage_public_bucket_listing", "storage.anyone lists avatars on storage.objects")
    assert f.level is Level.WARN and f.evidence == {"roles": ["anon", "authenticated"],
                                                   "buckets": ["avatars"]}
    assert str(f.location) == w.where(C, 'create policy "anyone lists avatars"')
    assert f.remediation.startswith('drop policy "anyone lists avatars" on storage.objects;')
    w.none("storage_policy_not_owner_scoped", "storage.anyone lists avatars on storage.objects")


def test_listing_quiet_when_narrowed_scoped_or_private(w: Audited) -> None:
    for name in ("public folder", "own avatars", "docs read"):
        w.none("storage_public_bucket_listing", f"storage.{name} on storage.objects")
    assert w.one("storage_policy_not_owner_scoped", "storage.docs read on storage.objects").level \
        is Level.ERROR


def test_a_for_all_policy_on_a_public_bucket_lists_and_lets_users_overwrite(w: Audited) -> None:
    w.one("storage_public_bucket_listing", "storage.avatars manage on storage.objects")
    f = w.one("storage_policy_not_owner_scoped", "storage.avatars manage on storage.objects")
    assert f.level is Level.WARN and f.evidence["commands"] == ["delete", "insert", "update"]


# --- Realtime -------------------------------------------------------------------------------

def test_realtime_policy_rules_read_realtime_messages(w: Audited) -> None:
    f = w.one("auth_function_not_wrapped", "realtime.rooms by uid on realtime.messages")
    assert str(f.location) == w.where(C, 'create policy "rooms by uid"')
    assert "(select auth.uid())" in f.remediation
    w.none("auth_function_not_wrapped", "realtime.rooms wrapped on realtime.messages")
    g = w.one("policy_always_true", "realtime.anyone broadcasts on realtime.messages")
    assert g.level is Level.WARN and g.evidence["roles"] == {"authenticated": ["insert"]}
    w.one("user_metadata_in_policy", "realtime.vip rooms on realtime.messages")
    groups = sorted(f.evidence["policies"]
                    for f in w.findings("multiple_permissive_policies", "realtime.messages"))
    assert groups == [["anyone broadcasts", "vip rooms"], ["rooms by uid", "rooms wrapped"]]


def test_realtime_messages_is_not_audited_as_a_user_table(w: Audited) -> None:
    assert not [f for f in w.result.findings
                if f.object.schema == "realtime" and f.rule in ("rls_no_policy", "no_primary_key",
                                                               "policy_not_row_scoped")]
    assert not [c for c in w.result.coverage if c.schema == "realtime"]
