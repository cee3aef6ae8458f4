"""RLS state rules on real migrations: rls_disabled, policy_without_rls, rls_no_policy."""

from __future__ import annotations

import pytest

from tests.audit.conftest import Audited
from toolkit.model import Level

A = "20240101000000_tables.sql"
B = "20240102000000_disable.sql"
FILES = {
    A: """
    create table public.open_notes (id bigint primary key, body text);
    create table public.later_off (id bigint primary key, body text);
    alter table public.later_off enable row level security;
    create policy "later read" on public.later_off for select to authenticated using (true);
    create table public.locked (id bigint primary key);
    alter table public.locked enable row level security;
    create table public.guarded (id bigint primary key, user_id uuid references auth.users (id));
    alter table public.guarded enable row level security;
    create policy "own rows" on public.guarded for select to authenticated
      using ((select auth.uid()) = user_id);
    create table public.ungranted (id bigint primary key);
    revoke all on public.ungranted from anon, authenticated;
    create table public.twin (id bigint primary key, note text);
    create schema private;
    grant usage on schema private to anon, authenticated;
    create table private.twin (id bigint primary key, note text);
    grant all on private.twin to anon, authenticated;
    create table private.locked (id bigint primary key);
    alter table private.locked enable row level security;
    create table private.dormant (id bigint primary key);
    create policy "dormant read" on private.dormant for select using (true);
    """,
    B: """
    alter table public.later_off disable row level security;
    """,
}


@pytest.fixture(scope="module")
def w(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    return audit_world(FILES)


def test_rls_disabled_fires_at_create_table(w: Audited) -> None:
    f = w.one("rls_disabled", "public.open_notes")
    assert f.level is Level.ERROR
    assert f.object.type == "table"
    assert str(f.location) == w.where(A, "create table public.open_notes")
    assert set(f.evidence["roles"]) == {"anon", "authenticated"}
    assert "anon" in f.message and "enable row level security" in f.remediation


def test_rls_disabled_points_at_the_later_alter(w: Audited) -> None:
    f = w.one("rls_disabled", "public.later_off")
    assert str(f.location) == w.where(B, "disable row level security")
    assert f.evidence["disabled_by_later_migration"] is True


def test_rls_disabled_quiet_with_rls_or_without_grants(w: Audited) -> None:
    w.none("rls_disabled", "public.guarded")
    w.none("rls_disabled", "public.locked")
    w.none("rls_disabled", "public.ungranted")


def test_unexposed_schema_is_not_reported_but_public_twin_is(w: Audited) -> None:
    assert w.findings("rls_disabled", "public.twin")
    w.none("rls_disabled", "private.twin")
    assert not [f for f in w.result.findings if f.object.schema == "private"
                and f.rule in ("rls_disabled", "rls_no_policy", "sensitive_columns_exposed")]


def test_policy_without_rls_fires_in_any_user_schema(w: Audited) -> None:
    f = w.one("policy_without_rls", "public.later_off")
    assert f.level is Level.ERROR
    assert str(f.location) == w.where(B, "disable row level security")
    assert f.evidence["policies"] == ["later read"]
    g = w.one("policy_without_rls", "private.dormant")
    assert str(g.location) == w.where(A, "create table private.dormant")


def test_policy_without_rls_quiet_when_rls_on(w: Audited) -> None:
    w.none("policy_without_rls", "public.guarded")
    w.none("policy_without_rls", "public.open_notes")


def test_rls_no_policy_fires_on_reachable_table(w: Audited) -> None:
    f = w.one("rls_no_policy", "public.locked")
    assert f.level is Level.INFO
    assert str(f.location) == w.where(A, "create table public.locked")


def test_rls_no_policy_quiet_with_policy_or_unexposed(w: Audited) -> None:
    w.none("rls_no_policy", "public.guarded")
    w.none("rls_no_policy", "private.locked")


def test_platform_schemas_never_reported(w: Audited) -> None:
    assert not [f for f in w.result.findings
                if f.object.schema in ("auth", "storage", "realtime", "extensions", "supakit")]


def test_explicit_exposure_grants_nothing_so_nothing_is_reachable(audit_world) -> None:  # type: ignore[no-untyped-def]
    w = audit_world({A: "create table public.fresh (id bigint primary key);\n"}, exposure="explicit")
    w.none("rls_disabled", "public.fresh")
    assert w.cell("public.fresh", "anon", "select") == ("no grant", ())
    w2_files = {A: "create table public.fresh (id bigint primary key);\n"
                   "grant select on public.fresh to anon;\n"}
    w2 = audit_world(w2_files, exposure="explicit")
    f = w2.one("rls_disabled", "public.fresh")
    assert f.evidence["roles"] == {"anon": ["select"]}
