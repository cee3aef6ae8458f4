"""The pgmq stub runs Supabase Queues migrations: queues, the pgmq_public wrappers Studio writes
when Queues are exposed to the Data API (with either pgmq version's grants), and callers held
back by the queue tables' grants and RLS."""

from __future__ import annotations

import psycopg
import pytest

from tests.extensions.conftest import query
from toolkit.engine.base import Database

# What Studio runs for "Expose Queues via PostgREST", reduced to the pieces the tests call;
# both the pgmq 1.4 and the 1.5 read signature are granted, as the two Studio variants do.
EXPOSE = """
create schema if not exists pgmq_public;
grant usage on schema pgmq_public to postgres, anon, authenticated, service_role;
create or replace function pgmq_public.send(queue_name text, message jsonb, sleep_seconds integer default 0)
  returns setof bigint language plpgsql set search_path = ''
as $$ begin return query select * from pgmq.send(queue_name := queue_name, msg := message, delay := sleep_seconds); end; $$;
create or replace function pgmq_public.read(queue_name text, sleep_seconds integer, n integer)
  returns setof pgmq.message_record language plpgsql set search_path = ''
as $$ begin return query select * from pgmq.read(queue_name := queue_name, vt := sleep_seconds, qty := n, conditional := '{}'::jsonb); end; $$;
create or replace function pgmq_public.pop(queue_name text)
  returns setof pgmq.message_record language plpgsql set search_path = ''
as $$ begin return query select * from pgmq.pop(queue_name := queue_name); end; $$;
create or replace function pgmq_public.archive(queue_name text, message_id bigint)
  returns boolean language plpgsql set search_path = ''
as $$ begin return pgmq.archive(queue_name := queue_name, msg_id := message_id); end; $$;
create or replace function pgmq_public.delete(queue_name text, message_id bigint)
  returns boolean language plpgsql set search_path = ''
as $$ begin return pgmq.delete(queue_name := queue_name, msg_id := message_id); end; $$;
grant execute on function pgmq.send(text, jsonb, integer) to postgres, service_role, anon, authenticated;
grant execute on function pgmq.send_batch(text, jsonb[], integer) to postgres, service_role, anon, authenticated;
grant execute on function pgmq.read(text, integer, integer) to postgres, service_role, anon, authenticated;
grant execute on function pgmq.read(text, integer, integer, jsonb) to postgres, service_role, anon, authenticated;
grant execute on function pgmq.pop(text) to postgres, service_role, anon, authenticated;
grant execute on function pgmq.archive(text, bigint) to postgres, service_role, anon, authenticated;
grant execute on function pgmq.delete(text, bigint) to postgres, service_role, anon, authenticated;
grant all privileges on all tables in schema pgmq to postgres, service_role;
alter default privileges in schema pgmq grant all privileges on tables to postgres, service_role;
grant usage on schema pgmq to postgres, anon, authenticated, service_role;
grant usage, select, update on all sequences in schema pgmq to anon, authenticated, service_role;
"""
FILES = {
    "20240101000000_queues.sql": """
    create extension if not exists pgmq;
    select pgmq.create('emails');
    select pgmq.create_unlogged('metrics');
    select pgmq.create('guarded');
    alter table pgmq.q_guarded enable row level security;
    """,
    "20240102000000_expose.sql": EXPOSE + """
    grant select, insert, update, delete on pgmq.q_emails, pgmq.q_guarded to authenticated;
    grant select, insert on pgmq.a_emails to authenticated;
    """,
}


@pytest.fixture(scope="module")
def queues(module_apply) -> Database:  # type: ignore[no-untyped-def]
    db, result = module_apply(FILES)
    assert result.complete, result.failures
    assert result.stubbed_extensions == ["pgmq"]
    return db


def test_queue_tables_are_members_owned_by_postgres(queues: Database) -> None:
    rows = query(queues, """
        select c.relname, c.relpersistence, pg_get_userbyid(c.relowner),
               exists (select from pg_depend d join pg_extension x on x.oid = d.refobjid
                        where d.objid = c.oid and d.deptype = 'e' and x.extname = 'pgmq')
          from pg_class c where c.relnamespace = 'pgmq'::regnamespace and c.relkind = 'r'
         order by 1""")
    assert rows == [("a_emails", "p", "postgres", True), ("a_guarded", "p", "postgres", True),
                    ("a_metrics", "p", "postgres", True), ("meta", "p", "postgres", True),
                    ("q_emails", "p", "postgres", True), ("q_guarded", "p", "postgres", True),
                    ("q_metrics", "u", "postgres", True)]
    assert query(queues, "select queue_name, is_unlogged from pgmq.list_queues() order by 1") == [
        ("emails", False), ("guarded", False), ("metrics", True)]
    assert query(queues, "select extname, extversion, pg_get_userbyid(extowner) from pg_extension "
                         "where extname = 'pgmq'") == [("pgmq", "1.5.1", "postgres")]


def test_a_granted_caller_works_a_queue_without_rls_through_the_wrappers(queues: Database) -> None:
    sent = query(queues, "select * from pgmq_public.send('emails', '{\"to\": \"a@x.io\"}')",
                 role="authenticated")
    assert len(sent) == 1
    query(queues, "select * from pgmq.send_batch('emails', array['{\"n\": 1}', '{\"n\": 2}']::jsonb[])")
    read = query(queues, "select msg_id, read_ct, message from pgmq_public.read('emails', 30, 5)",
                 role="authenticated")
    assert [(r[1], r[2]) for r in read] == [(1, {"to": "a@x.io"}), (1, {"n": 1}), (1, {"n": 2})]
    assert query(queues, "select * from pgmq_public.pop('emails')", role="authenticated") == []
    first = read[0][0]
    assert query(queues, "select pgmq_public.archive('emails', %s)", first, role="authenticated") \
        == [(True,)]
    assert query(queues, "select msg_id from pgmq.a_emails") == [(first,)]
    assert query(queues, "select pgmq_public.delete('emails', %s)", read[1][0], role="authenticated") \
        == [(True,)]
    assert query(queues, "select queue_length from pgmq.metrics('emails')") == [(1,)]


def test_rls_on_the_queue_table_holds_the_caller_back(queues: Database) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        query(queues, "select * from pgmq_public.send('guarded', '{}')", role="authenticated")
    query(queues, "select * from pgmq.send('guarded', '{\"secret\": 1}')")
    assert query(queues, "select * from pgmq_public.pop('guarded')", role="authenticated") == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(queues, "select * from pgmq_public.read('emails', 30, 1)", role="anon")


def test_drop_queue_and_bad_names(queues: Database) -> None:
    assert query(queues, "select pgmq.drop_queue('metrics')") == [(True,)]
    assert query(queues, "select to_regclass('pgmq.q_metrics'), to_regclass('pgmq.a_metrics')") \
        == [(None, None)]
    with pytest.raises(psycopg.errors.RaiseException, match="too long"):
        query(queues, "select pgmq.create(repeat('q', 48))")
    with pytest.raises(psycopg.errors.RaiseException, match="invalid characters"):
        query(queues, "select pgmq.create('x; drop table y')")
