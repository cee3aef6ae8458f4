"""Requests Postgres denies by default are answered from the catalog (toolkit/probe/default_deny.py)
exactly as the server answers them: the same outcome, rows and sqlstate as the same probe with
the answers turned off. Each condition that makes the default deny unsafe to assume has a table
of its own, on which the request it concerns is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.probe.conftest import applied_project
from tests.probe.test_lanes import _UUID, _plain
from toolkit.facts import Exposure
from toolkit.model import Policy, Snapshot, Table
from toolkit.probe import ProbeResult, run_probe
from toolkit.probe.checks import Attempt
from toolkit.probe.command import summary_line
from toolkit.probe.default_deny import safe_default

_OWNED = "user_id uuid not null default auth.uid() references auth.users"
_SELECT_OWN = "for select to authenticated using (user_id = (select auth.uid()))"


def _table(name: str, extra: str = "", *, columns: str = "", rls: bool = True,
           policy: str = _SELECT_OWN) -> str:
    cols = f"id uuid primary key default gen_random_uuid(), {_OWNED}, body text{columns}"
    sql = f"create table public.{name} ({cols});\n"
    if rls:
        sql += f"alter table public.{name} enable row level security;\n"
    if policy:
        sql += f"create policy {name}_p on public.{name} {policy};\n"
    return sql + extra


SCHEMA = "\n".join((
    "create role members nologin; grant members to authenticated;",
    "create role keeper nologin; grant keeper to authenticated; grant create on schema public to keeper;",
    "create domain public.short_text as text check (length(value) < 100);",
    "create function public.stamp() returns text language sql volatile as $$ select 'x' $$;",
    "create function public.touch() returns trigger language plpgsql as $$ begin return new; end $$;",
    _table("plain"),
    _table("rls_off", rls=False, policy=""),
    _table("anon_policy", policy="for select to anon using (false)"),
    _table("public_policy", "create policy public_policy_own on public.public_policy "
           + _SELECT_OWN + ";\n", policy="for insert to public with check (false)"),
    _table("member_policy", "create policy member_policy_own on public.member_policy "
           + _SELECT_OWN + ";\n", policy="for delete to members using (false)"),
    _table("all_policy", policy="for all to authenticated using (user_id = (select auth.uid()))"),
    _table("update_policy", "create policy update_policy_own on public.update_policy "
           + _SELECT_OWN + ";\n", policy="for update to authenticated using (false)"),
    _table("restrictive_only", "create policy restrictive_only_r on public.restrictive_only as "
           "restrictive for all to authenticated using (true);\n"),
    _table("owned", "alter table public.owned owner to keeper;\n"),
    _table("triggered", "create trigger t after update on public.triggered for each statement "
           "execute function public.touch();\n"),
    _table("ruled", "create rule r as on delete to public.ruled do instead nothing;\n"),
    _table("generated", columns=", one int generated always as (1) stored"),  # a default alike would pass
    _table("unsafe_default", columns=", note text default public.stamp()"),
    _table("later_default", columns=", due timestamptz default now() + interval '1 day'"),
    _table("safe_defaults", columns=", at timestamptz default timezone('utc'::text, now()), "
           "n int default 0, tag text default 'x', seq bigserial, "
           "made timestamptz default CURRENT_TIMESTAMP"),
    _table("domain_col", columns=", short public.short_text"),
    _table("seq_denied", "revoke usage, update on sequence public.seq_denied_n_seq from anon;\n",
           columns=", n serial"),
    _table("column_grant", "revoke all on public.column_grant from anon;\n"
           "grant select (id, body), insert (body), update (body), delete on public.column_grant to anon;\n"),
    f"""create table public.parted (id uuid not null default gen_random_uuid(), {_OWNED}, body text,
                                   primary key (id)) partition by hash (id);
create table public.parted_0 partition of public.parted for values with (modulus 1, remainder 0);
alter table public.parted enable row level security;
create policy parted_p on public.parted {_SELECT_OWN};
create table public.parted_t (id uuid not null default gen_random_uuid(), {_OWNED}, body text,
                              primary key (id)) partition by hash (id);
create table public.parted_t_0 partition of public.parted_t for values with (modulus 1, remainder 0);
alter table public.parted_t enable row level security;
create policy parted_t_p on public.parted_t {_SELECT_OWN};
create trigger t before insert on public.parted_t_0 for each row execute function public.touch();
""",
))

ALL = {(c, cmd) for c in ("anon", "B") for cmd in ("select", "insert", "update", "delete")}
B_READS = {("B", "select")}  # every table lets authenticated read its own rows
# table -> the (caller, command) pairs answered from the catalog; every other request is sent.
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "plain": ALL - B_READS,
    "rls_off": set(),
    "anon_policy": ALL - {("anon", "select")},  # its only policy is anon's
    "public_policy": ALL - B_READS - {("anon", "insert"), ("B", "insert")},
    "member_policy": ALL - B_READS - {("B", "delete")},
    "all_policy": ALL - {(c, cmd) for c, cmd in ALL if c == "B"},
    "update_policy": ALL - B_READS - {("B", "update")},
    "restrictive_only": ALL - B_READS,
    "owned": {(c, cmd) for c, cmd in ALL if c == "anon"},
    "triggered": set(),
    "ruled": set(),
    "generated": ALL - B_READS - {("anon", "insert"), ("B", "insert")},
    "unsafe_default": ALL - B_READS - {("anon", "insert"), ("B", "insert")},
    "later_default": ALL - B_READS - {("anon", "insert"), ("B", "insert")},
    "safe_defaults": ALL - B_READS,
    "domain_col": ALL - B_READS - {("anon", "insert"), ("B", "insert")},
    "seq_denied": ALL - B_READS - {("anon", "insert")},
    "column_grant": ALL - B_READS - {(c, cmd) for c, cmd in ALL if c == "anon"},
    "parted": ALL - B_READS - {("anon", "insert"), ("B", "insert")},
    "parted_t": set(),
}


@pytest.fixture(scope="module")
def both(engine, tmp_path_factory) -> Iterator[tuple[ProbeResult, ProbeResult]]:  # type: ignore[no-untyped-def]
    """The probe with the catalog's answers, and with every request sent, on one database."""
    with _project(tmp_path_factory.mktemp("deny"), SCHEMA) as (project, db, applied, snapshot):
        answered = run_probe(db, snapshot, source_map=applied.source_map, settings=project.settings)
        sent = run_probe(db, snapshot, source_map=applied.source_map, settings=project.settings,
                         from_catalog=False)
    yield answered, sent


def _project(root: Path, sql: str):  # type: ignore[no-untyped-def]
    root.chmod(0o755)
    mdir = root / "supabase" / "migrations"
    mdir.mkdir(parents=True)
    (mdir / "20240101000000_deny.sql").write_text(sql, encoding="utf-8")
    return applied_project(root)


def _both_after(root: Path, superuser_sql: str) -> tuple[ProbeResult, ProbeResult]:
    """The probe of one plain table after `superuser_sql`, answered from the catalog and all sent.
    (The cluster is the test's own: Supabase refuses such changes outside a superuser.)"""
    with _project(root, _table("plain")) as (project, db, applied, snapshot):
        with db.connect(superuser=True) as conn:
            conn.execute(superuser_sql)
        answered = run_probe(db, snapshot, source_map=applied.source_map, settings=project.settings)
        sent = run_probe(db, snapshot, source_map=applied.source_map, settings=project.settings,
                         from_catalog=False)
    return answered, sent


def _from_catalog(a: Attempt) -> bool:
    return "not sent: RLS is on" in a.detail


def _attempts(result: ProbeResult, table: str) -> list[Attempt]:
    got = next(r for r in result.tables if r.table.identity == f"public.{table}")
    assert got.skipped is None, got.skipped
    return got.attempts


def _same(answered: list[Attempt], sent: list[Attempt]) -> None:
    """Every attempt came back alike; only the detail of a catalog answer differs (it says so)."""
    assert [(a.caller, a.command, a.purpose) for a in answered] == [
        (a.caller, a.command, a.purpose) for a in sent]
    for a, s in zip(answered, sent, strict=True):
        assert (a.outcome, a.rows, a.targeted, a.sqlstate, _UUID.sub("<uuid>", a.sql), a.policies) == (
            s.outcome, s.rows, s.targeted, s.sqlstate, _UUID.sub("<uuid>", s.sql), s.policies), (a, s)
        if _from_catalog(a):
            assert s.outcome == "denied" and not _from_catalog(s)
            if a.command == "insert":  # Postgres' own message first
                assert a.detail.startswith(s.detail + " (not sent: "), (a.detail, s.detail)
        else:
            assert a.detail == s.detail


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_answered_like_sent(both: tuple[ProbeResult, ProbeResult], table: str) -> None:
    answered, sent = both
    got, wanted = _attempts(answered, table), _attempts(sent, table)
    _same(got, wanted)
    caught = {(a.caller, a.command) for a in got
              if _from_catalog(a) and a.purpose in ("read", "write", "spoof") and a.caller != "D"}
    asked = {(a.caller, a.command) for a in got if a.purpose in ("read", "write", "spoof") and a.caller != "D"}
    assert caught == EXPECTED[table] & asked
    assert asked >= {(c, cmd) for c, cmd in ALL if c == "anon"} - (
        {("anon", cmd) for cmd in ("select", "insert", "update", "delete")} if table == "column_grant" else set())


def test_findings_and_counts(both: tuple[ProbeResult, ProbeResult]) -> None:
    answered, sent = both
    assert _plain([f.to_dict() for f in answered.findings]) == _plain([f.to_dict() for f in sent.findings])
    assert answered.summary["requests"] == sent.summary["requests"]
    assert sent.summary["requests_answered_by_catalog"] == 0
    caught = sum(_from_catalog(a) for r in answered.tables for a in r.attempts)
    assert answered.summary["requests_answered_by_catalog"] == caught > 50
    assert (f"{answered.summary['requests']} requests ({caught} answered from the catalog, not sent)"
            in summary_line(answered.summary))
    assert f"{sent.summary['requests']} requests," in summary_line(sent.summary)


def test_bypass_rls_role_is_sent(engine, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """A role with BYPASSRLS sees every row: nothing it asks is answered from the catalog. (The
    cluster is this test's own; Supabase refuses the change outside a superuser.)"""
    answered, sent = _both_after(tmp_path_factory.mktemp("bypass"), "alter role anon bypassrls")
    got = _attempts(answered, "plain")
    _same(got, _attempts(sent, "plain"))
    assert not [a for a in got if a.caller == "anon" and _from_catalog(a)]
    assert any(a.caller == "anon" and a.allowed for a in got)
    assert {(a.caller, a.command) for a in got if _from_catalog(a) and a.caller == "B"} == {
        ("B", "update"), ("B", "delete"), ("B", "insert")}


def _snapshot_with(table: Table) -> Snapshot:
    return Snapshot(tables=(table,))


@pytest.mark.parametrize("kind", ["v", "m", "f"])
def test_only_tables_are_denied_by_default(kind: str) -> None:
    """Views, materialized views and foreign tables are not governed by their own RLS."""
    t = Table("public", "t", kind, "public.t", rls=True)
    exposure = Exposure(_snapshot_with(t))
    assert not exposure.denied_by_default(t, "anon", "select")
    t.kind = "r"
    assert exposure.denied_by_default(t, "anon", "select")


def test_denied_by_default_reads_policies() -> None:
    pol = Policy("p", "public", "t", "p on public.t", "update", True, ("members",))
    t = Table("public", "t", "r", "public.t", rls=True, policies=(pol,))
    exposure = Exposure(_snapshot_with(t))
    assert exposure.denied_by_default(t, "authenticated", "update")
    assert not exposure.denied_by_default(t, "authenticated", "update", frozenset({"members"}))
    assert exposure.denied_by_default(t, "authenticated", "delete", frozenset({"members"}))


@pytest.mark.parametrize(("expr", "safe"), [
    ("gen_random_uuid()", True), ("now()", True), ("CURRENT_TIMESTAMP", True),
    ("timezone('utc'::text, now())", True), ("nextval('public.t_id_seq'::regclass)", True),
    ("auth.uid()", True), ("extensions.uuid_generate_v4()", True), ("'{}'::text[]", True),
    ("'x'::character varying(10)", True), ("'-1'::integer", True), ("false", True),
    ("(now() + '1 day'::interval)", False), ("public.stamp()", False), ("upper('x'::text)", False),
    ("public.uuid_generate_v4()", False), ("1 / 0", False), ("ARRAY[]::text[]", False),
])
def test_safe_default(expr: str, safe: bool) -> None:
    assert safe_default(expr) is safe


def test_row_security_off_is_sent(engine, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """With row_security off a query RLS would filter raises 42501 instead of seeing no row:
    nothing is answered from the catalog."""
    answered, sent = _both_after(tmp_path_factory.mktemp("rowsec"),
                                 "alter database postgres set row_security = off")
    got = _attempts(answered, "plain")
    _same(got, _attempts(sent, "plain"))
    assert answered.summary["requests_answered_by_catalog"] == 0
    assert any(a.sqlstate == "42501" and a.command == "select" for a in got)
