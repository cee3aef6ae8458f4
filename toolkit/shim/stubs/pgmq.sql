-- supakit stub: pgmq
-- version: 1.5.1
-- schema: pgmq
-- relocatable: false
-- supports: Supabase Queues: pgmq.create (and create_unlogged, create_partitioned, create_non_partitioned) makes pgmq.q_<name> and pgmq.a_<name> members of the extension, listed in pgmq.meta; send, send_batch, read (the 1.4 and the 1.5 signature), read_with_poll, pop, set_vt, archive, delete (one id or an array), purge_queue, drop_queue, detach_archive, list_queues, metrics, metrics_all, and the types message_record, queue_record and metrics_result; every member is owned by postgres, as on Supabase, so the pgmq_public wrappers and their grants apply.
-- lacks: partitioned queues are plain tables (no pg_partman); read_with_poll never waits.
--
-- Functions run as the caller, as pgmq's do: a queue table's grants and RLS decide who may use it.

alter schema pgmq owner to postgres;

create table pgmq.meta (
    queue_name     varchar not null unique,
    is_partitioned boolean not null,
    is_unlogged    boolean not null,
    created_at     timestamptz not null default now()
);

create type pgmq.message_record as (
    msg_id      bigint,
    read_ct     integer,
    enqueued_at timestamptz,
    vt          timestamptz,
    message     jsonb,
    headers     jsonb
);

create type pgmq.queue_record as (
    queue_name     varchar,
    is_partitioned boolean,
    is_unlogged    boolean,
    created_at     timestamptz
);

create type pgmq.metrics_result as (
    queue_name         text,
    queue_length       bigint,
    newest_msg_age_sec integer,
    oldest_msg_age_sec integer,
    total_messages     bigint,
    scrape_time        timestamptz
);

create function pgmq.format_table_name(queue_name text, prefix text)
returns text
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if queue_name ~ '\$|;|--|''' then
        raise exception 'queue name contains invalid characters: $, ;, -- or a quote';
    end if;
    return lower(prefix || '_' || queue_name);
end
$$;

create function pgmq.validate_queue_name(queue_name text)
returns void
language plpgsql immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if length(queue_name) >= 48 then
        raise exception 'queue name is too long, maximum length is 47 characters';
    end if;
end
$$;

create function pgmq._belongs_to_pgmq(table_name text)
returns boolean
language sql stable
set search_path = pg_catalog, pg_temp
as $$
    select exists (
        select from pg_depend d
          join pg_extension e on e.oid = d.refobjid and e.extname = 'pgmq'
          join pg_class c on c.oid = d.objid
          join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'pgmq'
         where d.classid = 'pg_class'::regclass and d.deptype = 'e' and c.relname = table_name)
$$;

create function pgmq._create(queue_name text, unlogged boolean, partitioned boolean)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    atable text := pgmq.format_table_name(queue_name, 'a');
    persistence text := case when unlogged then 'unlogged ' else '' end;
begin
    perform pgmq.validate_queue_name(queue_name);
    execute format($q$
        create %stable if not exists pgmq.%I (
            msg_id      bigint primary key generated always as identity,
            read_ct     integer not null default 0,
            enqueued_at timestamptz not null default now(),
            vt          timestamptz not null,
            message     jsonb,
            headers     jsonb
        )$q$, persistence, qtable);
    execute format($q$
        create table if not exists pgmq.%I (
            msg_id      bigint primary key,
            read_ct     integer not null default 0,
            enqueued_at timestamptz not null default now(),
            archived_at timestamptz not null default now(),
            vt          timestamptz not null,
            message     jsonb,
            headers     jsonb
        )$q$, atable);
    if not pgmq._belongs_to_pgmq(qtable) then
        execute format('alter extension pgmq add table pgmq.%I', qtable);
        execute format('alter extension pgmq add sequence pgmq.%I', qtable || '_msg_id_seq');
    end if;
    if not pgmq._belongs_to_pgmq(atable) then
        execute format('alter extension pgmq add table pgmq.%I', atable);
    end if;
    execute format('create index if not exists %I on pgmq.%I (vt asc)', qtable || '_vt_idx', qtable);
    execute format('create index if not exists %I on pgmq.%I (archived_at)',
                   'archived_at_idx_' || queue_name, atable);
    insert into pgmq.meta (queue_name, is_partitioned, is_unlogged)
    values (queue_name, partitioned, unlogged)
    on conflict do nothing;
end
$$;

create function pgmq.create(queue_name text)
returns void
language sql
set search_path = pg_catalog, pg_temp
as $$ select pgmq._create(queue_name, false, false) $$;

create function pgmq.create_non_partitioned(queue_name text)
returns void
language sql
set search_path = pg_catalog, pg_temp
as $$ select pgmq._create(queue_name, false, false) $$;

create function pgmq.create_unlogged(queue_name text)
returns void
language sql
set search_path = pg_catalog, pg_temp
as $$ select pgmq._create(queue_name, true, false) $$;

create function pgmq.create_partitioned(queue_name text, partition_interval text default '10000',
                                        retention_interval text default '100000')
returns void
language sql
set search_path = pg_catalog, pg_temp
as $$ select pgmq._create(queue_name, false, true) $$;

create function pgmq.drop_queue(queue_name text)
returns boolean
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
    atable text := pgmq.format_table_name(queue_name, 'a');
begin
    if pgmq._belongs_to_pgmq(qtable) then
        execute format('alter extension pgmq drop table pgmq.%I', qtable);
        execute format('alter extension pgmq drop sequence pgmq.%I', qtable || '_msg_id_seq');
    end if;
    if pgmq._belongs_to_pgmq(atable) then
        execute format('alter extension pgmq drop table pgmq.%I', atable);
    end if;
    execute format('drop table if exists pgmq.%I', qtable);
    execute format('drop table if exists pgmq.%I', atable);
    delete from pgmq.meta m where m.queue_name = drop_queue.queue_name;
    return true;
end
$$;

create function pgmq.detach_archive(queue_name text)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    atable text := pgmq.format_table_name(queue_name, 'a');
begin
    if pgmq._belongs_to_pgmq(atable) then
        execute format('alter extension pgmq drop table pgmq.%I', atable);
    end if;
end
$$;

create function pgmq.purge_queue(queue_name text)
returns bigint
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    deleted bigint;
begin
    execute format('delete from pgmq.%I', pgmq.format_table_name(queue_name, 'q'));
    get diagnostics deleted = row_count;
    return deleted;
end
$$;

create function pgmq.send_batch(queue_name text, msgs jsonb[], delay timestamptz)
returns setof bigint
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    return query execute format(
        'insert into pgmq.%I (vt, message) select $2, m from unnest($1) m returning msg_id',
        pgmq.format_table_name(queue_name, 'q')) using msgs, delay;
end
$$;

create function pgmq.send_batch(queue_name text, msgs jsonb[], delay integer default 0)
returns setof bigint
language sql
set search_path = pg_catalog, pg_temp
as $$ select pgmq.send_batch(queue_name, msgs, clock_timestamp() + make_interval(secs => delay)) $$;

create function pgmq.send(queue_name text, msg jsonb, delay timestamptz)
returns setof bigint
language sql
set search_path = pg_catalog, pg_temp
as $$ select pgmq.send_batch(queue_name, array[msg], delay) $$;

create function pgmq.send(queue_name text, msg jsonb, delay integer default 0)
returns setof bigint
language sql
set search_path = pg_catalog, pg_temp
as $$ select pgmq.send_batch(queue_name, array[msg], clock_timestamp() + make_interval(secs => delay)) $$;

-- pgmq 1.5 added `conditional`; 1.4's three-argument read stays callable and grantable.
create function pgmq.read(queue_name text, vt integer, qty integer, conditional jsonb)
returns setof pgmq.message_record
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
begin
    return query execute format($q$
        with next as (
            select msg_id from pgmq.%I
             where vt <= clock_timestamp() and ($3 = '{}'::jsonb or message @> $3)
             order by msg_id limit $1
             for update skip locked)
        update pgmq.%I m
           set vt = clock_timestamp() + make_interval(secs => $2), read_ct = m.read_ct + 1
          from next where m.msg_id = next.msg_id
        returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message, m.headers$q$,
        qtable, qtable) using qty, vt, coalesce(conditional, '{}'::jsonb);
end
$$;

create function pgmq.read(queue_name text, vt integer, qty integer)
returns setof pgmq.message_record
language sql
set search_path = pg_catalog, pg_temp
as $$ select * from pgmq.read(queue_name, vt, qty, '{}'::jsonb) $$;

create function pgmq.read_with_poll(queue_name text, vt integer, qty integer,
                                    max_poll_seconds integer default 5,
                                    poll_interval_ms integer default 100,
                                    conditional jsonb default '{}')
returns setof pgmq.message_record
language sql
set search_path = pg_catalog, pg_temp
as $$ select * from pgmq.read(queue_name, vt, qty, conditional) $$;

create function pgmq.pop(queue_name text)
returns setof pgmq.message_record
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    qtable text := pgmq.format_table_name(queue_name, 'q');
begin
    return query execute format($q$
        with next as (
            select msg_id from pgmq.%I where vt <= clock_timestamp()
             order by msg_id limit 1 for update skip locked)
        delete from pgmq.%I m using next where m.msg_id = next.msg_id
        returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message, m.headers$q$,
        qtable, qtable);
end
$$;

create function pgmq.set_vt(queue_name text, msg_id bigint, vt integer)
returns setof pgmq.message_record
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    return query execute format($q$
        update pgmq.%I set vt = clock_timestamp() + make_interval(secs => $2)
         where msg_id = $1
        returning msg_id, read_ct, enqueued_at, vt, message, headers$q$,
        pgmq.format_table_name(queue_name, 'q')) using msg_id, vt;
end
$$;

create function pgmq.archive(queue_name text, msg_ids bigint[])
returns setof bigint
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    return query execute format($q$
        with gone as (delete from pgmq.%I where msg_id = any($1) returning *)
        insert into pgmq.%I (msg_id, read_ct, enqueued_at, vt, message, headers)
        select msg_id, read_ct, enqueued_at, vt, message, headers from gone
        returning msg_id$q$,
        pgmq.format_table_name(queue_name, 'q'), pgmq.format_table_name(queue_name, 'a'))
        using msg_ids;
end
$$;

create function pgmq.archive(queue_name text, msg_id bigint)
returns boolean
language sql
set search_path = pg_catalog, pg_temp
as $$ select exists (select from pgmq.archive(queue_name, array[msg_id])) $$;

create function pgmq.delete(queue_name text, msg_ids bigint[])
returns setof bigint
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    return query execute format('delete from pgmq.%I where msg_id = any($1) returning msg_id',
                                pgmq.format_table_name(queue_name, 'q')) using msg_ids;
end
$$;

create function pgmq.delete(queue_name text, msg_id bigint)
returns boolean
language sql
set search_path = pg_catalog, pg_temp
as $$ select exists (select from pgmq.delete(queue_name, array[msg_id])) $$;

create function pgmq.list_queues()
returns setof pgmq.queue_record
language sql stable
set search_path = pg_catalog, pg_temp
as $$ select queue_name, is_partitioned, is_unlogged, created_at from pgmq.meta order by created_at $$;

create function pgmq.metrics(queue_name text)
returns pgmq.metrics_result
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    result pgmq.metrics_result;
begin
    execute format($q$
        select %L, count(*), extract(epoch from clock_timestamp() - max(enqueued_at))::integer,
               extract(epoch from clock_timestamp() - min(enqueued_at))::integer,
               coalesce(max(msg_id), 0), clock_timestamp()
          from pgmq.%I$q$, queue_name, pgmq.format_table_name(queue_name, 'q'))
    into result;
    return result;
end
$$;

create function pgmq.metrics_all()
returns setof pgmq.metrics_result
language sql
set search_path = pg_catalog, pg_temp
as $$ select (pgmq.metrics(m.queue_name)).* from pgmq.meta m order by m.queue_name $$;

-- As Supabase's after-create script does: postgres owns every member, so it can grant them.
do $owner$
declare
    r record;
begin
    for r in select p.oid::regprocedure as fn from pg_proc p
              where p.pronamespace = 'pgmq'::regnamespace loop
        execute format('alter function %s owner to postgres', r.fn);
    end loop;
    for r in select t.oid::regtype as tp from pg_type t
              where t.typnamespace = 'pgmq'::regnamespace and t.typtype = 'c'
                and not exists (select from pg_class c where c.oid = t.typrelid and c.relkind <> 'c') loop
        execute format('alter type %s owner to postgres', r.tp);
    end loop;
    alter table pgmq.meta owner to postgres;
end
$owner$;
