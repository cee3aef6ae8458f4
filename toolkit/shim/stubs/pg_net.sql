-- supakit stub: pg_net
-- version: 0.14.0
-- relocatable: false
-- supports: schema net with net.http_get, net.http_post and net.http_delete (same arguments and defaults, each returns a new request id), the net.http_request_queue and net._http_response tables, the grants Supabase gives the API roles.
-- lacks: no request is ever sent and net._http_response stays empty; net.http_collect_response and the worker functions are absent.
--
-- Requests are only queued: enough for webhook triggers and scheduled calls to run in a
-- throwaway database without reaching the network.

create schema if not exists net;

create table net.http_request_queue (
    id                   bigserial not null,
    method               text not null,
    url                  text not null,
    headers              jsonb not null,
    body                 bytea,
    timeout_milliseconds integer not null
);

create unlogged table net._http_response (
    id           bigint,
    status_code  integer,
    content_type text,
    headers      jsonb,
    content      text,
    timed_out    boolean,
    error_msg    text,
    created      timestamptz not null default now()
);

create function net._urlencode(string text)
returns text
language sql immutable strict
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(string_agg(case when c ~ '[A-Za-z0-9._~-]' then c
                                    else upper(regexp_replace(encode(convert_to(c, 'utf8'), 'hex'), '(..)', '%\1', 'g')) end,
                               '' order by i), '')
      from regexp_split_to_table(string, '') with ordinality t(c, i)
$$;

create function net._enqueue(method text, url text, params jsonb, headers jsonb, body jsonb,
                             timeout_milliseconds integer)
returns bigint
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    query text;
    id bigint;
begin
    if url is null or url !~* '^https?://' then
        raise exception 'invalid url "%": pg_net only sends http and https requests', url
            using errcode = '22023';
    end if;
    select string_agg(format('%s=%s', net._urlencode(key), net._urlencode(value)), '&') into query
      from jsonb_each_text(params);
    insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    values (method, url || case when query is null then '' when url like '%?%' then '&' || query else '?' || query end,
            coalesce(headers, '{}'), convert_to(body::text, 'UTF8'), timeout_milliseconds)
    returning http_request_queue.id into id;
    return id;
end
$$;

create function net.http_get(url text, params jsonb default '{}'::jsonb, headers jsonb default '{}'::jsonb,
                             timeout_milliseconds integer default 5000)
returns bigint
language sql volatile parallel safe security definer
set search_path = pg_catalog, pg_temp
as $$ select net._enqueue('GET', url, params, headers, null, timeout_milliseconds) $$;

create function net.http_post(url text, body jsonb default '{}'::jsonb, params jsonb default '{}'::jsonb,
                              headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
                              timeout_milliseconds integer default 5000)
returns bigint
language sql volatile parallel safe security definer
set search_path = pg_catalog, pg_temp
as $$ select net._enqueue('POST', url, params, headers, body, timeout_milliseconds) $$;

create function net.http_delete(url text, params jsonb default '{}'::jsonb, headers jsonb default '{}'::jsonb,
                                timeout_milliseconds integer default 5000, body jsonb default null)
returns bigint
language sql volatile parallel safe security definer
set search_path = pg_catalog, pg_temp
as $$ select net._enqueue('DELETE', url, params, headers, body, timeout_milliseconds) $$;

grant usage on schema net to postgres, anon, authenticated, service_role;
do $webhooks$
begin
    -- Database Webhooks call pg_net as supabase_functions_admin (a shim role).
    if exists (select from pg_roles where rolname = 'supabase_functions_admin') then
        grant usage on schema net to supabase_functions_admin;
        grant execute on function net.http_get(text, jsonb, jsonb, integer),
                                  net.http_post(text, jsonb, jsonb, jsonb, integer)
            to supabase_functions_admin;
    end if;
end
$webhooks$;
revoke all on function net._enqueue(text, text, jsonb, jsonb, jsonb, integer) from public;
revoke all on function net.http_get(text, jsonb, jsonb, integer) from public;
revoke all on function net.http_post(text, jsonb, jsonb, jsonb, integer) from public;
revoke all on function net.http_delete(text, jsonb, jsonb, integer, jsonb) from public;
grant execute on function net.http_get(text, jsonb, jsonb, integer),
                          net.http_post(text, jsonb, jsonb, jsonb, integer),
                          net.http_delete(text, jsonb, jsonb, integer, jsonb)
    to postgres, anon, authenticated, service_role;
grant all on net.http_request_queue, net._http_response to postgres;
grant usage on sequence net.http_request_queue_id_seq to postgres;
grant select on net._http_response to anon, authenticated, service_role;
