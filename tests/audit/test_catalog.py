"""The catalog snapshot: content, fixed query count, read-only use, JSON round trip."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.audit.conftest import Audited
from tests.bench.gen_schema import generate_schema
from toolkit.audit import audit_snapshot
from toolkit.catalog import take_snapshot
from toolkit.model import Argument, Snapshot

A = "20240101000000_catalog.sql"
FILES = {
    A: """
    create table public.items (
      id bigint generated always as identity primary key,
      owner uuid not null references auth.users (id) on delete cascade,
      sku text not null default 'none',
      price numeric,
      total numeric generated always as (price * 2) stored
    );
    create index items_sku_idx on public.items (lower(sku)) include (price) where price > 0;
    alter table public.items enable row level security;
    alter table public.items force row level security;
    create policy "Owner Reads" on public.items as restrictive for select to anon, authenticated
      using (owner = auth.uid());
    create table public.events (id bigint, at date not null, primary key (id, at)) partition by range (at);
    create table public.events_2024 partition of public.events
      for values from ('2024-01-01') to ('2025-01-01');
    create view public.cheap with (security_invoker = on, security_barrier = true) as
      select id from public.items where price < 10;
    revoke all on public.items from anon;
    grant select (id, sku) on public.items to anon;
    create function public.f(a uuid, b text default 'x') returns int language sql stable
      security definer set search_path = '' as $$ select 1 $$;
    revoke execute on function public.f(uuid, text) from public, anon;
    create function public.g(uuid, out n int, variadic tags text[] default '{}') returns setof int
      language sql begin atomic select count(*)::int from public.items where id::text = $1::text; end;
    insert into storage.buckets (id, name, public) values ('pics', 'pics', true);
    """,
}


@pytest.fixture(scope="module")
def w(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    return audit_world(FILES)


def test_tables_columns_and_flags(w: Audited) -> None:
    s = w.snapshot
    items = s.table("public.items")
    assert items is not None and items.kind == "r" and items.rls and items.force_rls
    assert items.owner == "postgres"
    cols = {c.name: c for c in items.columns}
    assert cols["id"].identity == "always" and cols["id"].not_null
    assert cols["sku"].default == "'none'::text"
    assert cols["total"].generated and not cols["price"].generated
    assert [c.name for c in items.columns] == ["id", "owner", "sku", "price", "total"]
    assert s.table("public.events").kind == "p"  # type: ignore[union-attr]
    assert s.table("public.events_2024").partition_of == "public.events"  # type: ignore[union-attr]


def test_indexes_and_foreign_keys(w: Audited) -> None:
    items = w.snapshot.table("public.items")
    assert items is not None
    idx = {i.name: i for i in items.indexes}
    pk = idx["items_pkey"]
    assert pk.primary and pk.unique and pk.constraint == "items_pkey" and pk.columns == ("id",)
    sku = idx["items_sku_idx"]
    assert sku.columns == (None,) and sku.include == ("price",)
    assert sku.expressions == "lower(sku)" and sku.predicate == "(price > (0)::numeric)"
    assert sku.identity == "public.items_sku_idx" and sku.method == "btree" and sku.valid
    (fk,) = items.foreign_keys
    assert (fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete) == (
        ("owner",), "auth.users", ("id",), "cascade")


def test_policies_deparse_schema_qualified(w: Audited) -> None:
    items = w.snapshot.table("public.items")
    assert items is not None
    (p,) = items.policies
    assert p.identity == '"Owner Reads" on public.items'
    assert p.command == "select" and not p.permissive and p.roles == ("anon", "authenticated")
    assert p.using == "(owner = auth.uid())" and p.with_check is None


def test_privileges_schema_usage_and_functions(w: Audited) -> None:
    s = w.snapshot
    items = s.table("public.items")
    assert items is not None
    assert "anon" not in items.privileges and "select" in items.privileges["authenticated"]
    assert items.column_privileges["anon"]["select"] == ("id", "sku")
    public = s.schema("public")
    assert public is not None and public.exposed and "anon" in public.usage
    assert not s.schema("auth").exposed  # type: ignore[union-attr]
    (fn,) = [f for f in s.functions if f.schema == "public" and f.name == "f"]
    assert fn.identity == "public.f(pg_catalog.uuid,pg_catalog.text)"
    assert fn.identity_args == "a uuid, b text"
    assert fn.security_definer and fn.search_path == '""' and fn.volatility == "stable"
    assert fn.execute == ("authenticated",) and fn.language == "sql"
    assert fn.args == (Argument("a", "uuid"), Argument("b", "text", has_default=True))
    assert not fn.returns_set and fn.definition is not None and "select 1" in fn.definition
    (g,) = [f for f in s.functions if f.schema == "public" and f.name == "g"]
    assert g.args == (Argument("", "uuid"), Argument("n", "integer", "out"),
                      Argument("tags", "text[]", "variadic", has_default=True))
    assert [a.name for a in g.inputs] == ["", "tags"] and g.returns_set
    # a BEGIN ATOMIC body comes back deparsed, its names schema-qualified
    assert g.definition is not None and "FROM public.items" in g.definition
    assert all(f.definition is None for f in s.functions if f.extension)


def test_views_extensions_and_buckets(w: Audited) -> None:
    s = w.snapshot
    v = s.table("public.cheap")
    assert v is not None and v.kind == "v" and v.security_invoker and v.security_barrier
    assert v.reads == ("public.items",)
    assert {e.name for e in s.extensions} >= {"pgcrypto", "plpgsql"}
    assert s.buckets_known and s.bucket("pics") is not None and s.bucket("pics").public  # type: ignore[union-attr]
    assert s.api_roles == ("anon", "authenticated")


def test_read_only_session_reads_buckets_too(w: Audited) -> None:
    with w.db.connect() as conn:
        conn.execute("set default_transaction_read_only = on")
        snap = take_snapshot(conn, ("public",))
    assert snap.buckets_known and [b.id for b in snap.buckets] == ["pics"]
    assert snap.query_count == w.snapshot.query_count


def test_json_round_trip_and_rules_without_a_database(w: Audited) -> None:
    data = json.loads(json.dumps(w.snapshot.to_dict()))
    again = Snapshot.from_dict(data)
    assert again == w.snapshot
    result = audit_snapshot(again, w.apply.source_map, {})
    assert [f.to_dict() for f in result.findings] == [f.to_dict() for f in w.result.findings]
    assert result.coverage == w.result.coverage


class _Counting:
    """Passes everything to a real connection, counting the statements sent."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.count = 0

    def execute(self, *a: Any, **kw: Any) -> Any:
        self.count += 1
        return self._conn.execute(*a, **kw)

    def cursor(self, *a: Any, **kw: Any) -> Any:
        return _CountingCursor(self, self._conn.cursor(*a, **kw))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class _CountingCursor:
    def __init__(self, counter: _Counting, cur: Any) -> None:
        self._counter = counter
        self._cur = cur

    def execute(self, *a: Any, **kw: Any) -> Any:
        self._counter.count += 1
        return self._cur.execute(*a, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


def test_query_count_does_not_depend_on_schema_size(make_db) -> None:  # type: ignore[no-untyped-def]
    """Live statistics add two queries, whatever the size."""
    counts = []
    for n in (5, 200):
        db = make_db()
        with db.connect() as conn:
            conn.execute(generate_schema(n))
            for statistics in (False, True):
                counting = _Counting(conn)
                snap = take_snapshot(counting, ("public",), statistics=statistics)  # type: ignore[arg-type]
                assert len([t for t in snap.tables if t.schema == "public"]) == n + 2
                counts.append((n, statistics, counting.count, snap.query_count))
    by_mode = {(stats, sent, reported) for _, stats, sent, reported in counts}
    assert len(by_mode) == 2
    (plain,) = [(sent, reported) for stats, sent, reported in by_mode if not stats]
    (live,) = [(sent, reported) for stats, sent, reported in by_mode if stats]
    assert plain[0] == plain[1] <= 15 and live[0] == live[1] == plain[0] + 2


def test_read_only_connection_and_no_storage(make_db) -> None:  # type: ignore[no-untyped-def]
    db = make_db()
    with db.connect(superuser=True) as conn:
        conn.execute("drop schema storage cascade")
        conn.execute("create table public.t (id int primary key)")
    with db.connect() as conn:
        conn.execute("set default_transaction_read_only = on")
        snap = take_snapshot(conn, ("public",))
        assert conn.execute("show search_path").fetchone()[0] != ""  # type: ignore[index]
    assert not snap.buckets_known and snap.buckets == ()
    assert snap.table("public.t") is not None


def test_snapshot_runs_without_jit_even_where_the_server_has_it(make_db) -> None:  # type: ignore[no-untyped-def]
    """A live database may have JIT on; the snapshot's transaction turns it off (compiling the
    big catalog queries cost more than running them)."""
    db = make_db()
    with db.connect() as conn:
        conn.execute("set jit = on")
        with conn.transaction():  # the snapshot's own becomes a savepoint: its settings stay
            take_snapshot(conn, ("public",))
            assert conn.execute("show jit").fetchone()[0] == "off"  # type: ignore[index]
        assert conn.execute("show jit").fetchone()[0] == "on"  # type: ignore[index]
