-- supakit's extension gate: superuser helpers that migrations (running as `postgres`) reach
-- through SECURITY DEFINER functions, inside the migration's own transaction.
--
-- Loaded once per throwaway database, the first time a migration needs it, by toolkit/extensions.py
-- (as the bootstrap superuser). Safe to run again.
--
--   supakit.install_stub(name, schema, current_schema)   a stub for an extension the server lacks
--   supakit.create_extension(name, schema, current_schema, version, cascade)
--                                                        a packaged extension `postgres` may not create
--   supakit.create_fdw(name, handler, validator, keys, values)
--                                                        CREATE FOREIGN DATA WRAPPER for `postgres`
--
-- On Supabase, supautils lets `postgres` do the last two; the first has no counterpart there
-- because the real extensions are installed.

create schema if not exists supakit;
revoke all on schema supakit from public;
grant usage on schema supakit to postgres;

create table if not exists supakit.extension_stubs (
    name        text primary key,
    version     text not null,
    schema      text,             -- the schema the real control file fixes, if any
    relocatable boolean not null,
    script      text not null     -- SQL with @extschema@ placeholders
);
revoke all on supakit.extension_stubs from public;

-- Turns every top-level object created after `ext` (oids only grow) into a member of it, as
-- CREATE EXTENSION would: no rule reports members, and DROP / ALTER EXTENSION SET SCHEMA see them.
create or replace function supakit.adopt_members(ext oid)
returns void
language sql
set search_path = pg_catalog, pg_temp
as $$
    insert into pg_depend (classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype)
    select m.classid, m.objid, 0, 'pg_extension'::regclass, ext, 0, 'e'
    from (
        select 'pg_namespace'::regclass, oid from pg_namespace where oid > ext
        union all
        select 'pg_class'::regclass, oid from pg_class
         where oid > ext and relkind in ('r', 'p', 'v', 'm', 'S', 'f')
        union all
        select 'pg_type'::regclass, oid from pg_type where oid > ext
        union all
        select 'pg_proc'::regclass, oid from pg_proc where oid > ext
        union all
        select 'pg_operator'::regclass, oid from pg_operator where oid > ext
        union all
        select 'pg_opfamily'::regclass, oid from pg_opfamily where oid > ext
        union all
        select 'pg_opclass'::regclass, oid from pg_opclass where oid > ext
        union all
        select 'pg_am'::regclass, oid from pg_am where oid > ext
        union all
        select 'pg_cast'::regclass, oid from pg_cast where oid > ext
        union all
        select 'pg_language'::regclass, oid from pg_language where oid > ext
        union all
        select 'pg_foreign_data_wrapper'::regclass, oid from pg_foreign_data_wrapper where oid > ext
    ) m(classid, objid)
    -- Array types, row types, owned sequences: they belong to another object, not to the extension.
    where not exists (
        select from pg_depend d
         where d.classid = m.classid and d.objid = m.objid and d.objsubid = 0
           and (d.deptype = 'i' or (d.deptype = 'a' and m.classid = 'pg_class'::regclass))
    );
$$;
revoke all on function supakit.adopt_members(oid) from public;

create or replace function supakit.install_stub(p_name text, p_schema text, p_current_schema text,
                                                p_version text default null)
returns text
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    stub supakit.extension_stubs;
    target text;
    nsp oid;
    ext oid;
    owner_oid oid := (select oid from pg_roles where rolname = session_user);
begin
    select * into stub from supakit.extension_stubs where name = p_name;
    if not found then
        raise exception 'supakit has no stub for extension "%"', p_name using errcode = '58P01';
    end if;
    if exists (select from pg_extension where extname = p_name) then
        raise exception 'extension "%" already exists', p_name using errcode = '42710';
    end if;
    -- Like CREATE EXTENSION: a schema fixed by the control file wins (and is created when
    -- missing); otherwise WITH SCHEMA, otherwise the first schema of the caller's search_path.
    target := coalesce(stub.schema, p_schema, p_current_schema);
    if target is null then
        raise exception 'no schema has been selected to create in' using errcode = '3F000';
    end if;
    if stub.schema is not null and not exists (select from pg_namespace where nspname = target) then
        execute format('create schema %I', target);
    end if;
    nsp := (select oid from pg_namespace where nspname = target);
    if nsp is null then
        raise exception 'schema "%" does not exist', target using errcode = '3F000';
    end if;

    ext := pg_nextoid('pg_catalog.pg_extension', 'oid', 'pg_catalog.pg_extension_oid_index');
    insert into pg_extension (oid, extname, extowner, extnamespace, extrelocatable, extversion,
                              extconfig, extcondition)
    values (ext, p_name, owner_oid, nsp, stub.relocatable, coalesce(p_version, stub.version), null, null);
    insert into pg_depend (classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype)
    values ('pg_extension'::regclass, ext, 0, 'pg_namespace'::regclass, nsp, 0, 'n');
    insert into pg_shdepend (dbid, classid, objid, objsubid, refclassid, refobjid, deptype)
    select d.oid, 'pg_extension'::regclass, ext, 0, 'pg_authid'::regclass, owner_oid, 'o'
      from pg_database d where d.datname = current_database();

    execute replace(stub.script, '@extschema@', quote_ident(target));
    perform supakit.adopt_members(ext);

    -- DML fires no event trigger: record the extension itself for the source map.
    if to_regclass('supakit.ddl_events') is not null then
        insert into supakit.ddl_events (command_tag, object_type, schema_name, object_identity)
        values ('CREATE EXTENSION', 'extension', null, quote_ident(p_name));
    end if;
    return target;
end
$$;
revoke all on function supakit.install_stub(text, text, text, text) from public;
grant execute on function supakit.install_stub(text, text, text, text) to postgres;

-- Extensions supautils lets `postgres` create on Supabase (its privileged_extensions list).
create or replace function supakit.privileged_extension(p_name text)
returns boolean
language sql immutable
as $$
    select p_name = any (array[
        'address_standardizer', 'address_standardizer_data_us', 'autoinc', 'bloom', 'btree_gin',
        'btree_gist', 'citext', 'cube', 'dblink', 'dict_int', 'dict_xsyn', 'earthdistance',
        'fuzzystrmatch', 'hstore', 'http', 'hypopg', 'index_advisor', 'insert_username', 'intarray',
        'isn', 'ltree', 'moddatetime', 'orioledb', 'pg_cron', 'pg_graphql', 'pg_hashids',
        'pg_jsonschema', 'pg_net', 'pg_partman', 'pg_prewarm', 'pg_repack', 'pg_stat_monitor',
        'pg_stat_statements', 'pg_tle', 'pg_trgm', 'pg_walinspect', 'pgaudit', 'pgcrypto', 'pgjwt',
        'pgmq', 'pgroonga', 'pgroonga_database', 'pgrouting', 'pgrowlocks', 'pgstattuple',
        'pgsodium', 'pgtap', 'plcoffee', 'pljava', 'plls', 'plpgsql', 'plpgsql_check', 'plv8',
        'postgis', 'postgis_raster', 'postgis_sfcgal', 'postgis_tiger_geocoder', 'postgis_topology',
        'postgres_fdw', 'refint', 'rum', 'seg', 'sslinfo', 'supabase_vault', 'tablefunc', 'tcn',
        'timescaledb', 'tsm_system_rows', 'tsm_system_time', 'unaccent', 'uuid-ossp', 'vector',
        'wrappers'])
$$;

create or replace function supakit.create_extension(p_name text, p_schema text, p_current_schema text,
                                                    p_version text default null,
                                                    p_cascade boolean default false)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    fixed text;
    before oid := pg_nextoid('pg_catalog.pg_foreign_data_wrapper', 'oid',
                             'pg_catalog.pg_foreign_data_wrapper_oid_index');
    before_ext oid := pg_nextoid('pg_catalog.pg_extension', 'oid', 'pg_catalog.pg_extension_oid_index');
    fdw record;
    ext oid;
    owner_oid oid := (select oid from pg_roles where rolname = session_user);
begin
    if not supakit.privileged_extension(p_name) then
        raise exception 'permission denied to create extension "%"', p_name
            using errcode = '42501',
                  hint = 'Supabase lets postgres create only the extensions in supautils'' privileged_extensions list.';
    end if;
    select v.schema into fixed from pg_available_extension_versions v
     where v.name = p_name and v.version = coalesce(p_version,
           (select default_version from pg_available_extensions where name = p_name));
    execute format('create extension %I with schema %I%s%s', p_name,
                   coalesce(p_schema, fixed, p_current_schema),
                   case when p_version is not null then format(' version %L', p_version) else '' end,
                   case when p_cascade then ' cascade' else '' end);
    -- As supautils does: the caller owns the extension and those CASCADE brought (so it may
    -- drop them), and may use the foreign-data wrappers they created (postgres_fdw, ...).
    for ext in select oid from pg_extension where oid > before_ext loop
        update pg_extension set extowner = owner_oid where oid = ext;
        update pg_shdepend set refobjid = owner_oid
         where classid = 'pg_extension'::regclass and objid = ext and deptype = 'o';
        if not found then
            insert into pg_shdepend (dbid, classid, objid, objsubid, refclassid, refobjid, deptype)
            select d.oid, 'pg_extension'::regclass, ext, 0, 'pg_authid'::regclass, owner_oid, 'o'
              from pg_database d where d.datname = current_database();
        end if;
    end loop;
    for fdw in select fdwname from pg_foreign_data_wrapper where oid >= before loop
        execute format('grant usage on foreign data wrapper %I to %I with grant option',
                       fdw.fdwname, session_user);
    end loop;
end
$$;
revoke all on function supakit.create_extension(text, text, text, text, boolean) from public;
grant execute on function supakit.create_extension(text, text, text, text, boolean) to postgres;

-- CREATE FOREIGN DATA WRAPPER needs a superuser. Only handlers and validators a superuser wrote
-- (extension code) are accepted: a validator runs here with superuser rights.
create or replace function supakit.create_fdw(p_name text, p_handler regprocedure, p_validator regprocedure,
                                              p_keys text[] default '{}', p_values text[] default '{}')
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    fn regprocedure;
    opts text;
begin
    foreach fn in array array_remove(array[p_handler, p_validator], null) loop
        if not (select r.rolsuper from pg_proc p join pg_roles r on r.oid = p.proowner where p.oid = fn) then
            raise exception 'permission denied to create foreign-data wrapper "%"', p_name
                using errcode = '42501',
                      detail = format('%s is not owned by a superuser (only extension code may serve as handler or validator)', fn);
        end if;
    end loop;
    select string_agg(format('%I %L', k, v), ', ') into opts
      from unnest(p_keys, p_values) o(k, v);
    execute format('create foreign data wrapper %I %s %s %s', p_name,
                   case when p_handler is null then 'no handler' else
                       (select format('handler %I.%I', n.nspname, p.proname) from pg_proc p
                          join pg_namespace n on n.oid = p.pronamespace where p.oid = p_handler) end,
                   case when p_validator is null then 'no validator' else
                       (select format('validator %I.%I', n.nspname, p.proname) from pg_proc p
                          join pg_namespace n on n.oid = p.pronamespace where p.oid = p_validator) end,
                   case when opts is null then '' else format('options (%s)', opts) end);
    execute format('grant usage on foreign data wrapper %I to %I with grant option', p_name, session_user);
end
$$;
revoke all on function supakit.create_fdw(text, regprocedure, regprocedure, text[], text[]) from public;
grant execute on function supakit.create_fdw(text, regprocedure, regprocedure, text[], text[]) to postgres;

-- ALTER EXTENSION ... SET SCHEMA moves every member, and PostgreSQL wants the caller to own each
-- one; members a superuser created (stubs, privileged extensions) are moved for the extension's owner.
create or replace function supakit.alter_extension_schema(p_name text, p_schema text)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if not exists (select from pg_extension e join pg_roles r on r.oid = e.extowner
                    where e.extname = p_name and r.rolname = session_user) then
        raise exception 'must be owner of extension %', p_name using errcode = '42501';
    end if;
    if not has_schema_privilege(session_user, p_schema, 'CREATE') then
        raise exception 'permission denied for schema %', p_schema using errcode = '42501';
    end if;
    execute format('alter extension %I set schema %I', p_name, p_schema);
end
$$;
revoke all on function supakit.alter_extension_schema(text, text) from public;
grant execute on function supakit.alter_extension_schema(text, text) to postgres;
