"""Requests behave like the Data API's: role, claims and search_path are transaction-local,
auth.uid()/auth.jwt() see the caller, and a request is rolled back unless asked to keep."""

from __future__ import annotations

import psycopg
import pytest

from toolkit.probe.session import anon_claims, as_anon, as_user, one_request, request
from toolkit.probe.users import insert_user, make_user


@pytest.fixture
def conn(db):  # type: ignore[no-untyped-def]
    with db.connect(autocommit=True) as c, c.transaction(force_rollback=True):
        c.execute("create table public.items (id int primary key, owner uuid)")
        c.execute("alter table public.items enable row level security")
        c.execute("create policy own on public.items to authenticated "
                  "using (owner = (select auth.uid())) with check (owner = (select auth.uid()))")
        yield c


def test_a_user_request_sets_role_claims_and_search_path(conn) -> None:  # type: ignore[no-untyped-def]
    alice = make_user(email="alice@example.com")
    insert_user(conn, alice)
    with as_user(conn, alice) as db:
        row = db.execute("select current_user, auth.uid()::text, auth.role(), auth.email(), "
                         "auth.jwt() ->> 'aal', (auth.jwt() ->> 'is_anonymous')::boolean, "
                         "auth.jwt() -> 'app_metadata' ->> 'provider', "
                         "current_setting('search_path'), current_setting('request.method')"
                         ).fetchone()
    assert row == ("authenticated", alice.id, "authenticated", "alice@example.com", "aal1", False,
                   "email", "public, extensions", "POST")
    assert conn.execute("select current_user, auth.uid()").fetchone() == ("postgres", None)


def test_anon_has_no_subject(conn) -> None:  # type: ignore[no-untyped-def]
    with as_anon(conn) as db:
        assert db.execute("select current_user, auth.uid(), auth.role()").fetchone() == (
            "anon", None, "anon")


def test_a_request_is_rolled_back_unless_kept(conn) -> None:  # type: ignore[no-untyped-def]
    alice = make_user()
    insert_user(conn, alice)
    with as_user(conn, alice) as db:
        db.execute("insert into public.items values (1, %s)", [alice.id])
    assert conn.execute("select count(*) from public.items").fetchone() == (0,)
    with as_user(conn, alice, keep=True) as db:
        db.execute("insert into public.items values (2, %s)", [alice.id])
    assert conn.execute("select count(*) from public.items").fetchone() == (1,)
    assert conn.execute("select current_user, current_setting('search_path')").fetchone()[0] == "postgres"


def test_a_refused_write_raises_and_leaves_nothing(conn) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_user(), make_user()
    insert_user(conn, alice)
    insert_user(conn, bob)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), as_user(conn, bob, keep=True) as db:
        db.execute("insert into public.items values (3, %s)", [alice.id])
    assert conn.execute("select count(*), current_user from public.items").fetchone() == (0, "postgres")


def test_one_request_returns_the_statement_result_and_rolls_back(conn) -> None:  # type: ignore[no-untyped-def]
    alice = make_user()
    insert_user(conn, alice)
    claims = alice.claims()
    count, _ = one_request(conn, "authenticated", claims,
                           f"insert into public.items values (4, '{alice.id}')")
    assert count == 1
    assert conn.execute("select count(*) from public.items").fetchone() == (0,)
    count, first = one_request(conn, "anon", anon_claims(), "select count(*) from public.items")
    assert first == (0,)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        one_request(conn, "authenticated", claims, "insert into public.items values (5, null)")
    assert conn.execute("select current_user").fetchone() == ("postgres",)


def test_requests_nest(conn) -> None:  # type: ignore[no-untyped-def]
    alice = make_user()
    insert_user(conn, alice)
    with request(conn, "authenticated", alice.claims(), keep=True) as db:
        db.execute("insert into public.items values (6, %s)", [alice.id])
        with as_anon(db) as inner:
            assert inner.execute("select count(*) from public.items").fetchone() == (0,)
        assert db.execute("select current_user").fetchone() == ("authenticated",)
    assert conn.execute("select count(*) from public.items").fetchone() == (1,)
