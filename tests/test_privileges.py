"""What `postgres` may do on a hosted project, row by row of docs/shim.md ("The privileged role").

Every row runs as a migration file of its own, all in one apply with --keep-going on one
database, so each row's outcome is checked without a cluster per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import write_project
from toolkit.apply import ApplyResult, apply_migrations
from toolkit.engine.base import Database
from toolkit.migrations import discover

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    label: str  # as written in the table of docs/shim.md
    sql: str
    refused: str | None = None  # the failure message, when hosted Supabase refuses it too
    check: str | None = None  # a query that must return true afterwards


ROWS = [
    Row("create extension moddatetime", "create extension moddatetime with schema extensions;",
        check="select extowner::regrole::text = 'postgres' from pg_extension where extname = 'moddatetime'"),
    Row("create extension file_fdw", "create extension file_fdw;",
        refused='permission denied to create extension "file_fdw"'),
    Row("create foreign data wrapper", """
        create extension postgres_fdw with schema extensions;
        create foreign data wrapper remote_pg handler extensions.postgres_fdw_handler
            validator extensions.postgres_fdw_validator;
        comment on foreign data wrapper remote_pg is 'owner only';""",
        check="select fdwowner::regrole::text = 'postgres' from pg_foreign_data_wrapper where fdwname = 'remote_pg'"),
    Row("create foreign data wrapper with a handler or validator of your own", """
        create extension wrappers with schema extensions;
        create function public.my_validator(text[], oid) returns void language plpgsql as 'begin end';
        create foreign data wrapper mine handler extensions.stripe_fdw_handler validator public.my_validator;""",
        refused="must both be owned by the same extension"),
    Row("create server, user mapping, foreign table", """
        create extension wrappers with schema extensions;
        create foreign data wrapper stripe_w handler extensions.stripe_fdw_handler
            validator extensions.stripe_fdw_validator;
        create server stripe_s foreign data wrapper stripe_w options (api_key_name 'stripe');
        create user mapping for postgres server stripe_s;
        create foreign table public.stripe_customers (id text) server stripe_s options (object 'customers');""",
        check="select srvowner::regrole::text = 'postgres' from pg_foreign_server where srvname = 'stripe_s'"),
    Row("create event trigger", """
        create table public.evt_log (who text, tag text);
        create function public.log_ddl() returns event_trigger language plpgsql as $$
        begin insert into public.evt_log values (current_user, tg_tag); end $$;
        create event trigger log_ddl on ddl_command_end execute function public.log_ddl();
        create table public.evt_seen (id int);""",
        check="select (select evtowner::regrole::text from pg_event_trigger where evtname = 'log_ddl') = 'postgres' "
              "and exists (select from public.evt_log where who = 'postgres' and tag = 'CREATE TABLE')"),
    Row("an event trigger never fires for the superuser", "create extension pg_net with schema extensions;",
        check="not exists (select from public.evt_log where who <> 'postgres') "
              "and to_regclass('net.http_request_queue') is not null"),
    Row("create event trigger on a superuser's function",
        "create event trigger sneaky on ddl_command_end execute function supakit.record_ddl();",
        refused="Non-superuser owned event trigger must execute a non-superuser owned function"),
    Row("create publication for all tables", "create publication everything for all tables;",
        check="select pubowner::regrole::text = 'postgres' from pg_publication where pubname = 'everything'"),
    Row("alter publication supabase_realtime add tables in schema",
        "create schema chat;\nalter publication supabase_realtime add tables in schema chat;",
        check="exists (select from pg_publication_namespace where pnnspid = 'chat'::regnamespace)"),
    Row("set session_replication_role", "set session_replication_role = replica;\nreset session_replication_role;"),
    Row("alter role ... set an allowed setting",
        "alter role authenticator set pgrst.db_schemas = 'public, api';\n"
        "alter role authenticated set statement_timeout = '15s';",
        check="(select count(*) from pg_db_role_setting s join pg_roles r on r.oid = s.setrole "
              "where r.rolname in ('authenticator', 'authenticated')) = 2"),
    Row("create role with bypassrls", "create role reporting nologin bypassrls;",
        check="select rolbypassrls from pg_roles where rolname = 'reporting'"),
    Row("alter role supabase_auth_admin", "alter role supabase_auth_admin set search_path = public;",
        refused='"supabase_auth_admin" is a reserved role'),
    Row("alter role anon nologin", "alter role anon nologin;", refused='"anon" is a reserved role'),
    Row("drop role authenticated", "drop role authenticated;", refused='"authenticated" is a reserved role'),
    Row("alter role postgres superuser", "alter role postgres superuser;",
        refused="only superusers can alter privileged roles"),
    Row("grant supabase_auth_admin to postgres", "grant supabase_auth_admin to postgres;",
        refused='"supabase_auth_admin" role memberships are reserved'),
    Row("grant pg_read_server_files to postgres", "grant pg_read_server_files to postgres;",
        refused="gives access to the machine running the audit"),
    Row("grant authenticated to a role of your own",
        "create role support_agent nologin;\ngrant authenticated to support_agent;",
        check="pg_has_role('support_agent', 'authenticated', 'member')"),
]


@pytest.fixture(scope="module")
def applied(engine, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    files = {f"2024010100{i:04d}_row.sql": row.sql for i, row in enumerate(ROWS)}
    project = write_project(tmp_path_factory.mktemp("privileges"), files)
    db = engine.start(exposure="legacy")
    try:
        result = apply_migrations(db, discover(project.migrations_dir, project.root).files, keep_going=True)
        yield db, result
    finally:
        db.close()


def _failure(result: ApplyResult, index: int) -> str | None:
    name = f"2024010100{index:04d}_row.sql"
    return next((f.message for f in result.failures if f.file.endswith(name)), None)


@pytest.mark.parametrize("index", range(len(ROWS)), ids=[r.label for r in ROWS])
def test_row(applied: tuple[Database, ApplyResult], index: int) -> None:
    db, result = applied
    row = ROWS[index]
    failure = _failure(result, index)
    if row.refused:
        assert failure is not None and row.refused in failure
        return
    assert failure is None
    if row.check:
        with db.connect() as conn:
            sql = row.check if row.check.startswith("select ") else f"select {row.check}"
            assert conn.execute(sql).fetchone() == (True,)  # type: ignore[arg-type]


def test_every_row_is_in_the_docs_table() -> None:
    text = (REPO / "docs" / "shim.md").read_text(encoding="utf-8")
    missing = [r.label for r in ROWS if f"| {r.label} |" not in text.replace("`", "")]
    assert missing == []
