-- supakit's source-map hook: every DDL command's objects, recorded so apply can trace them to file:line.
create schema if not exists supakit;
create table if not exists supakit.ddl_events (
    seq bigserial primary key,
    step int,  -- n of the /*supakit:n*/ tag apply puts before each statement of a pipelined run
    command_tag text,
    object_type text,
    schema_name text,
    object_identity text
);
revoke all on schema supakit from public;
grant usage on schema supakit to postgres;
grant select on supakit.ddl_events to postgres;
-- A migration may `set role` to any role `postgres` belongs to (and back); apply.py reads the
-- trace after every statement, so each of those roles must be able to read it too.
do $$
declare r name;
begin
    for r in select b.rolname from pg_roles b
              where pg_has_role('postgres', b.oid, 'member') and b.rolname <> 'postgres'
                and b.rolname !~ '^pg_'
    loop
        execute format('grant usage on schema supakit to %I', r);
        execute format('grant select on supakit.ddl_events to %I', r);
    end loop;
end
$$;

create or replace function supakit.record_ddl() returns event_trigger
language plpgsql security definer set search_path = pg_catalog as $$
begin
    insert into supakit.ddl_events (step, command_tag, object_type, schema_name, object_identity)
    select substring(current_query() from '^/\*supakit:([0-9]+)\*/')::int,
           c.command_tag, c.object_type, c.schema_name, c.object_identity
    from pg_event_trigger_ddl_commands() c;
end
$$;
revoke all on function supakit.record_ddl() from public;

drop event trigger if exists supakit_ddl;
create event trigger supakit_ddl on ddl_command_end execute function supakit.record_ddl();
-- Also in replica mode (a migration may `set session_replication_role = replica`, as on Supabase).
alter event trigger supakit_ddl enable always;
