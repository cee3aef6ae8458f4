"""A probe request goes to libpq without psycopg's cursor (session._exchange): every result,
error, retry, notice, timeout and interrupt must come out exactly as `conn.execute` gave them,
and the connection must be as usable afterwards. `_reference` is the cursor path it replaced."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.pq import TransactionStatus

from toolkit.errors import first_line
from toolkit.probe import session
from toolkit.probe.session import anon_claims, one_request, rolled_back_rows
from toolkit.probe.users import insert_user, make_user

DIAG = ("severity", "severity_nonlocalized", "sqlstate", "message_primary", "message_detail",
        "message_hint", "statement_position", "internal_position", "internal_query", "context",
        "schema_name", "table_name", "column_name", "datatype_name", "constraint_name")


def _reference(conn: psycopg.Connection, role: str, claims: dict[str, Any],
               statements: list[str], *, method: str = "POST", path: str = "/",
               statement_timeout: str | None = None,
               read_only: bool = False) -> list[tuple[int, tuple[Any, ...] | None]]:
    """The request as it ran through `conn.execute` before: row count and first row of each."""
    sp = f"supakit_request_{next(session._names)}"
    settings = session._settings(role, claims, method=method, path=path,
                                 search_path=session.API_SEARCH_PATH, statement_timeout=statement_timeout)
    if read_only:
        settings.insert(0, ("transaction_read_only", "on"))
    batch = "; ".join([f"SAVEPOINT {sp}", session._set_sql(settings), *statements,
                       f"ROLLBACK TO SAVEPOINT {sp}", f"RELEASE SAVEPOINT {sp}"])
    for attempt in range(1, session.DEADLOCK_RETRIES + 1):
        try:
            cur = conn.execute(batch)
            break
        except psycopg.errors.DeadlockDetected:
            conn.execute(f"ROLLBACK TO SAVEPOINT {sp}; RELEASE SAVEPOINT {sp}")
            if attempt == session.DEADLOCK_RETRIES:
                raise
        except BaseException:
            conn.execute(f"ROLLBACK TO SAVEPOINT {sp}; RELEASE SAVEPOINT {sp}")
            raise
    cur.nextset()
    out = []
    for _ in statements:
        cur.nextset()
        first = cur.fetchone() if cur.description else None
        out.append((cur.rowcount, tuple(first) if first is not None else None))
    return out


def _wire(conn: psycopg.Connection, role: str, claims: dict[str, Any], statements: list[str],
          **kw: Any) -> list[tuple[int, tuple[Any, ...] | None]]:
    """The same through the new path: row counts from one_request, rows from rolled_back_rows."""
    if len(statements) == 1:
        return [one_request(conn, role, claims, statements[0], method=kw.get("method", "POST"),
                            statement_timeout=kw.get("statement_timeout"))]
    rows = rolled_back_rows(conn, role, claims, statements, method=kw.get("method", "POST"),
                            path=kw.get("path", "/"), statement_timeout=kw.get("statement_timeout"),
                            read_only=kw.get("read_only", False))
    return [(-2, r) for r in rows]


def _error(fn: Any) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as info:
        fn()
    return info.value


def _same_error(a: psycopg.Error, b: psycopg.Error) -> None:
    assert type(a) is type(b)
    assert (a.sqlstate, str(a), first_line(a)) == (b.sqlstate, str(b), first_line(b))
    assert {k: getattr(a.diag, k) for k in DIAG} == {k: getattr(b.diag, k) for k in DIAG}


def _usable(conn: psycopg.Connection) -> None:
    """Back in the caller's transaction as the caller, and every way of using it still works."""
    assert conn.info.transaction_status == TransactionStatus.INTRANS
    assert conn.execute("select current_user, current_setting('request.jwt.claims', true)").fetchone() \
        in (("postgres", None), ("postgres", ""))
    with conn.transaction():
        conn.execute("create temp table wire_check (x int)")
        conn.execute("insert into wire_check values (1)")
        assert conn.execute("select count(*) from wire_check").fetchone() == (1,)
        conn.execute("drop table wire_check")
    assert conn.info.transaction_status == TransactionStatus.INTRANS


SCHEMA = """
create table public.items (id int primary key, owner uuid, name text, doc jsonb, at timestamptz);
alter table public.items enable row level security;
create policy own on public.items to authenticated
  using (owner = (select auth.uid())) with check (owner = (select auth.uid()));
grant all on public.items to anon, authenticated;
create sequence public.tries;
grant usage on sequence public.tries to anon, authenticated;
create function public.flaky(fail_times int) returns int language plpgsql as $$
begin
  if nextval('public.tries') <= fail_times then
    raise exception 'deadlock detected (simulated)' using errcode = '40P01';
  end if;
  return 42;
end $$;
create function public.loud() returns int language plpgsql as $$
begin
  raise notice 'hello from a policy';
  raise warning 'and a warning';
  return 1;
end $$;
create function public.picky(x int) returns int language plpgsql as $$
begin
  raise exception 'picky refuses %', x using errcode = 'P0042', detail = 'the detail',
    hint = 'the hint', schema = 'public', table = 'items', column = 'name', constraint = 'c1';
end $$;
create table public.noisy (id int primary key);
alter table public.noisy enable row level security;
create policy loud on public.noisy to anon using (public.loud() = 1);
grant all on public.noisy to anon, authenticated;
insert into public.noisy values (1), (2);
grant execute on function public.flaky(int), public.loud(), public.picky(int) to anon, authenticated;
"""


@pytest.fixture
def conn(db) -> Iterator[psycopg.Connection]:  # type: ignore[no-untyped-def]
    with db.connect(autocommit=True) as c, c.transaction(force_rollback=True):
        c.execute(SCHEMA)
        yield c


@pytest.fixture
def alice(conn: psycopg.Connection) -> Any:
    user = make_user(email="alice@example.com")
    insert_user(conn, user)
    conn.execute("insert into public.items values (1, %s, 'one', '{\"a\": [1, 2.5, null]}', "
                 "'2024-01-02 03:04:05+00'), (2, %s, null, null, null)", [user.id, user.id])
    return user


STATEMENTS = [
    "select count(*) from public.items",
    "select id, owner, name, doc, at from public.items order by id",
    "select id from public.items where false",
    "select",
    "select 1.50::numeric, 2::int8, 3::int2, true, 'x'::bytea, array[1, 2], '{\"k\": 1}'::json, "
    "'1 day'::interval, '2024-01-01'::date, 1.5::float8, 'a'::\"char\", null::text, 'é'::text",
    "select json_agg(i) from public.items i",
    "insert into public.items values (3, auth.uid(), 'three') returning id, name",
    "insert into public.items values (4, auth.uid(), 'four')",
    "update public.items set name = 'x'",
    "delete from public.items where id = 2",
    "with d as (delete from public.items returning id) select count(*) from d",
    "select * from public.noisy",
]


@pytest.mark.parametrize("sql", STATEMENTS)
def test_results_decode_as_the_cursor_did(conn: psycopg.Connection, alice: Any, sql: str) -> None:
    claims = alice.claims()
    want = _reference(conn, "authenticated", claims, [sql])
    got = _wire(conn, "authenticated", claims, [sql])
    assert got == want
    assert [type(v) for v in (got[0][1] or ())] == [type(v) for v in (want[0][1] or ())]
    _usable(conn)
    assert conn.execute("select count(*) from public.items").fetchone() == (2,)


def test_several_statements_and_read_only(conn: psycopg.Connection, alice: Any) -> None:
    claims = alice.claims()
    stmts = ["select name, doc from public.items where id = 1", "select current_setting('request.path')",
             "select current_setting('transaction_read_only'), current_user"]
    for read_only in (False, True):
        want = _reference(conn, "authenticated", claims, stmts, path="/rpc/x", read_only=read_only)
        got = _wire(conn, "authenticated", claims, stmts, path="/rpc/x", read_only=read_only)
        assert [r for _, r in got] == [r for _, r in want]
        _usable(conn)
    err = _error(lambda: rolled_back_rows(conn, "authenticated", claims,
                                          ["select 1", "insert into public.items values (9, null)"],
                                          method="POST", path="/", read_only=True))
    assert err.sqlstate == "25006"
    _usable(conn)


ERRORS = [
    "insert into public.items values (5, null)",  # RLS: 42501
    "insert into public.items values (1, auth.uid())",  # unique violation, with constraint and detail
    "select 1/0",
    "select public.picky(7)",  # every diagnostic field set
    "select * from public.nowhere",
    "select 1; select 1/0; select 2",  # fails after a result of its own
]


@pytest.mark.parametrize("sql", ERRORS)
def test_errors_raise_what_the_cursor_raised(conn: psycopg.Connection, alice: Any, sql: str) -> None:
    claims = alice.claims()
    want = _error(lambda: _reference(conn, "authenticated", claims, [sql]))
    _usable(conn)
    got = _error(lambda: one_request(conn, "authenticated", claims, sql))
    _same_error(got, want)
    _usable(conn)
    want = _error(lambda: _reference(conn, "authenticated", claims, ["select 1", sql]))
    got = _error(lambda: rolled_back_rows(conn, "authenticated", claims, ["select 1", sql],
                                          method="POST", path="/"))
    _same_error(got, want)
    _usable(conn)


def test_a_syntax_error_fails_as_it_did(conn: psycopg.Connection) -> None:
    """The server parses the whole string first, so not even the savepoint ran: the rollback to it
    fails in turn and the caller's transaction is left failed, as it was."""
    errors, states = [], []
    for request in (lambda: _reference(conn, "anon", anon_claims(), ["selec 1"]),
                    lambda: one_request(conn, "anon", anon_claims(), "selec 1")):
        with pytest.raises(psycopg.Error) as info, conn.transaction():
            try:
                request()
            finally:
                states.append(conn.info.transaction_status)
        errors.append(info.value)
        _usable(conn)
    # the savepoint's name is in the message; the syntax error behind it (__context__) alike
    for a, b in ((errors[0], errors[1]), (errors[0].__context__, errors[1].__context__)):
        assert isinstance(a, psycopg.Error) and type(a) is type(b)
        assert a.sqlstate == b.sqlstate
    assert str(errors[0].__context__) == str(errors[1].__context__)
    assert isinstance(errors[0].__context__, psycopg.errors.SyntaxError)
    assert states == [TransactionStatus.INERROR] * 2


def test_a_statement_timeout_is_a_query_canceled(conn: psycopg.Connection) -> None:
    sql = "select pg_sleep(5)"
    t0 = time.monotonic()
    want = _error(lambda: _reference(conn, "anon", anon_claims(), [sql], statement_timeout="50ms"))
    got = _error(lambda: one_request(conn, "anon", anon_claims(), sql, statement_timeout="50ms"))
    assert time.monotonic() - t0 < 4
    assert isinstance(got, psycopg.errors.QueryCanceled)
    _same_error(got, want)
    _usable(conn)
    assert conn.execute("select current_setting('statement_timeout')").fetchone() == ("0",)


def test_a_deadlock_is_asked_again_and_given_up_after_the_last_try(conn: psycopg.Connection) -> None:
    conn.execute("select setval('public.tries', 1, false)")
    assert one_request(conn, "anon", anon_claims(), "select public.flaky(2)") == (1, (42,))
    assert conn.execute("select last_value from public.tries").fetchone() == (3,)
    _usable(conn)
    conn.execute("select setval('public.tries', 1, false)")
    assert _reference(conn, "anon", anon_claims(), ["select public.flaky(2)"]) == [(1, (42,))]
    conn.execute("select setval('public.tries', 1, false)")
    want = _error(lambda: _reference(conn, "anon", anon_claims(), ["select public.flaky(3)"]))
    conn.execute("select setval('public.tries', 1, false)")
    got = _error(lambda: one_request(conn, "anon", anon_claims(), "select public.flaky(3)"))
    assert isinstance(got, psycopg.errors.DeadlockDetected)
    _same_error(got, want)
    assert conn.execute("select last_value from public.tries").fetchone() == (3,)
    _usable(conn)


def test_notices_reach_the_connection_handlers_and_change_nothing(conn: psycopg.Connection) -> None:
    heard: list[tuple[str, str]] = []
    conn.add_notice_handler(lambda d: heard.append((d.severity or "", d.message_primary or "")))
    want = _reference(conn, "anon", anon_claims(), ["select count(*) from public.noisy"])
    n = len(heard)
    assert n >= 2
    assert [one_request(conn, "anon", anon_claims(), "select count(*) from public.noisy")] == want
    assert heard[n:] == heard[:n]
    _usable(conn)


def test_outside_a_transaction_it_begins_one_as_conn_execute_did(db) -> None:  # type: ignore[no-untyped-def]
    with db.connect(autocommit=False) as c:  # idle: psycopg's BEGIN comes first
        assert c.info.transaction_status == TransactionStatus.IDLE
        assert one_request(c, "anon", anon_claims(), "select current_user") == (1, ("anon",))
        assert c.info.transaction_status == TransactionStatus.INTRANS
        assert c.execute("select current_user").fetchone() == ("postgres",)
        c.rollback()


def test_a_lost_connection_fails_as_it_did(db) -> None:  # type: ignore[no-untyped-def]
    def lose(request: Any) -> tuple[type[BaseException], bool]:
        with db.connect() as killer, db.connect(autocommit=True) as c:
            c.execute("begin")
            pid = c.info.backend_pid
            timer = threading.Timer(0.3, lambda: killer.execute("select pg_terminate_backend(%s)", [pid]))
            timer.start()
            try:
                with pytest.raises(psycopg.OperationalError) as info:
                    request(c)
            finally:
                timer.join()
            return type(info.value), c.closed

    sql = "select pg_sleep(3)"
    want = lose(lambda c: _reference(c, "anon", anon_claims(), [sql]))
    assert lose(lambda c: one_request(c, "anon", anon_claims(), sql)) == want
    assert want[1] is True


def test_ctrl_c_cancels_the_request_and_leaves_the_connection_usable(conn: psycopg.Connection) -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")

    def interrupted(request: Any) -> float:
        def stop(*_: Any) -> None:
            raise KeyboardInterrupt

        old = signal.signal(signal.SIGALRM, stop)
        t0 = time.monotonic()
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            with pytest.raises(KeyboardInterrupt):
                request()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        return time.monotonic() - t0

    sql = "select pg_sleep(5)"
    assert interrupted(lambda: _reference(conn, "anon", anon_claims(), [sql])) < 4
    _usable(conn)
    assert interrupted(lambda: one_request(conn, "anon", anon_claims(), sql)) < 4
    _usable(conn)
    assert one_request(conn, "anon", anon_claims(), "select current_user") == (1, ("anon",))


def test_waiting_for_the_server_leaves_the_gil_to_other_threads(conn: psycopg.Connection) -> None:
    """The lanes' threads share one GIL: a lane waiting on its server must not stall the others."""
    def count_during(work: Any) -> int:
        stop = threading.Event()
        counted = [0]

        def counter() -> None:
            while not stop.is_set():
                counted[0] += 1

        t = threading.Thread(target=counter)
        t.start()
        try:
            work()
        finally:
            stop.set()
            t.join()
        return counted[0]

    idle = count_during(lambda: time.sleep(0.3))
    busy = count_during(lambda: one_request(conn, "anon", anon_claims(), "select pg_sleep(0.3)"))
    assert busy > idle / 5


def test_a_request_makes_no_cursor(conn: psycopg.Connection, alice: Any) -> None:
    """The point of the wire path: the cursor's per-query machinery is what cost the CPU."""
    made: list[object] = []
    cursor = conn.cursor

    def counted(*args: Any, **kw: Any) -> Any:
        made.append(None)
        return cursor(*args, **kw)

    conn.cursor = counted  # type: ignore[method-assign]
    try:
        assert one_request(conn, "authenticated", alice.claims(), "select count(*) from public.items") == (1, (2,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            one_request(conn, "authenticated", alice.claims(), "insert into public.items values (5, null)")
        assert rolled_back_rows(conn, "anon", anon_claims(), ["select 1", "select 2"], method="GET",
                                path="/") == [(1,), (2,)]
    finally:
        del conn.cursor
    assert made == []
