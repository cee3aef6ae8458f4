-- supakit stub: pg_graphql
-- version: 1.5.11
-- schema: graphql
-- relocatable: false
-- supports: schema graphql with graphql.resolve (same arguments) and graphql.comment_directive, usable by the API roles.
-- lacks: no GraphQL schema is built: resolve always answers with an error object.

create function graphql.resolve(query text default null, variables jsonb default '{}',
                                "operationName" text default null, extensions jsonb default null)
returns jsonb
language sql stable
set search_path = pg_catalog, pg_temp
as $$
    select jsonb_build_object('data', null, 'errors', jsonb_build_array(jsonb_build_object(
        'message', 'pg_graphql is a supakit stub in this database: no GraphQL schema is available')))
$$;

create function graphql.comment_directive(comment_ text)
returns jsonb
language sql immutable
set search_path = pg_catalog, pg_temp
as $$
    select case when comment_ ~ '^\s*@graphql\(' then
                substring(comment_ from '@graphql\((.*)\)')::jsonb end
$$;

grant usage on schema graphql to postgres, anon, authenticated, service_role;
grant execute on function graphql.resolve(text, jsonb, text, jsonb) to postgres, anon, authenticated, service_role;
