"""Platform objects a Supabase project has before its first migration (the shim's part of issue 6)."""

from __future__ import annotations

from tests.extensions.conftest import query


def test_platform_objects_exist_before_any_migration(db) -> None:  # type: ignore[no-untyped-def]
    wanted = ["auth.identities", "auth.sessions", "auth.refresh_tokens", "auth.mfa_factors",
              "auth.mfa_challenges", "auth.mfa_amr_claims", "realtime.messages", "supabase_functions.hooks"]
    assert query(db, "select count(*) from unnest(%s::text[]) t where to_regclass(t) is not null", wanted) \
        == [(len(wanted),)]
    functions = ["storage.filename(text)", "storage.extension(text)", "realtime.topic()",
                 "realtime.send(jsonb, text, text, boolean)", "supabase_functions.http_request()",
                 "realtime.broadcast_changes(text, text, text, text, text, record, record, text)"]
    assert query(db, "select count(*) from unnest(%s::text[]) f where to_regprocedure(f) is not null", functions) \
        == [(len(functions),)]
    assert query(db, "select to_regnamespace('graphql_public') is not null, "
                     "exists (select from pg_publication where pubname = 'supabase_realtime')") == [(True, True)]


def test_realtime_send_and_broadcast_changes_write_messages(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    apply_sql(db, {"20240101000000_rooms.sql": """
        create table public.rooms (id int primary key, name text);
        alter publication supabase_realtime add table public.rooms;
        create function public.rooms_broadcast() returns trigger language plpgsql security definer
        set search_path = '' as $$
        begin
            perform realtime.broadcast_changes('room:' || new.id, tg_op, tg_op, tg_table_name,
                                               tg_table_schema, new, old);
            return new;
        end $$;
        create trigger rooms_broadcast after insert on public.rooms
            for each row execute function public.rooms_broadcast();
        select realtime.send('{"hello": "world"}'::jsonb, 'greeting', 'lobby', false);
        insert into public.rooms values (7, 'kitchen');
    """})
    rows = query(db, "select topic, event, private, extension, payload from realtime.messages order by inserted_at, topic")
    assert ("lobby", "greeting", False, "broadcast", {"hello": "world"}) in rows
    change = next(r for r in rows if r[0] == "room:7")
    assert change[1] == "INSERT" and change[2] is True
    assert change[4] == {"operation": "INSERT", "table": "rooms", "schema": "public",
                         "record": {"id": 7, "name": "kitchen"}, "old_record": None}


WEBHOOK = """
    create table public.orders (id int primary key, status text);
    create trigger orders_webhook after insert or update on public.orders
        for each row execute function supabase_functions.http_request(
            'https://example.com/hook', 'POST', '{"Content-Type":"application/json"}', '{}', '1000');
    insert into public.orders values (1, 'new');
"""


def test_database_webhook_queues_through_pg_net(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    apply_sql(db, {"20240101000000_net.sql": "create extension pg_net with schema extensions;",
                   "20240101000001_hook.sql": WEBHOOK})
    hooks = query(db, "select h.hook_name, q.method, q.url, convert_from(q.body, 'utf8')::jsonb -> 'record' "
                      "from supabase_functions.hooks h join net.http_request_queue q on q.id = h.request_id")
    assert hooks == [("orders_webhook", "POST", "https://example.com/hook", {"id": 1, "status": "new"})]


def test_database_webhook_without_pg_net_only_logs(db, apply_sql) -> None:  # type: ignore[no-untyped-def]
    apply_sql(db, {"20240101000000_hook.sql": WEBHOOK})
    assert query(db, "select hook_name, request_id from supabase_functions.hooks") == [("orders_webhook", None)]
