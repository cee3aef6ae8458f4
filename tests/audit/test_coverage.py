"""The coverage matrix: every status from real grants and policies."""

from __future__ import annotations

import pytest

from tests.audit.conftest import Audited
from toolkit.model import COVERAGE_STATUSES

A = "20240101000000_coverage.sql"
FILES = {
    A: """
    create table public.plain (id bigint primary key);
    create table public.sealed (id bigint primary key);
    alter table public.sealed enable row level security;
    create table public.mixed (id bigint primary key, user_id uuid references auth.users (id),
      status text);
    alter table public.mixed enable row level security;
    revoke delete on public.mixed from anon;
    create policy "anyone reads" on public.mixed for select to anon using (true);
    create policy "owner reads" on public.mixed for select to authenticated
      using ((select auth.uid()) = user_id);
    create policy "owner inserts" on public.mixed for insert to authenticated
      with check ((select auth.uid()) = user_id);
    create policy "drafts editable" on public.mixed for update to authenticated
      using (status = 'draft');
    create policy "owner updates loosely" on public.mixed for update to anon
      using ((select auth.uid()) = user_id) with check (true);
    create table public.narrowed (id bigint primary key, user_id uuid, status text);
    alter table public.narrowed enable row level security;
    create policy "open read" on public.narrowed for select using (true);
    create policy "only mine" on public.narrowed as restrictive for select to authenticated
      using (user_id = (select auth.uid()));
    create policy "only live" on public.narrowed as restrictive for select to anon
      using (status = 'live');
    create policy "open insert" on public.narrowed for insert to anon with check (true);
    create policy "restrictive only" on public.narrowed as restrictive for delete to anon
      using (true);
    """,
}


@pytest.fixture(scope="module")
def w(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    return audit_world(FILES)


def test_every_exposed_table_role_and_command_has_a_cell(w: Audited) -> None:
    cells = [c for c in w.result.coverage if c.table in ("plain", "sealed", "mixed", "narrowed")]
    assert len(cells) == 4 * 2 * 4
    assert {c.status for c in w.result.coverage} <= set(COVERAGE_STATUSES)
    assert w.result.info["exposed_tables"] == 4


def test_no_rls_and_no_grant(w: Audited) -> None:
    assert w.cell("plain", "anon", "select") == ("no RLS", ())
    assert w.cell("mixed", "anon", "delete") == ("no grant", ())


def test_denied(w: Audited) -> None:
    assert w.cell("sealed", "authenticated", "update") == ("denied", ())
    assert w.cell("mixed", "authenticated", "delete") == ("denied", ())


def test_open_row_scoped_predicate(w: Audited) -> None:
    assert w.cell("mixed", "anon", "select") == ("open", ("anyone reads",))
    assert w.cell("mixed", "authenticated", "select") == ("row-scoped", ("owner reads",))
    assert w.cell("mixed", "authenticated", "insert") == ("row-scoped", ("owner inserts",))
    assert w.cell("mixed", "authenticated", "update") == ("predicate", ("drafts editable",))
    # USING is the caller's, the new row is anything: not row-scoped
    assert w.cell("mixed", "anon", "update") == ("predicate", ("owner updates loosely",))


def test_restrictive_policies_narrow_but_never_open(w: Audited) -> None:
    assert w.cell("narrowed", "authenticated", "select") == ("row-scoped", ("open read", "only mine"))
    assert w.cell("narrowed", "anon", "select") == ("predicate", ("open read", "only live"))
    assert w.cell("narrowed", "anon", "insert") == ("open", ("open insert",))
    assert w.cell("narrowed", "anon", "delete") == ("denied", ("restrictive only",))


def test_cells_name_where_their_policies_were_written(w: Audited) -> None:
    cell = next(c for c in w.result.coverage
                if (c.table, c.role, c.command) == ("narrowed", "authenticated", "select"))
    assert [str(loc) for loc in cell.locations] == [w.where(A, 'policy "open read"'),
                                                    w.where(A, 'policy "only mine"')]
    assert all(c.locations == () for c in w.result.coverage if not c.policies)


B = "20240101000000_alike.sql"
ALIKE = {
    B: """
    create table public.first (id bigint primary key, user_id uuid, status text);
    alter table public.first enable row level security;
    create policy "first reads" on public.first for select using (true);
    create policy "first mine" on public.first as restrictive for select to authenticated
      using (user_id = (select auth.uid()));
    create policy "first writes" on public.first for all to authenticated
      using (user_id = (select auth.uid()));
    create table public.second (id bigint primary key, user_id uuid, status text);
    alter table public.second enable row level security;
    create policy "second reads" on public.second for select using (true);
    create policy "second mine" on public.second as restrictive for select to authenticated
      using (user_id = (select auth.uid()));
    create policy "second writes" on public.second for all to authenticated
      using (user_id = (select auth.uid()));
    create table public.third (id bigint primary key, user_id uuid, status text);
    alter table public.third enable row level security;
    create policy "third mine" on public.third as restrictive for select to authenticated
      using (user_id = (select auth.uid()));
    create policy "third reads" on public.third for select using (status = 'live');
    """,
}


def _reference(w: Audited) -> dict[tuple[str, str, str], tuple[str, tuple[str, ...]]]:
    """Each cell worked out on its own, policy by policy, as the matrix's definition reads."""
    from toolkit.audit.context import AuditContext
    from toolkit.facts import Facts

    ctx = AuditContext(Facts(w.snapshot, None), {})
    out = {}
    for c in w.result.coverage:
        t = w.snapshot.table(f"{c.schema}.{c.table}")
        assert t is not None
        if not ctx.exposure.reaches(t, c.role, c.command):
            out[(c.table, c.role, c.command)] = ("no grant", ())
            continue
        if not t.rls:
            out[(c.table, c.role, c.command)] = ("no RLS", ())
            continue
        mine = [p for p in t.policies if p.applies_to(c.role) and p.covers(c.command)]
        permissive = [p for p in mine if p.permissive and ctx.mode(p, c.command) is not None]
        restrictive = [p for p in mine if not p.permissive]
        grants = [ctx.mode(p, c.command) for p in permissive]
        narrows = [ctx.mode(p, c.command) for p in restrictive]
        names = tuple(p.name for p in permissive + restrictive)
        if not permissive:
            status = "denied"
        elif "scoped" in narrows:
            status = "row-scoped"
        elif "open" in grants:
            status = "predicate" if "predicate" in narrows else "open"
        else:
            status = "row-scoped" if all(m == "scoped" for m in grants) else "predicate"
        out[(c.table, c.role, c.command)] = (status, names)
    return out


def test_tables_alike_share_statuses_and_keep_their_own_policy_names(audit_world) -> None:  # type: ignore[no-untyped-def]
    alike = audit_world(ALIKE)
    assert alike.cell("first", "authenticated", "select") == ("row-scoped", ("first reads", "first writes",
                                                                            "first mine"))
    assert alike.cell("second", "authenticated", "select") == ("row-scoped", ("second reads", "second writes",
                                                                             "second mine"))
    assert alike.cell("second", "anon", "select") == ("open", ("second reads",))
    assert alike.cell("third", "authenticated", "select") == ("row-scoped", ("third reads", "third mine"))
    assert alike.cell("third", "anon", "select") == ("predicate", ("third reads",))
    for world in (alike, audit_world(FILES)):
        got = {(c.table, c.role, c.command): (c.status, c.policies) for c in world.result.coverage}
        assert got == _reference(world)
