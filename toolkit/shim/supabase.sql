-- supakit Supabase shim for plain PostgreSQL 15.
--
-- Makes a fresh cluster look like a Supabase project database closely enough
-- for user migrations to apply as role `postgres`, and for
-- `SET ROLE authenticated` + `set_config('request.jwt.claims', ...)` to behave
-- as it does behind PostgREST.
--
-- Contract:
--   * run once, as ONE script, connected as a superuser (normally the bootstrap
--     superuser `supabase_admin` of `initdb -U supabase_admin`; on a
--     `postgres:15` container it is `postgres`) to the target database;
--   * no psql meta-commands; every statement is safe to run again;
--   * it always installs the LEGACY exposure mode (new tables in `public` fully
--     granted to anon/authenticated/service_role); run exposure_explicit.sql
--     afterwards for the 2026 "explicit" behaviour.
--
-- Shim-only deviations from real Supabase are listed in docs/shim.md.
-- Sections follow docs/shim.md and the §7 order of the shim reference.

set client_min_messages = warning;

-------------------------------------------------------------------------------
-- 1. Roles
-------------------------------------------------------------------------------
do $roles$
begin
    -- Bootstrap superuser of the Supabase image. On a `postgres`-bootstrapped
    -- cluster it does not exist yet; create it as a superuser.
    if not exists (select from pg_roles where rolname = 'supabase_admin') then
        create role supabase_admin login superuser createdb createrole replication bypassrls;
    elsif not (select rolsuper from pg_roles where rolname = 'supabase_admin') then
        alter role supabase_admin login superuser createdb createrole replication bypassrls;
    end if;

    -- `postgres`: the role migrations and the dashboard use. Not a superuser on
    -- Supabase. If it already exists as a superuser (the bootstrap role of a
    -- postgres:15 container) it is left a superuser: demoting the only
    -- superuser would leave the cluster without one.
    if not exists (select from pg_roles where rolname = 'postgres') then
        create role postgres login createdb createrole replication bypassrls;
    else
        alter role postgres login inherit createdb createrole replication bypassrls;
    end if;

    -- API roles (PostgREST switches to one of these per request).
    if not exists (select from pg_roles where rolname = 'anon') then
        create role anon nologin inherit;
    end if;
    alter role anon nologin inherit nobypassrls;

    if not exists (select from pg_roles where rolname = 'authenticated') then
        create role authenticated nologin inherit;
    end if;
    alter role authenticated nologin inherit nobypassrls;

    if not exists (select from pg_roles where rolname = 'service_role') then
        create role service_role nologin inherit bypassrls;
    end if;
    alter role service_role nologin inherit bypassrls;

    -- PostgREST's login role: NOINHERIT, so it has no table rights of its own.
    if not exists (select from pg_roles where rolname = 'authenticator') then
        create role authenticator login noinherit;
    end if;
    alter role authenticator login noinherit nobypassrls;

    -- Owners of the platform schemas.
    if not exists (select from pg_roles where rolname = 'supabase_auth_admin') then
        create role supabase_auth_admin login noinherit;
    end if;
    alter role supabase_auth_admin login noinherit nocreaterole;

    if not exists (select from pg_roles where rolname = 'supabase_storage_admin') then
        create role supabase_storage_admin login noinherit createrole;
    end if;
    alter role supabase_storage_admin login noinherit createrole;

    if not exists (select from pg_roles where rolname = 'supabase_realtime_admin') then
        create role supabase_realtime_admin login noinherit createrole replication;
    end if;
    alter role supabase_realtime_admin login noinherit createrole replication;

    if not exists (select from pg_roles where rolname = 'supabase_replication_admin') then
        create role supabase_replication_admin login replication;
    end if;

    if not exists (select from pg_roles where rolname = 'supabase_read_only_user') then
        create role supabase_read_only_user login bypassrls;
    end if;
    alter role supabase_read_only_user login bypassrls;

    if not exists (select from pg_roles where rolname = 'dashboard_user') then
        create role dashboard_user nologin createdb createrole replication;
    end if;

    if not exists (select from pg_roles where rolname = 'pgbouncer') then
        create role pgbouncer login;
    end if;

    -- Owner of the Database Webhooks objects in supabase_functions.
    if not exists (select from pg_roles where rolname = 'supabase_functions_admin') then
        create role supabase_functions_admin login noinherit createrole;
    end if;
end
$roles$;

-- Per-role settings (applied at login; PostgREST applies the API roles' ones
-- per request).
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
alter role supabase_auth_admin set search_path = auth;
alter role supabase_auth_admin set idle_in_transaction_session_timeout = '60s';
alter role supabase_storage_admin set search_path = storage;

-------------------------------------------------------------------------------
-- 2. Memberships
-------------------------------------------------------------------------------
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;
grant anon, authenticated, service_role to supabase_realtime_admin;
grant authenticator to supabase_storage_admin;
grant pg_read_all_data, pg_signal_backend to postgres;
grant pg_read_all_data to supabase_read_only_user;
-- Since 2025-04-21 `postgres` is no longer a member of the platform admin roles (Supabase's
-- migration revoke_admin_roles_from_postgres): what it may still do on their tables (policies,
-- dropping triggers) supautils lets through, and apply.py lends those rights one statement at a
-- time (see docs/shim.md).
revoke supabase_auth_admin, supabase_storage_admin, supabase_realtime_admin from postgres;

-------------------------------------------------------------------------------
-- 3. Database and schema public
-------------------------------------------------------------------------------
do $db$
begin
    execute format('alter database %I owner to postgres', current_database());
    -- Role-level search_path (what Supabase sets) plus a database-level one
    -- (shim convenience: a session that only does SET ROLE still resolves
    -- uuid_generate_v4(), crypt(), ... like PostgREST requests do).
    execute format('alter database %I set search_path = "$user", public, extensions',
                   current_database());
end
$db$;
alter role postgres set search_path = "$user", public, extensions;

grant usage on schema public to postgres, anon, authenticated, service_role;
grant create on schema public to supabase_realtime_admin;

-------------------------------------------------------------------------------
-- 4. Schema extensions
-------------------------------------------------------------------------------
create schema if not exists extensions authorization postgres;
alter schema extensions owner to postgres;
grant usage on schema extensions
    to postgres, anon, authenticated, service_role, dashboard_user, supabase_realtime_admin;

create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists pg_stat_statements with schema extensions;

grant all on all tables in schema extensions to postgres with grant option;
grant all on all sequences in schema extensions to postgres with grant option;
grant all on all routines in schema extensions to postgres with grant option;
alter default privileges in schema extensions grant all on tables to postgres with grant option;
alter default privileges in schema extensions grant all on sequences to postgres with grant option;
alter default privileges in schema extensions grant all on routines to postgres with grant option;

-------------------------------------------------------------------------------
-- 5. Default privileges in public (LEGACY exposure mode)
-------------------------------------------------------------------------------
alter default privileges for role postgres in schema public
    grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    grant all on functions to postgres, anon, authenticated, service_role;

alter default privileges for role supabase_admin in schema public
    grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
    grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
    grant all on functions to postgres, anon, authenticated, service_role;

-------------------------------------------------------------------------------
-- 6. Schema auth
-------------------------------------------------------------------------------
create schema if not exists auth authorization supabase_admin;
alter schema auth owner to supabase_admin;
grant usage on schema auth
    to anon, authenticated, service_role, postgres, supabase_realtime_admin;
grant all on schema auth to supabase_auth_admin, dashboard_user;

alter default privileges for role supabase_auth_admin in schema auth
    grant all on tables to postgres, dashboard_user;
alter default privileges for role supabase_auth_admin in schema auth
    grant all on sequences to postgres, dashboard_user;
alter default privileges for role supabase_auth_admin in schema auth
    grant all on routines to postgres, dashboard_user;

do $types$
begin
    if to_regtype('auth.aal_level') is null then
        create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');
    end if;
    if to_regtype('auth.factor_type') is null then
        create type auth.factor_type as enum ('totp', 'webauthn', 'phone');
    end if;
    if to_regtype('auth.factor_status') is null then
        create type auth.factor_status as enum ('unverified', 'verified');
    end if;
end
$types$;

-------------------------------------------------------------------------------
-- 7. auth tables
-------------------------------------------------------------------------------
create table if not exists auth.users (
    instance_id                 uuid,
    id                          uuid not null,
    aud                         varchar(255),
    role                        varchar(255),
    email                       varchar(255),
    encrypted_password          varchar(255),
    email_confirmed_at          timestamptz,
    invited_at                  timestamptz,
    confirmation_token          varchar(255),
    confirmation_sent_at        timestamptz,
    recovery_token              varchar(255),
    recovery_sent_at            timestamptz,
    email_change_token_new      varchar(255),
    email_change                varchar(255),
    email_change_sent_at        timestamptz,
    last_sign_in_at             timestamptz,
    raw_app_meta_data           jsonb,
    raw_user_meta_data          jsonb,
    is_super_admin              boolean,
    created_at                  timestamptz,
    updated_at                  timestamptz,
    phone                       text default null,
    phone_confirmed_at          timestamptz,
    phone_change                text default '',
    phone_change_token          varchar(255) default '',
    phone_change_sent_at        timestamptz,
    confirmed_at                timestamptz
        generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
    email_change_token_current  varchar(255) default '',
    email_change_confirm_status smallint default 0,
    banned_until                timestamptz,
    reauthentication_token      varchar(255) default '',
    reauthentication_sent_at    timestamptz,
    is_sso_user                 boolean not null default false,
    deleted_at                  timestamptz,
    is_anonymous                boolean not null default false,
    constraint users_pkey primary key (id),
    constraint users_phone_key unique (phone),
    constraint users_email_change_confirm_status_check
        check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2)
);
comment on table auth.users is 'Auth: Stores user login data within a secure schema.';
comment on column auth.users.is_sso_user is
    'Auth: Set this column to true when the account comes from SSO. These accounts can have duplicate emails.';
create unique index if not exists users_email_partial_key
    on auth.users (email) where (is_sso_user = false);
create index if not exists users_instance_id_idx on auth.users (instance_id);
create index if not exists users_instance_id_email_idx on auth.users (instance_id, lower((email)::text));
create index if not exists users_is_anonymous_idx on auth.users (is_anonymous);
create unique index if not exists confirmation_token_idx
    on auth.users (confirmation_token) where ((confirmation_token)::text !~ '^[0-9 ]*$');
create unique index if not exists recovery_token_idx
    on auth.users (recovery_token) where ((recovery_token)::text !~ '^[0-9 ]*$');
create unique index if not exists email_change_token_new_idx
    on auth.users (email_change_token_new) where ((email_change_token_new)::text !~ '^[0-9 ]*$');
create unique index if not exists email_change_token_current_idx
    on auth.users (email_change_token_current) where ((email_change_token_current)::text !~ '^[0-9 ]*$');
create unique index if not exists reauthentication_token_idx
    on auth.users (reauthentication_token) where ((reauthentication_token)::text !~ '^[0-9 ]*$');

create table if not exists auth.identities (
    provider_id     text not null,
    user_id         uuid not null references auth.users (id) on delete cascade,
    identity_data   jsonb not null,
    provider        text not null,
    last_sign_in_at timestamptz,
    created_at      timestamptz,
    updated_at      timestamptz,
    email           text generated always as (lower(identity_data ->> 'email')) stored,
    id              uuid not null default gen_random_uuid(),
    constraint identities_pkey primary key (id),
    constraint identities_provider_id_provider_unique unique (provider_id, provider)
);
comment on table auth.identities is 'Auth: Stores identities associated to a user.';
create index if not exists identities_user_id_idx on auth.identities (user_id);
create index if not exists identities_email_idx on auth.identities (email text_pattern_ops);

create table if not exists auth.sessions (
    id           uuid not null,
    user_id      uuid not null references auth.users (id) on delete cascade,
    created_at   timestamptz,
    updated_at   timestamptz,
    factor_id    uuid,
    aal          auth.aal_level,
    not_after    timestamptz,
    refreshed_at timestamp,
    user_agent   text,
    ip           inet,
    tag          text,
    constraint sessions_pkey primary key (id)
);
comment on table auth.sessions is 'Auth: Stores session data associated to a user.';
create index if not exists sessions_user_id_idx on auth.sessions (user_id);
create index if not exists sessions_not_after_idx on auth.sessions (not_after desc);

create table if not exists auth.refresh_tokens (
    instance_id uuid,
    id          bigserial,
    token       varchar(255),
    user_id     varchar(255),
    revoked     boolean,
    created_at  timestamptz,
    updated_at  timestamptz,
    parent      varchar(255),
    session_id  uuid references auth.sessions (id) on delete cascade,
    constraint refresh_tokens_pkey primary key (id),
    constraint refresh_tokens_token_unique unique (token)
);
comment on table auth.refresh_tokens is 'Auth: Store of tokens used to refresh JWT tokens once they expire.';
create index if not exists refresh_tokens_instance_id_user_id_idx on auth.refresh_tokens (instance_id, user_id);
create index if not exists refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);

create table if not exists auth.mfa_factors (
    id                 uuid not null,
    user_id            uuid not null references auth.users (id) on delete cascade,
    friendly_name      text,
    factor_type        auth.factor_type not null,
    status             auth.factor_status not null,
    created_at         timestamptz not null,
    updated_at         timestamptz not null,
    secret             text,
    phone              text,
    last_challenged_at timestamptz,
    constraint mfa_factors_pkey primary key (id),
    constraint mfa_factors_last_challenged_at_key unique (last_challenged_at)
);
comment on table auth.mfa_factors is 'auth: stores metadata about factors';
create index if not exists mfa_factors_user_id_idx on auth.mfa_factors (user_id);

create table if not exists auth.mfa_challenges (
    id          uuid not null,
    factor_id   uuid not null references auth.mfa_factors (id) on delete cascade,
    created_at  timestamptz not null,
    verified_at timestamptz,
    ip_address  inet not null,
    otp_code    text,
    constraint mfa_challenges_pkey primary key (id)
);
comment on table auth.mfa_challenges is 'auth: stores metadata about challenge requests made';

create table if not exists auth.mfa_amr_claims (
    session_id            uuid not null references auth.sessions (id) on delete cascade,
    created_at            timestamptz not null,
    updated_at            timestamptz not null,
    authentication_method text not null,
    id                    uuid not null,
    constraint amr_id_pk primary key (id),
    constraint mfa_amr_claims_session_id_authentication_method_pkey
        unique (session_id, authentication_method)
);
comment on table auth.mfa_amr_claims is 'auth: stores authenticator method reference claims for multi factor authentication';

create table if not exists auth.audit_log_entries (
    instance_id uuid,
    id          uuid not null,
    payload     json,
    created_at  timestamptz,
    ip_address  varchar(64) not null default '',
    constraint audit_log_entries_pkey primary key (id)
);
comment on table auth.audit_log_entries is 'Auth: Audit trail for user actions.';

create table if not exists auth.instances (
    id              uuid not null,
    uuid            uuid,
    raw_base_config text,
    created_at      timestamptz,
    updated_at      timestamptz,
    constraint instances_pkey primary key (id)
);
comment on table auth.instances is 'Auth: Manages users across multiple sites.';

create table if not exists auth.schema_migrations (
    version varchar(255) not null,
    constraint schema_migrations_pkey primary key (version)
);
comment on table auth.schema_migrations is 'Auth: Manages updates to the auth system.';

-- Ownership, RLS and grants for every auth table: owned by
-- supabase_auth_admin, RLS on (no policies), ALL to postgres/dashboard_user,
-- nothing to anon/authenticated/service_role.
do $auth_tables$
declare
    t regclass;
begin
    for t in
        select c.oid::regclass
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'auth' and c.relkind in ('r', 'p')
    loop
        execute format('alter table %s owner to supabase_auth_admin', t);
        execute format('alter table %s enable row level security', t);
        execute format('grant all on table %s to postgres, dashboard_user', t);
    end loop;
end
$auth_tables$;
grant select on table auth.users to postgres with grant option;
-- The auth server's migration history is its own (Supabase revoked postgres's rights on 2025-04-21).
revoke all on table auth.schema_migrations from postgres, dashboard_user;
grant all on all sequences in schema auth to postgres, dashboard_user;
alter type auth.aal_level owner to supabase_auth_admin;
alter type auth.factor_type owner to supabase_auth_admin;
alter type auth.factor_status owner to supabase_auth_admin;

-------------------------------------------------------------------------------
-- 8. auth functions (GoTrue's current definitions: legacy single-claim GUC
--    first, then the JSON claims GUC that PostgREST >= 9 sets)
-------------------------------------------------------------------------------
create or replace function auth.uid()
returns uuid
language sql stable
as $$
  select
    coalesce(
      nullif(current_setting('request.jwt.claim.sub', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
$$;
comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';

create or replace function auth.role()
returns text
language sql stable
as $$
  select
    coalesce(
      nullif(current_setting('request.jwt.claim.role', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
    )::text
$$;
comment on function auth.role() is 'Deprecated. Use auth.jwt() -> ''role'' instead.';

create or replace function auth.email()
returns text
language sql stable
as $$
  select
    coalesce(
      nullif(current_setting('request.jwt.claim.email', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
    )::text
$$;
comment on function auth.email() is 'Deprecated. Use auth.jwt() -> ''email'' instead.';

create or replace function auth.jwt()
returns jsonb
language sql stable
as $$
  select
    coalesce(
      nullif(current_setting('request.jwt.claim', true), ''),
      nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;
alter function auth.jwt() owner to supabase_auth_admin;
-- EXECUTE stays granted to PUBLIC (the default); these are explicit extras.
grant execute on all functions in schema auth
    to postgres, dashboard_user, supabase_realtime_admin;

-------------------------------------------------------------------------------
-- 9. Schema storage
-------------------------------------------------------------------------------
create schema if not exists storage authorization supabase_admin;
alter schema storage owner to supabase_admin;
grant usage on schema storage to postgres with grant option;
grant usage on schema storage to anon, authenticated, service_role;
grant all on schema storage to supabase_storage_admin;

alter default privileges for role postgres in schema storage
    grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema storage
    grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema storage
    grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_storage_admin in schema storage
    grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_storage_admin in schema storage
    grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_storage_admin in schema storage
    grant all on sequences to postgres, anon, authenticated, service_role;

do $storage_types$
begin
    if to_regtype('storage.buckettype') is null then
        create type storage.buckettype as enum ('STANDARD', 'ANALYTICS', 'VECTOR');
    end if;
end
$storage_types$;

create table if not exists storage.migrations (
    id          integer not null,
    name        varchar(100) not null,
    hash        varchar(40) not null,
    executed_at timestamp default current_timestamp,
    constraint migrations_pkey primary key (id),
    constraint migrations_name_key unique (name)
);

create table if not exists storage.buckets (
    id                 text not null,
    name               text not null,
    owner              uuid,
    created_at         timestamptz default now(),
    updated_at         timestamptz default now(),
    public             boolean default false,
    avif_autodetection boolean default false,
    file_size_limit    bigint,
    allowed_mime_types text[],
    owner_id           text,
    type               storage.buckettype not null default 'STANDARD',
    versioning_status  text not null default 'DISABLED',
    constraint buckets_pkey primary key (id),
    constraint buckets_versioning_status_check
        check (versioning_status in ('DISABLED', 'ENABLED', 'SUSPENDED'))
);
comment on column storage.buckets.owner is 'Field is deprecated, use owner_id instead';
create unique index if not exists bname on storage.buckets using btree (name);

create table if not exists storage.objects (
    id               uuid not null default gen_random_uuid(),
    bucket_id        text,
    name             text,
    owner            uuid,
    created_at       timestamptz default now(),
    updated_at       timestamptz default now(),
    last_accessed_at timestamptz default now(),
    metadata         jsonb,
    path_tokens      text[] generated always as (string_to_array(name, '/')) stored,
    version          text,
    owner_id         text,
    user_metadata    jsonb,
    archived_at      timestamptz,
    is_delete_marker boolean not null default false,
    is_versioned     boolean not null default false,
    constraint objects_pkey primary key (id),
    constraint "objects_bucketId_fkey" foreign key (bucket_id) references storage.buckets (id)
);
comment on column storage.objects.owner is 'Field is deprecated, use owner_id instead';
create unique index if not exists bucketid_objname on storage.objects using btree (bucket_id, name);
create index if not exists name_prefix_search on storage.objects using btree (name text_pattern_ops);

-- Path helpers, with the storage server's semantics.
create or replace function storage.foldername(name text)
returns text[]
language plpgsql immutable
as $$
declare
    _parts text[];
begin
    select string_to_array(name, '/') into _parts;
    return _parts[1:array_length(_parts, 1) - 1];
end
$$;

create or replace function storage.filename(name text)
returns text
language plpgsql immutable
as $$
declare
    _parts text[];
begin
    select string_to_array(name, '/') into _parts;
    return _parts[array_length(_parts, 1)];
end
$$;

-- Text after the LAST dot of the last path segment (a.tar.gz -> gz); the
-- whole file name when it has no dot.
create or replace function storage.extension(name text)
returns text
language plpgsql immutable
as $$
declare
    _parts text[];
    _filename text;
begin
    select string_to_array(name, '/') into _parts;
    select _parts[array_length(_parts, 1)] into _filename;
    return reverse(split_part(reverse(_filename), '.', 1));
end
$$;

create or replace function storage.operation()
returns text
language plpgsql stable
as $$
begin
    return current_setting('storage.operation', true);
end
$$;

create or replace function storage.update_updated_at_column()
returns trigger
language plpgsql
as $$
begin
    new.updated_at = now();
    return new;
end
$$;

create or replace trigger update_objects_updated_at
    before update on storage.objects
    for each row execute function storage.update_updated_at_column();

alter table storage.migrations owner to supabase_storage_admin;
alter table storage.buckets owner to supabase_storage_admin;
alter table storage.objects owner to supabase_storage_admin;
alter table storage.migrations enable row level security;
alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;
alter type storage.buckettype owner to supabase_storage_admin;
alter function storage.foldername(text) owner to supabase_storage_admin;
alter function storage.filename(text) owner to supabase_storage_admin;
alter function storage.extension(text) owner to supabase_storage_admin;
alter function storage.operation() owner to supabase_storage_admin;
alter function storage.update_updated_at_column() owner to supabase_storage_admin;

grant all on all tables in schema storage to anon, authenticated, service_role;
grant all on all tables in schema storage to postgres with grant option;
grant all on all functions in schema storage to postgres, anon, authenticated, service_role;
revoke all on table storage.migrations from anon, authenticated, service_role, postgres;

-------------------------------------------------------------------------------
-- 10. Other platform schemas (so that common grants/policies do not fail)
-------------------------------------------------------------------------------
create schema if not exists graphql_public authorization supabase_admin;
grant usage on schema graphql_public to postgres, anon, authenticated, service_role;
alter default privileges in schema graphql_public
    grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges in schema graphql_public
    grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges in schema graphql_public
    grant all on sequences to postgres, anon, authenticated, service_role;

create schema if not exists realtime authorization supabase_admin;
grant usage on schema realtime to postgres, anon, authenticated, service_role;
grant all on schema realtime to supabase_realtime_admin;

-- Broadcast/presence authorization table: as Realtime creates it, partitioned by day on
-- inserted_at with a default partition; user policies go on the parent.
create table if not exists realtime.messages (
    topic       text not null,
    extension   text not null,
    payload     jsonb,
    event       text,
    private     boolean default false,
    updated_at  timestamp not null default now(),
    inserted_at timestamp not null default now(),
    id          uuid not null default gen_random_uuid(),
    constraint messages_pkey primary key (id, inserted_at)
) partition by range (inserted_at);
create table if not exists realtime.messages_default partition of realtime.messages default;
create index if not exists messages_inserted_at_topic_index on only realtime.messages
    (inserted_at desc, topic) where extension = 'broadcast' and private is true;
alter table realtime.messages_default owner to supabase_realtime_admin;

create table if not exists realtime.schema_migrations (
    version     bigint not null,
    inserted_at timestamp(0),
    constraint schema_migrations_pkey primary key (version)
);
alter table realtime.schema_migrations owner to supabase_admin;
revoke all on table realtime.schema_migrations from anon, authenticated, service_role, postgres;

alter table realtime.messages owner to supabase_realtime_admin;
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to anon, authenticated, service_role;
grant all on realtime.messages to postgres;

create or replace function realtime.topic()
returns text
language sql stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text;
$$;
alter function realtime.topic() owner to supabase_realtime_admin;

-- Broadcast from the database: a row in realtime.messages is what the Realtime server sends.
create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
as $$
begin
    insert into realtime.messages (payload, event, topic, private, extension)
    values (payload, event, topic, private, 'broadcast');
end
$$;
alter function realtime.send(jsonb, text, text, boolean) owner to supabase_realtime_admin;

-- Broadcast a row change (called from a trigger with NEW/OLD), Realtime's payload shape.
create or replace function realtime.broadcast_changes(topic_name text, event_name text, operation text,
                                                      table_name text, table_schema text, new record,
                                                      old record, level text default 'ROW')
returns void
language plpgsql
as $$
declare
    row_data jsonb := case when level = 'STATEMENT' then null else to_jsonb(new) end;
    old_data jsonb := case when level = 'STATEMENT' then null else to_jsonb(old) end;
begin
    perform realtime.send(
        jsonb_build_object('operation', operation, 'table', table_name, 'schema', table_schema,
                           'record', row_data, 'old_record', old_data),
        event_name, topic_name, true);
end
$$;
alter function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
    owner to supabase_realtime_admin;

-- Supabase creates an empty publication that migrations add tables to.
-- (client_min_messages=error hides the wal_level warning of a plain cluster.)
set client_min_messages = error;
do $publication$
begin
    if not exists (select from pg_publication where pubname = 'supabase_realtime') then
        create publication supabase_realtime;
    end if;
end
$publication$;
alter publication supabase_realtime owner to postgres;
set client_min_messages = warning;

create schema if not exists supabase_functions authorization supabase_admin;
grant usage on schema supabase_functions to postgres, anon, authenticated, service_role;
grant all on schema supabase_functions to supabase_functions_admin;

-- Database Webhooks: triggers call supabase_functions.http_request(url, method, headers, params,
-- timeout_ms), which queues the request through pg_net and logs it in hooks.
create table if not exists supabase_functions.migrations (
    version     text primary key,
    inserted_at timestamptz not null default now()
);
create table if not exists supabase_functions.hooks (
    id            bigserial primary key,
    hook_table_id integer not null,
    hook_name     text not null,
    created_at    timestamptz not null default now(),
    request_id    bigint
);
create index if not exists supabase_functions_hooks_request_id_idx on supabase_functions.hooks (request_id);
create index if not exists supabase_functions_hooks_h_table_id_h_name_idx
    on supabase_functions.hooks (hook_table_id, hook_name);
comment on table supabase_functions.hooks is
    'Supabase Functions Hooks: Audit trail for triggered hooks.';

-- Shim: when pg_net is missing (no create extension pg_net, not even the stub) the request is
-- only logged, so a webhook trigger never breaks a write.
create or replace function supabase_functions.http_request()
returns trigger
language plpgsql
security definer
set search_path = supabase_functions
as $$
declare
    url text := tg_argv[0];
    method text := upper(coalesce(tg_argv[1], 'POST'));
    headers jsonb := coalesce(nullif(tg_argv[2], ''), '{}')::jsonb;
    params jsonb := coalesce(nullif(tg_argv[3], ''), '{}')::jsonb;
    timeout_ms integer := coalesce(nullif(tg_argv[4], ''), '1000')::integer;
    payload jsonb;
    request_id bigint;
begin
    if url is null or url = 'null' then
        raise exception 'url argument is missing';
    end if;
    if method not in ('GET', 'POST') then
        raise exception 'method argument % is invalid', method;
    end if;
    payload := jsonb_build_object(
        'old_record', case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end,
        'record', case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end,
        'type', tg_op, 'table', tg_table_name, 'schema', tg_table_schema);
    if method = 'GET' and to_regprocedure('net.http_get(text, jsonb, jsonb, integer)') is not null then
        execute 'select net.http_get($1, $2, $3, $4)' into request_id using url, params, headers, timeout_ms;
    elsif method = 'POST' and to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is not null then
        execute 'select net.http_post($1, $2, $3, $4, $5)' into request_id
            using url, payload, params, headers, timeout_ms;
    end if;
    insert into supabase_functions.hooks (hook_table_id, hook_name, request_id)
    values (tg_relid, tg_name, request_id);
    return coalesce(new, old);
end
$$;

alter table supabase_functions.migrations owner to supabase_functions_admin;
alter table supabase_functions.hooks owner to supabase_functions_admin;
alter function supabase_functions.http_request() owner to supabase_functions_admin;
grant all on supabase_functions.migrations, supabase_functions.hooks
    to postgres, anon, authenticated, service_role;
grant all on sequence supabase_functions.hooks_id_seq to postgres, anon, authenticated, service_role;
revoke all on function supabase_functions.http_request() from public;
grant execute on function supabase_functions.http_request()
    to postgres, anon, authenticated, service_role;

-------------------------------------------------------------------------------
-- 11. supabase_migrations (the CLI's history tables)
-------------------------------------------------------------------------------
create schema if not exists supabase_migrations authorization postgres;
alter schema supabase_migrations owner to postgres;
create table if not exists supabase_migrations.schema_migrations (
    version    text not null primary key,
    statements text[],
    name       text
);
create table if not exists supabase_migrations.seed_files (
    path text not null primary key,
    hash text not null
);
alter table supabase_migrations.schema_migrations owner to postgres;
alter table supabase_migrations.seed_files owner to postgres;

-------------------------------------------------------------------------------
-- 12. No way out of the throwaway cluster (supakit's own hardening, docs/security.md)
-------------------------------------------------------------------------------
-- On PostgreSQL 15 a CREATEROLE role such as `postgres` may grant itself these built-in roles
-- and then run programs or read and write files on the machine running the audit, even from
-- dynamic SQL no text check can see. Granting membership in a superuser role needs a superuser,
-- and the superuser attribute itself is never inherited, so flagging them superuser makes them
-- ungrantable for `postgres` and changes nothing else.
update pg_authid set rolsuper = true
 where rolname in ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files');

reset client_min_messages;
