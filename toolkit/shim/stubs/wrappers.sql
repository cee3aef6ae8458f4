-- supakit stub: wrappers
-- version: 0.5.0
-- relocatable: false
-- supports: the handler, validator and _meta functions of every Supabase wrapper (stripe, airtable, big_query, click_house, firebase, s3, logflare, auth0, cognito, mssql, redis, wasm, iceberg, duckdb, ... and the generic wrappers_handler), so CREATE FOREIGN DATA WRAPPER, CREATE SERVER, CREATE FOREIGN TABLE and user mappings apply with any options; the wrappers_fdw_stats table.
-- lacks: no remote data: selecting from a foreign table fails ("cannot accept a value of type fdw_handler"), and IMPORT FOREIGN SCHEMA is skipped because there is nothing to list.
--
-- A handler must be C or internal; fdw_handler_in is a built-in that takes no arguments and
-- refuses to run, which is exactly what a stub handler should do when a query reaches it.

create table @extschema@.wrappers_fdw_stats (
    fdw_name       text not null primary key,
    create_times   bigint,
    rows_in        bigint,
    rows_out       bigint,
    bytes_in       bigint,
    bytes_out      bigint,
    metadata       jsonb,
    created_at     timestamptz not null default timezone('utc', now()),
    updated_at     timestamptz not null default timezone('utc', now())
);

do $fdws$
declare
    w text;
    prefix text;
begin
    foreach w in array array[
        'wrappers', 'airtable', 'auth0', 'big_query', 'click_house', 'cognito', 'duckdb', 'firebase',
        'helloworld', 'iceberg', 'logflare', 'mssql', 'redis', 's3', 'stripe', 'wasm']
    loop
        prefix := case when w = 'wrappers' then 'wrappers' else w || '_fdw' end;
        execute format($f$
            create function @extschema@.%1$I() returns fdw_handler
                language internal strict as 'fdw_handler_in';
            create function @extschema@.%2$I(options text[], catalog oid) returns void
                language plpgsql as 'begin end';
            create function @extschema@.%3$I()
                returns table (name text, version text, author text, website text)
                language sql immutable as $b$ select %4$L, '0.5.0', 'Supabase (supakit stub)', 'https://github.com/supabase/wrappers' $b$;
        $f$, prefix || '_handler', prefix || '_validator', prefix || '_meta', w);
    end loop;
end
$fdws$;
