"""Migrations that try to leave the throwaway cluster: they run as `postgres`, which Postgres and
our shim refuse every way out, including through dynamic SQL no text check can see."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from toolkit.engine.base import Database
from toolkit.errors import MigrationError

A = "20240101000000_a.sql"
HOST_ROLES = ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files")

# Each escape hides the role's name from apply.py's text check, so only the database stops it.
DYNAMIC_GRANTS = {
    "concatenated-in-do": "do $$ begin execute 'grant pg_execute_' || 'server_program to postgres'; "
                          "execute 'copy (select 1) to program ''touch {marker}'''; end $$;",
    "format-in-do": "do $$ begin execute format('grant %I to postgres', 'pg_write_' || 'server_files'); "
                    "execute 'copy (select 1) to ''{marker}'''; end $$;",
    "via-a-new-role": "create role helper;\n"
                      "do $$ begin execute 'grant pg_read_' || 'server_files to helper'; end $$;",
    "as-another-createrole-role": "set role supabase_storage_admin;\n"
                                  "do $$ begin execute 'grant pg_execute_' || 'server_program to postgres'; end $$;",
    "from-a-function": "create function public.up() returns void language plpgsql as $$ begin "
                       "execute 'grant pg_execute_' || 'server_program to postgres'; end $$;\n"
                       "select public.up();",
    "undo-the-guard": "do $$ begin execute 'alter role pg_execute_' || 'server_program nosuperuser'; end $$;",
    "edit-the-catalog": "update pg_authid set rolsuper = false where rolname like 'pg_%server%';",
}


@pytest.mark.parametrize("sql", DYNAMIC_GRANTS.values(), ids=DYNAMIC_GRANTS.keys())
def test_host_access_roles_cannot_be_granted_even_dynamically(
        shared_db: Database, apply_sql: Callable[..., object], public_tmp: Path, sql: str) -> None:
    marker = public_tmp / "escaped"
    with pytest.raises(MigrationError, match="superuser|permission denied|reserved"):
        apply_sql(shared_db, {A: sql.replace("{marker}", str(marker))})
    assert not marker.exists()
    with shared_db.connect() as conn:
        held = conn.execute("select r.rolname, m.rolname from pg_auth_members a join pg_roles r on r.oid = a.roleid "
                            "join pg_roles m on m.oid = a.member where r.rolname = any(%s)",
                            (list(HOST_ROLES),)).fetchall()
    assert held == []


HOST_ACCESS = {
    "lo_import": "select lo_import('/etc/passwd');",
    "lo_export": "select lo_export(lo_create(0), '{marker}');",
    "copy-from-file": "create table public.t (line text);\ncopy public.t from '/etc/passwd';",
    "copy-to-file": "copy (select 1) to '{marker}';",
    "pg_read_binary_file": "select pg_read_binary_file('/etc/passwd');",
    "pg_ls_dir": "select pg_ls_dir('/');",
    "pg_stat_file": "select pg_stat_file('/etc/passwd');",
    "c-function": "create function public.sys(cstring) returns int language c as 'libc.so.6', 'system';",
    "load-library": "load '/usr/lib/x86_64-linux-gnu/libc.so.6';",
    "adminpack": "create extension adminpack;",
    "file_fdw": "create extension file_fdw;",
    "tablespace": "create tablespace ts location '{dir}';",
    "become-superuser": "alter role postgres superuser;",
    "set-role-superuser": "set role supabase_admin;",
    "superuser-password": "alter role supabase_admin password 'x';",
    "subscription": "create subscription s connection 'dbname=postgres' publication p;",
    "server-settings": "alter system set shared_preload_libraries = 'x';",
}


@pytest.mark.parametrize("sql", HOST_ACCESS.values(), ids=HOST_ACCESS.keys())
def test_files_programs_and_privileges_of_the_host_are_refused(
        shared_db: Database, apply_sql: Callable[..., object], public_tmp: Path, sql: str) -> None:
    marker = public_tmp / "escaped"
    with pytest.raises(MigrationError, match="permission denied|must be superuser|not allowed|superuser"):
        apply_sql(shared_db, {A: sql.replace("{marker}", str(marker)).replace("{dir}", str(public_tmp))})
    assert not marker.exists()
    assert list(public_tmp.iterdir()) == []


def test_legitimate_role_management_still_works(db: Database, apply_sql: Callable[..., object]) -> None:
    """The guard takes nothing a Supabase migration may do: CREATEROLE and grants of other roles."""
    apply_sql(db, {A: "create role reporting nologin;\ngrant authenticated to reporting;\n"
                      "grant usage on schema public to reporting;\ncreate role app_login login password null;\n"})
    with db.connect() as conn:
        assert conn.execute("select pg_has_role('reporting', 'authenticated', 'member')").fetchone() == (True,)


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.05)
    hits: list[bytes] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    hits.append(conn.recv(64) or b"<connected>")
                except OSError:
                    hits.append(b"<connected>")

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1], hits
    done.set()
    t.join()
    srv.close()


def _sock_dir(db: Database) -> str:
    return db.dsn.split("host=", 1)[1].split()[0]


def test_dblink_and_postgres_fdw_reach_no_host(db: Database, apply_sql: Callable[..., object],
                                               listener: tuple[int, list[bytes]]) -> None:
    """The postmaster has a network namespace of its own: a migration's dblink or postgres_fdw
    connection to any host, here a live listener on this machine's loopback, goes nowhere."""
    if not db.cluster.network_isolated():  # type: ignore[attr-defined]
        pytest.skip("this kernel or container refuses a network namespace (docs/security.md, residual risks)")
    port, hits = listener
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass  # the listener works: a connection from outside the cluster is seen
    target = f"host=127.0.0.1 port={port} dbname=x user=x password=y connect_timeout=5"
    apply_sql(db, {A: f"""
        create extension dblink with schema extensions;
        create extension postgres_fdw with schema extensions;
        create server elsewhere foreign data wrapper postgres_fdw
          options (host '127.0.0.1', port '{port}', dbname 'x');
        create user mapping for postgres server elsewhere options (user 'x', password 'y');
        create foreign table public.remote (id int) server elsewhere;
    """})
    with db.connect() as conn:
        with pytest.raises(psycopg.Error) as e:
            conn.execute("select extensions.dblink_connect(%s)", (target,))
        assert "Network is unreachable" in (e.value.diag.message_detail or "")
        with pytest.raises(psycopg.Error, match="Network is unreachable"):
            conn.execute("select * from public.remote")
    for _ in range(40):  # the accept loop's own latency
        if len(hits) > 1:
            break
        threading.Event().wait(0.025)
    assert len(hits) == 1, hits  # only the test's own connection


def test_dblink_back_into_the_cluster_as_superuser_is_refused(db: Database, apply_sql: Callable[..., object]) -> None:
    """Local connections are trusted, so a loop back through the socket would be a way to
    superuser; dblink refuses non-superusers a connection that asked for no password."""
    apply_sql(db, {A: "create extension dblink with schema extensions;"})
    with db.connect() as conn, pytest.raises(psycopg.Error, match="password is required|Non-superuser"):
        conn.execute("select extensions.dblink_connect(%s)",
                     (f"host={_sock_dir(db)} dbname=postgres user=supabase_admin password=x",))


def test_a_direct_grant_gets_a_clear_message_and_naming_the_roles_runs(
        db: Database, apply_sql: Callable[..., object]) -> None:
    with pytest.raises(MigrationError, match="refused: granting pg_write_server_files gives access to the machine"):
        apply_sql(db, {A: "grant anon, pg_write_server_files to postgres;"})
    apply_sql(db, {A: "create view public.host_roles as select rolname from pg_roles "
                      "where rolname in ('pg_execute_server_program', 'pg_read_server_files');\n"})
