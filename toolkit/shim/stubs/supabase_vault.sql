-- supakit stub: supabase_vault
-- version: 0.3.1
-- schema: vault
-- relocatable: false
-- supports: vault.secrets, the vault.decrypted_secrets view, vault.create_secret and vault.update_secret with Vault's arguments; names are unique; postgres and service_role may read and write secrets.
-- lacks: secrets are stored in plain text (decrypted_secret is the stored secret); no key management.

create table vault.secrets (
    id          uuid primary key default gen_random_uuid(),
    name        text,
    description text not null default '',
    secret      text not null,
    key_id      uuid default gen_random_uuid(),
    nonce       bytea,
    created_at  timestamptz not null default current_timestamp,
    updated_at  timestamptz not null default current_timestamp
);
create unique index secrets_name_idx on vault.secrets (name) where name is not null;

create view vault.decrypted_secrets as
select s.id, s.name, s.description, s.secret, s.secret as decrypted_secret,
       s.key_id, s.nonce, s.created_at, s.updated_at
  from vault.secrets s;

create function vault.create_secret(new_secret text, new_name text default null,
                                    new_description text default '', new_key_id uuid default null)
returns uuid
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    id uuid;
begin
    insert into vault.secrets (secret, name, description, key_id)
    values (new_secret, new_name, coalesce(new_description, ''), coalesce(new_key_id, gen_random_uuid()))
    returning secrets.id into id;
    return id;
end
$$;

create function vault.update_secret(secret_id uuid, new_secret text default null, new_name text default null,
                                    new_description text default null, new_key_id uuid default null)
returns void
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    update vault.secrets s
       set secret = coalesce(new_secret, s.secret),
           name = coalesce(new_name, s.name),
           description = coalesce(new_description, s.description),
           key_id = coalesce(new_key_id, s.key_id),
           updated_at = now()
     where s.id = secret_id;
end
$$;

revoke all on vault.secrets, vault.decrypted_secrets from public;
revoke all on function vault.create_secret(text, text, text, uuid) from public;
revoke all on function vault.update_secret(uuid, text, text, text, uuid) from public;
grant usage on schema vault to postgres, service_role;
grant select, insert, update, delete on vault.secrets, vault.decrypted_secrets to postgres, service_role;
grant execute on function vault.create_secret(text, text, text, uuid),
                          vault.update_secret(uuid, text, text, text, uuid)
    to postgres, service_role;
