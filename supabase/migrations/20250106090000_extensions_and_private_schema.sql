-- Soundcheck: foundations.
--
-- * Extensions live in the `extensions` schema, never in `public`.
-- * `private` holds helper and trigger functions. It is not listed in
--   config.toml [api].schemas, so nothing in it is reachable through the
--   Data API; RLS policies call into it.

create extension if not exists btree_gist with schema extensions;

create schema if not exists private;
revoke all on schema private from public, anon;
grant usage on schema private to authenticated;

comment on schema private is
  'Helpers for RLS policies and triggers. Not exposed through PostgREST.';

-- Keeps updated_at honest on every table that has one.
create or replace function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- Trigger functions are never called directly.
revoke all on function private.set_updated_at() from public, anon, authenticated;
