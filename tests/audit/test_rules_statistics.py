"""The rules that read a live database's runtime statistics, on a snapshot taken the way
`audit --db-url` takes it, and their silence on the throwaway snapshot of the same database."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from tests.audit.conftest import Audited
from toolkit.audit import audit_snapshot
from toolkit.audit.rules.statistics import expected_pages
from toolkit.catalog import take_snapshot
from toolkit.model import Level, TableStats

A = "20240101000000_app.sql"
FILES = {
    A: """
    create extension if not exists pg_trgm with schema extensions version '1.5';
    create table public.projects (id bigint primary key);
    create table public.events (id bigint primary key, kind text, label text,
      project_id bigint references public.projects (id), user_id uuid);
    create index events_kind_idx on public.events (kind);
    create index events_label_idx on public.events (label);
    create index events_project_idx on public.events (project_id);
    create index events_user_idx on public.events (user_id);
    create unique index events_kind_label_key on public.events (kind, label);
    alter table public.events enable row level security;
    create policy "own events" on public.events for select to authenticated
      using (user_id = (select auth.uid()));
    set local enable_seqscan = off;
    select count(*) from public.events where label = 'x';
    """,
}
STATS_RULES = ("unused_index", "table_bloat", "extension_outdated")


@pytest.fixture(scope="module")
def w(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    """The applying session reports its index scans when it ends, a moment after it closed: wait
    for them before taking the live-style snapshot."""
    world = audit_world(FILES)
    with world.db.connect() as conn:
        for _ in range(100):
            got = conn.execute("select pg_stat_get_numscans('public.events_label_idx'::regclass)").fetchone()
            if got and got[0]:
                break
            time.sleep(0.05)
            conn.execute("select pg_stat_clear_snapshot()")
        snap = take_snapshot(conn, ("public", "graphql_public"), statistics=True)
    return replace(world, snapshot=snap, result=audit_snapshot(snap, world.apply.source_map, {}))


def test_an_index_no_query_scanned_is_reported(w: Audited) -> None:
    f = w.one("unused_index", "public.events_kind_idx on public.events")
    assert f.level is Level.INFO and f.evidence["scans"] == 0
    assert str(f.location) == w.where(A, "create index events_kind_idx")
    assert f.remediation.startswith("drop index concurrently public.events_kind_idx;")


def test_used_unique_or_needed_indexes_are_kept(w: Audited) -> None:
    w.none("unused_index", "public.events_label_idx on public.events")  # scanned by the select
    w.none("unused_index", "public.events_kind_label_key on public.events")  # unique
    w.none("unused_index", "public.events_pkey on public.events")
    w.none("unused_index", "public.events_project_idx on public.events")  # the foreign key's only one
    w.none("unused_index", "public.events_user_idx on public.events")  # the policy column's only one


def test_an_extension_the_server_can_update(w: Audited) -> None:
    f = w.one("extension_outdated", "pg_trgm")
    assert f.level is Level.WARN and f.evidence["installed"] == "1.5"
    assert f.remediation == "alter extension pg_trgm update;"
    w.none("extension_outdated", "pgcrypto")


def test_a_small_fresh_table_is_not_bloated(w: Audited) -> None:
    assert not w.findings("table_bloat")
    events = w.snapshot.table("public.events")
    assert events is not None and events.stats is not None and events.stats.fillfactor == 100


def test_throwaway_snapshot_reads_no_statistics_and_the_rules_stay_quiet(w: Audited) -> None:
    with w.db.connect() as conn:
        snap = take_snapshot(conn, ("public", "graphql_public"))
    assert w.snapshot.statistics and not snap.statistics and snap.query_count == w.snapshot.query_count - 2
    assert all(i.scans is None for t in snap.tables for i in t.indexes)
    assert all(t.stats is None for t in snap.tables)
    assert all(e.default_version is None for e in snap.extensions)
    found = audit_snapshot(snap, w.apply.source_map, {}).findings
    assert not [f for f in found if f.rule in STATS_RULES]


def test_expected_pages_follow_rows_width_and_fillfactor() -> None:
    # 10,000 rows of 100 bytes (104 aligned) plus 28 bytes of overhead on 8,168 usable bytes
    assert expected_pages(TableStats(pages=0, tuples=10_000, row_width=100), 8192) == 162
    assert expected_pages(TableStats(pages=0, tuples=10_000, row_width=100, fillfactor=50),
                          8192) == 324
    assert expected_pages(TableStats(pages=5, tuples=-1, row_width=None), 8192) == 0
