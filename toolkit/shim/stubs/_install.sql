-- supakit's stand-in for supautils: superuser helpers that migrations (running as `postgres`) reach
-- through SECURITY DEFINER functions, inside the migration's own transaction.
--
-- Loaded into the template cluster with the shim (toolkit/shim/__init__.py, as the bootstrap
-- superuser). Safe to run again.
--
--   supakit.install_stub(name, schema, current_schema)   a stub for an extension the server lacks
--   supakit.create_extension(name, schema, current_schema, version, cascade)
--                                                        a packaged extension `postgres` may not create
--   supakit.create_fdw(name, handler, validator, keys, values)
--                                                        CREATE FOREIGN DATA WRAPPER for `postgres`
--   supakit.create_event_trigger(name, event, tags, function)
--                                                        CREATE EVENT TRIGGER for `postgres`
--   supakit.run_privileged(key, sql, kind, name, path)   a statement supautils runs as the superuser
--   supakit.platform_rights(key, on)                     lend postgres the pre-2025 platform rights
--
-- The last two take any statement or lend broad rights, so they also take the applier's key, of
-- which the database keeps only a digest: a migration cannot call them itself. The others check their
-- arguments instead. Everything that runs DDL as the superuser pauses the event triggers a
-- non-superuser owns, as supautils skips them for superusers: they would run that role's code
-- with superuser rights.
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

-- Only digests: `postgres` holds pg_read_all_data, which reads every table.
create table if not exists supakit.helper_keys (digest bytea primary key);
revoke all on supakit.helper_keys from public;

create or replace function supakit.check_key(p_key text)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_key is null or not exists (select from supakit.helper_keys k
                                     where k.digest = sha256(convert_to(p_key, 'UTF8'))) then
        raise exception 'permission denied: this supakit helper is for supakit''s applier only'
            using errcode = '42501';
    end if;
end
$$;
revoke all on function supakit.check_key(text) from public;

create or replace function supakit.pause_user_event_triggers()
returns jsonb
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    saved jsonb;
begin
    select coalesce(jsonb_object_agg(e.oid::text, e.evtenabled::text), '{}'::jsonb) into saved
      from pg_event_trigger e join pg_roles r on r.oid = e.evtowner
     where not r.rolsuper and e.evtenabled <> 'D';
    update pg_event_trigger set evtenabled = 'D' where saved ? oid::text;
    return saved;
end
$$;
revoke all on function supakit.pause_user_event_triggers() from public;

create or replace function supakit.resume_user_event_triggers(saved jsonb)
returns void
language sql
set search_path = pg_catalog, pg_temp
as $$
    update pg_event_trigger set evtenabled = (saved ->> oid::text)::"char" where saved ? oid::text;
$$;
revoke all on function supakit.resume_user_event_triggers(jsonb) from public;

-- Gives an object a superuser made to `session_user`, as supautils does after it ran the statement.
-- PostgreSQL itself wants a superuser owner for these kinds, hence the catalog update.
create or replace function supakit.hand_over(p_catalog regclass, p_oid oid)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    owner_oid oid := (select oid from pg_roles where rolname = session_user);
    col text := case p_catalog
        when 'pg_extension'::regclass then 'extowner'
        when 'pg_foreign_data_wrapper'::regclass then 'fdwowner'
        when 'pg_publication'::regclass then 'pubowner'
        when 'pg_event_trigger'::regclass then 'evtowner' end;
begin
    execute format('update %s set %I = $1 where oid = $2', p_catalog, col) using owner_oid, p_oid;
    update pg_shdepend set refobjid = owner_oid
     where classid = p_catalog and objid = p_oid and deptype = 'o';
    if not found then
        insert into pg_shdepend (dbid, classid, objid, objsubid, refclassid, refobjid, deptype)
        select d.oid, p_catalog, p_oid, 0, 'pg_authid'::regclass, owner_oid, 'o'
          from pg_database d where d.datname = current_database();
    end if;
end
$$;
revoke all on function supakit.hand_over(regclass, oid) from public;

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
    paused jsonb;
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

    paused := supakit.pause_user_event_triggers();
    execute replace(stub.script, '@extschema@', quote_ident(target));
    perform supakit.resume_user_event_triggers(paused);
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
    paused jsonb;
begin
    if not supakit.privileged_extension(p_name) then
        raise exception 'permission denied to create extension "%"', p_name
            using errcode = '42501',
                  hint = 'Supabase lets postgres create only the extensions in supautils'' privileged_extensions list.';
    end if;
    select v.schema into fixed from pg_available_extension_versions v
     where v.name = p_name and v.version = coalesce(p_version,
           (select default_version from pg_available_extensions where name = p_name));
    paused := supakit.pause_user_event_triggers();
    execute format('create extension %I with schema %I%s%s', p_name,
                   coalesce(p_schema, fixed, p_current_schema),
                   case when p_version is not null then format(' version %L', p_version) else '' end,
                   case when p_cascade then ' cascade' else '' end);
    perform supakit.resume_user_event_triggers(paused);
    -- As supautils does: the caller owns the extension and those CASCADE brought (so it may
    -- drop them), and may use the foreign-data wrappers they created (postgres_fdw, ...).
    for ext in select oid from pg_extension where oid > before_ext loop
        perform supakit.hand_over('pg_extension', ext);
    end loop;
    for fdw in select fdwname from pg_foreign_data_wrapper where oid >= before loop
        execute format('grant usage on foreign data wrapper %I to %I with grant option',
                       fdw.fdwname, session_user);
    end loop;
end
$$;
revoke all on function supakit.create_extension(text, text, text, text, boolean) from public;
grant execute on function supakit.create_extension(text, text, text, text, boolean) to postgres;

-- CREATE FOREIGN DATA WRAPPER needs a superuser. As supautils checks: a handler and a validator,
-- both members of one extension (extension code, never the caller's own functions: a validator
-- runs with superuser rights). The wrapper then belongs to the caller.
create or replace function supakit.create_fdw(p_name text, p_handler regprocedure, p_validator regprocedure,
                                              p_keys text[] default '{}', p_values text[] default '{}')
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    opts text;
    handler_ext oid;
    validator_ext oid;
    paused jsonb;
begin
    if p_handler is null then
        raise exception 'A handler must be specified when creating a foreign data wrapper' using errcode = '42602';
    end if;
    if p_validator is null then
        raise exception 'A validator must be specified when creating a foreign data wrapper' using errcode = '42602';
    end if;
    select refobjid into handler_ext from pg_depend
     where classid = 'pg_proc'::regclass and objid = p_handler and deptype = 'e';
    select refobjid into validator_ext from pg_depend
     where classid = 'pg_proc'::regclass and objid = p_validator and deptype = 'e';
    if handler_ext is null or validator_ext is null or handler_ext <> validator_ext then
        raise exception 'Handler and validator functions must both be owned by the same extension'
            using errcode = '42602';
    end if;
    select string_agg(format('%I %L', k, v), ', ') into opts
      from unnest(p_keys, p_values) o(k, v);
    paused := supakit.pause_user_event_triggers();
    execute format('create foreign data wrapper %I handler %s validator %s %s', p_name,
                   (select format('%I.%I', n.nspname, p.proname) from pg_proc p
                      join pg_namespace n on n.oid = p.pronamespace where p.oid = p_handler),
                   (select format('%I.%I', n.nspname, p.proname) from pg_proc p
                      join pg_namespace n on n.oid = p.pronamespace where p.oid = p_validator),
                   case when opts is null then '' else format('options (%s)', opts) end);
    perform supakit.resume_user_event_triggers(paused);
    perform supakit.hand_over('pg_foreign_data_wrapper',
                              (select oid from pg_foreign_data_wrapper where fdwname = p_name));
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
declare
    paused jsonb;
begin
    if not exists (select from pg_extension e join pg_roles r on r.oid = e.extowner
                    where e.extname = p_name and r.rolname = session_user) then
        raise exception 'must be owner of extension %', p_name using errcode = '42501';
    end if;
    if not has_schema_privilege(session_user, p_schema, 'CREATE') then
        raise exception 'permission denied for schema %', p_schema using errcode = '42501';
    end if;
    paused := supakit.pause_user_event_triggers();
    execute format('alter extension %I set schema %I', p_name, p_schema);
    perform supakit.resume_user_event_triggers(paused);
end
$$;
revoke all on function supakit.alter_extension_schema(text, text) from public;
grant execute on function supakit.alter_extension_schema(text, text) to postgres;

-- CREATE EVENT TRIGGER needs a superuser. As supautils checks: a trigger `postgres` creates must
-- run a function no superuser owns. It then belongs to the caller, and the helpers above never
-- let it fire for the superuser.
create or replace function supakit.create_event_trigger(p_name text, p_event text, p_tags text[],
                                                        p_function regprocedure)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    owner_name name;
    owner_super boolean;
begin
    select r.rolname, r.rolsuper into owner_name, owner_super
      from pg_proc p join pg_roles r on r.oid = p.proowner where p.oid = p_function;
    if owner_super then
        raise exception 'Non-superuser owned event trigger must execute a non-superuser owned function'
            using errcode = '42501',
                  detail = format('The current user "%s" is not a superuser and the function "%s" is owned by a superuser',
                                  session_user, p_function);
    end if;
    execute format('create event trigger %I on %I%s execute function %s', p_name, p_event,
                   case when p_tags is null then '' else
                       (select format(' when tag in (%s)', string_agg(quote_literal(t), ', ')) from unnest(p_tags) t) end,
                   p_function::regproc::text || '()');
    perform supakit.hand_over('pg_event_trigger', (select oid from pg_event_trigger where evtname = p_name));
end
$$;
revoke all on function supakit.create_event_trigger(text, text, text[], regprocedure) from public;
grant execute on function supakit.create_event_trigger(text, text, text[], regprocedure) to postgres;

-- What supautils runs as the superuser for its privileged role and then hands over: publications
-- (FOR ALL TABLES, TABLES IN SCHEMA), ALTER PUBLICATION, role attributes and the settings of
-- privileged_role_allowed_configs. The applier sends only statements it parsed as one of those;
-- `p_path` is the caller's search_path, so names resolve as they would for the caller.
create or replace function supakit.run_privileged(p_key text, p_sql text, p_kind text, p_name text,
                                                  p_path text)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    paused jsonb;
begin
    perform supakit.check_key(p_key);
    paused := supakit.pause_user_event_triggers();
    perform set_config('search_path', p_path, true);
    execute p_sql;
    perform set_config('search_path', 'pg_catalog, pg_temp', true);
    perform supakit.resume_user_event_triggers(paused);
    if p_kind = 'publication' then
        perform supakit.hand_over('pg_publication', (select oid from pg_publication where pubname = p_name));
    end if;
end
$$;
revoke all on function supakit.run_privileged(text, text, text, text, text) from public;
grant execute on function supakit.run_privileged(text, text, text, text, text) to postgres;

-- Before 2025-04-21 `postgres` was a member of the auth, storage and realtime admin roles (and so
-- could create in their schemas). The applier lends that membership around one statement: what
-- supautils still allows on their tables (policies, dropping triggers), and, reported as
-- platform_schema_modified, what hosted projects now refuse, replayed as the platform once ran it.
create or replace function supakit.platform_rights(p_key text, p_on boolean)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform supakit.check_key(p_key);
    if p_on then
        execute format('grant supabase_auth_admin, supabase_storage_admin, supabase_realtime_admin to %I',
                       session_user);
    else
        execute format('revoke supabase_auth_admin, supabase_storage_admin, supabase_realtime_admin from %I',
                       session_user);
    end if;
end
$$;
revoke all on function supakit.platform_rights(text, boolean) from public;
grant execute on function supakit.platform_rights(text, boolean) to postgres;
