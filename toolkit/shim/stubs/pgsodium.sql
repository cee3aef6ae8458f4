-- supakit stub: pgsodium
-- version: 3.1.9
-- schema: pgsodium
-- relocatable: false
-- supports: the pgsodium_keyiduser, pgsodium_keyholder and pgsodium_keymaker roles, pgsodium.key and pgsodium.valid_key, pgsodium.create_key, crypto_aead_det_encrypt/decrypt and crypto_aead_det_noncegen, randombytes_buf, crypto_secretbox_noncegen; SECURITY LABEL FOR pgsodium statements are skipped.
-- lacks: no cryptography: the "encrypt" functions return their input unchanged and no column is encrypted.

do $roles$
begin
    if not exists (select from pg_roles where rolname = 'pgsodium_keyiduser') then
        create role pgsodium_keyiduser nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'pgsodium_keyholder') then
        create role pgsodium_keyholder nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'pgsodium_keymaker') then
        create role pgsodium_keymaker nologin;
    end if;
end
$roles$;
grant pgsodium_keyiduser to pgsodium_keyholder;
grant pgsodium_keyholder to pgsodium_keymaker;
grant pgsodium_keyiduser, pgsodium_keyholder, pgsodium_keymaker to postgres with admin option;

create table pgsodium.key (
    id              uuid primary key default gen_random_uuid(),
    status          text default 'valid' check (status in ('default', 'valid', 'invalid', 'expired')),
    created         timestamptz not null default current_timestamp,
    expires         timestamptz,
    key_type        text,
    key_id          bigserial,
    key_context     bytea default 'pgsodium',
    name            text unique,
    associated_data text default 'associated',
    raw_key         bytea,
    raw_key_nonce   bytea,
    parent_key      uuid references pgsodium.key (id),
    comment         text,
    user_data       text
);

create view pgsodium.valid_key as
select id, name, status, key_type, key_id, key_context, created, expires, associated_data
  from pgsodium.key
 where status in ('valid', 'default') and (expires is null or expires > now());

create function pgsodium.randombytes_buf(size integer)
returns bytea
language sql volatile
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(string_agg(set_byte('\x00'::bytea, 0, floor(random() * 256)::int), ''::bytea), ''::bytea)
      from generate_series(1, size)
$$;

create function pgsodium.crypto_aead_det_noncegen() returns bytea
language sql volatile set search_path = pg_catalog, pg_temp
as $$ select pgsodium.randombytes_buf(16) $$;

create function pgsodium.crypto_secretbox_noncegen() returns bytea
language sql volatile set search_path = pg_catalog, pg_temp
as $$ select pgsodium.randombytes_buf(24) $$;

create function pgsodium.create_key(key_type text default 'aead-det', name text default null,
                                    raw_key bytea default null, raw_key_nonce bytea default null,
                                    parent_key uuid default null, key_context bytea default 'pgsodium',
                                    expires timestamptz default null, associated_data text default '')
returns pgsodium.valid_key
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    new_id uuid;
    result pgsodium.valid_key;
begin
    insert into pgsodium.key (key_type, name, raw_key, raw_key_nonce, parent_key, key_context, expires,
                              associated_data)
    values (create_key.key_type, create_key.name, create_key.raw_key, create_key.raw_key_nonce,
            create_key.parent_key, create_key.key_context, create_key.expires, create_key.associated_data)
    returning id into new_id;
    select * into result from pgsodium.valid_key v where v.id = new_id;
    return result;
end
$$;

create function pgsodium.crypto_aead_det_encrypt(message bytea, additional bytea, key_uuid uuid,
                                                 nonce bytea default null)
returns bytea
language sql immutable
set search_path = pg_catalog, pg_temp
as $$ select message $$;

create function pgsodium.crypto_aead_det_decrypt(message bytea, additional bytea, key_uuid uuid,
                                                 nonce bytea default null)
returns bytea
language sql immutable
set search_path = pg_catalog, pg_temp
as $$ select message $$;

grant usage on schema pgsodium to postgres, pgsodium_keyiduser, pgsodium_keyholder, pgsodium_keymaker;
grant select on pgsodium.valid_key to pgsodium_keyiduser;
grant all on pgsodium.key to pgsodium_keymaker, postgres;
grant select on pgsodium.valid_key to postgres;
revoke all on function pgsodium.create_key(text, text, bytea, bytea, uuid, bytea, timestamptz, text) from public;
grant execute on function pgsodium.create_key(text, text, bytea, bytea, uuid, bytea, timestamptz, text)
    to pgsodium_keymaker, postgres;
