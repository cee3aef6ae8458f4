"""Policy-expression analysis never raises on text Postgres itself prints: random boolean
expressions over a table's columns, the auth helpers and other tables become real policies on a
throwaway database, are read back from pg_policies (as the catalog snapshot reads them) and are
analysed."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.audit import audit_snapshot
from toolkit.catalog import take_snapshot
from toolkit.engine.base import Database
from toolkit.project import SETTINGS_DEFAULTS
from toolkit.sql.policy_expr import PolicyAnalyzer, analyze

SETUP = """
create table public.members (org_id uuid, user_id uuid, role text);
create table public.t (id bigint primary key, user_id uuid, org_id uuid, name text, n int, tags text[],
  meta jsonb, flag boolean, created_at timestamptz, "Weird Col" text, during tstzrange);
create function public.is_member(o uuid) returns boolean language sql security definer
  set search_path = '' stable as $$ select true $$;
"""

ATOMS = [
    "true", "false", "flag", "flag is not true", "user_id = auth.uid()", "(select auth.uid()) = user_id",
    "auth.uid() is not null", "auth.role() = 'authenticated'", "(auth.jwt() ->> 'role') = 'admin'",
    "(auth.jwt() -> 'user_metadata' ->> 'team') = name", "(select auth.jwt()) ->> 'aal' = 'aal2'",
    "auth.email() = name", "n > 5", "n between symmetric 10 and 1", "coalesce(n, 0) in (1, 2, 3)",
    "name like 'a%'", "name ilike any (array['a%', 'b%'])", "name ~* '^x'", "name similar to '(a|b)%'",
    "tags @> array['x']", "tags[1] = 'x'", "tags[1:2] = array['a', 'b']", "'x' = any(tags)",
    "meta ? 'k'", "meta @> '{\"a\": 1}'", "(meta #>> '{a,b}') = 'c'", "meta -> 'k' is null",
    "org_id in (select m.org_id from public.members m where m.user_id = auth.uid())",
    "exists (select 1 from public.members m where m.org_id = t.org_id and m.user_id = (select auth.uid()))",
    "org_id = any(array(select org_id from public.members where user_id = (select auth.uid())))",
    "public.is_member(org_id)", "(select count(*) from public.members) > 0",
    "exists (with x as (select org_id from public.members) select 1 from x where x.org_id = t.org_id)",
    "user_id is distinct from auth.uid()", "(n, id) > (1, 2)", "t is not null", "row(n, name) is not null",
    "lower(name) = 'x'", "name collate \"C\" < 'm'", "\"Weird Col\" = E'a\\nb'", "name = $$quoted$$",
    "created_at > now() - interval '1 day'", "extract(year from created_at) > 2020",
    "created_at at time zone 'UTC' < localtimestamp", "during @> now()", "current_date > '2020-01-01'",
    "substring(name from 1 for 2) = 'ab'", "trim(both 'x' from name) <> ''", "position('a' in name) > 0",
    "nullif(name, '') is not null", "greatest(n, 1) < least(n, 10)", "n::bigint % 2 = 0",
    "cast(id as text) = current_setting('request.jwt.claim.sub', true)", "current_user = 'postgres'",
    "id = any('{1,2}'::bigint[])", "n = all(array[1])", "name is nfc normalized",
    "(created_at, created_at) overlaps (now(), now())", "array_length(tags, 1) > coalesce(n, 0)",
    "case n when 1 then true when 2 then flag else false end", "not exists (select from public.members)",
    "storage.foldername(name) is not null", "json_typeof(meta::json) = 'object'",
    "user_id = (select m.user_id from public.members m order by m.role nulls first limit 1 offset 0)",
    "org_id in (values ('00000000-0000-0000-0000-000000000000'::uuid))",
]

EXPR = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda ab: f"({ab[0]}) and ({ab[1]})"),
        st.tuples(inner, inner).map(lambda ab: f"({ab[0]}) or ({ab[1]})"),
        inner.map(lambda a: f"not ({a})"),
        st.tuples(inner, inner, inner).map(lambda abc: f"case when {abc[0]} then {abc[1]} else {abc[2]} end"),
        inner.map(lambda a: f"({a}) is true"),
        inner.map(lambda a: f"coalesce(({a}), false)"),
        inner.map(lambda a: f"exists (select 1 from public.members m where {a.replace('t.', 'm.')})"),
    ),
    max_leaves=6,
)
COMMANDS = ("select", "insert", "update", "delete", "all")
NAMES = count()


@pytest.fixture(scope="module")
def conn(engine) -> Iterator[psycopg.Connection]:  # type: ignore[no-untyped-def]
    db: Database = engine.start()
    try:
        with db.connect() as c:
            c.execute(SETUP)
            yield c
    finally:
        db.close()


def deparsed(conn: psycopg.Connection, command: str, using: str, check: str) -> tuple[str | None, str | None] | None:
    """Create the policy for real and read it back as pg_policies prints it; None when Postgres
    rejects the combination (a mistyped random expression)."""
    name = f"p{next(NAMES)}"
    sql = f"create policy {name} on public.t for {command} to authenticated"
    if command != "insert":
        sql += f" using ({using})"
    if command != "select" and command != "delete":
        sql += f" with check ({check})"
    try:
        with conn.transaction():
            conn.execute(sql)  # type: ignore[arg-type]
            conn.execute("select set_config('search_path', '', true)")
            row = conn.execute("select qual, with_check from pg_catalog.pg_policies where policyname = %s",
                               (name,)).fetchone()
            raise _Rollback(row)
    except _Rollback as r:
        return r.row
    except psycopg.Error:
        return None


class _Rollback(Exception):
    def __init__(self, row: tuple[str | None, str | None] | None) -> None:
        super().__init__()
        self.row = row


def check_analysis(conn: psycopg.Connection, command: str, using: str, check: str) -> bool:
    row = deparsed(conn, command, using, check)
    if row is None:
        return False
    analyzer = PolicyAnalyzer(["public.is_member"])
    for text in row:
        facts = analyze(text, "t", helpers=["public.is_member"])
        assert facts.text == text
        # the cache's normalised texts (own table, literals) answer as the text itself does
        assert analyzer(text, "t") == facts
        assert analyzer(text, "t") == facts
    return True


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(COMMANDS), EXPR, EXPR)
def test_analysis_never_raises_on_deparsed_policies(conn: psycopg.Connection, command: str, using: str,
                                                    check: str) -> None:
    check_analysis(conn, command, using, check)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(COMMANDS), EXPR, EXPR)
def test_analysis_never_raises_on_deparsed_policies_long_run(conn: psycopg.Connection, command: str,
                                                             using: str, check: str) -> None:
    check_analysis(conn, command, using, check)


def test_every_atom_is_valid_sql_postgres_accepts(conn: psycopg.Connection) -> None:
    """The generator's building blocks are real policies, so the property above is not vacuous."""
    rejected = [a for a in ATOMS if not check_analysis(conn, "all", a, a)]
    assert rejected == []


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans(), st.lists(st.tuples(st.sampled_from(COMMANDS), EXPR, EXPR, st.booleans()),
                               min_size=1, max_size=12))
def test_every_audit_rule_survives_random_policies(conn: psycopg.Connection, rls: bool,
                                                   policies: list[tuple[str, str, str, bool]]) -> None:
    """The whole audit, coverage matrix included, over a snapshot full of such policies."""
    try:
        with conn.transaction():
            if rls:
                conn.execute("alter table public.t enable row level security")
            for command, using, check, permissive in policies:
                sql = (f"create policy p{next(NAMES)} on public.t as "
                       f"{'permissive' if permissive else 'restrictive'} for {command} to authenticated")
                if command != "insert":
                    sql += f" using ({using})"
                if command not in ("select", "delete"):
                    sql += f" with check ({check})"
                conn.execute(sql)  # type: ignore[arg-type]
            snapshot = take_snapshot(conn, exposed_schemas=("public",))
            result = audit_snapshot(snapshot, source_map=None, settings=dict(SETTINGS_DEFAULTS))
            assert result.coverage
            raise _Rollback(None)
    except _Rollback:
        pass
