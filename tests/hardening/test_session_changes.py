"""A migration that changes its own session (role, encoding, timeouts, transaction mode) either
applies or fails on the statement responsible with one clear line; supakit's own bookkeeping
after each statement never turns it into a traceback."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from toolkit.engine.base import Database
from toolkit.errors import SupakitError

A = "20240101000000_a.sql"

FAILS = {
    "role-left-set": ("create table public.t (id int);\nset role authenticated;\nselect 1;",
                      r"20240101000000_a\.sql:1:1: the statements ran but recording the file failed: "
                      r"permission denied for schema supabase_migrations"),
    "role-set-by-set_config": ("select set_config('role', 'anon', false);",
                               r":1:1: the statements ran but recording the file failed"),
    "read-only-transaction": ("set transaction read only;\nselect 1;",
                              r":1:1: the statements ran but recording the file failed: cannot execute INSERT"),
    "client-encoding": ("set client_encoding = 'SQL_ASCII';\ncreate table public.\"tä\" (id int);",
                        r":2:1: supakit cannot follow this statement: .*client_encoding"),
    "terminate-itself": ("select pg_terminate_backend(pg_backend_pid());",
                         r":1:1: the database closed the connection"),
}


@pytest.mark.parametrize(("sql", "message"), FAILS.values(), ids=FAILS.keys())
def test_session_changes_fail_cleanly(shared_db: Database, apply_sql: Callable[..., object],
                                      sql: str, message: str) -> None:
    with pytest.raises(SupakitError, match=message) as e:
        apply_sql(shared_db, {A: sql})
    assert "\n" not in str(e.value)


def test_role_switched_and_back_keeps_the_trace(db: Database, apply_sql: Callable[..., object]) -> None:
    _, result = apply_sql(db, {A: "set role service_role;\nselect 1;\nreset role;\n"
                                  "create table public.t (id int);\nset role authenticated;\nset role none;\n"
                                  "create index t_id on public.t (id);\n"})
    idents = {e.identity for e in result.source_map.events}
    assert {"public.t", "public.t_id"} <= idents


def test_a_new_connection_state_for_every_file(db: Database, apply_sql: Callable[..., object]) -> None:
    """`reset all` between files: one file's search_path or role never leaks into the next."""
    apply_sql(db, {A: "select set_config('search_path', 'auth', false);\n",
                   "20240102000000_b.sql": "create table t (id int);\n"})
    with db.connect() as conn:
        assert conn.execute("select to_regclass('public.t') is not null").fetchone() == (True,)
