-- Soundcheck: people and the organisations (sound companies, touring
-- crews, venues' in-house teams) they belong to.

------------------------------------------------------------------------
-- profiles: one row per auth.users row
------------------------------------------------------------------------
create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text not null check (char_length(display_name) between 1 and 120),
  full_name text,
  phone text,
  primary_role text check (
    primary_role in (
      'production_manager', 'foh_engineer', 'monitor_engineer', 'system_tech',
      'rf_coordinator', 'stage_manager', 'backline_tech', 'audio_assistant'
    )
  ),
  home_city text,
  bio text check (char_length(bio) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table public.profiles is 'Public-facing data for each auth user.';

alter table public.profiles enable row level security;
revoke all on table public.profiles from anon, authenticated;
grant select, insert, update, delete on table public.profiles to authenticated;

create trigger set_updated_at
  before update on public.profiles
  for each row execute function private.set_updated_at();

------------------------------------------------------------------------
-- organisations
------------------------------------------------------------------------
create table public.organisations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 200),
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  plan text not null default 'free' check (plan in ('free', 'pro', 'touring')),
  billing_email text,
  country_code text check (country_code ~ '^[A-Z]{2}$'),
  settings jsonb not null default '{}'::jsonb,
  created_by uuid default auth.uid() references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index organisations_created_by_idx on public.organisations (created_by);

alter table public.organisations enable row level security;
revoke all on table public.organisations from anon, authenticated;
grant select, insert, update, delete on table public.organisations to authenticated;

create trigger set_updated_at
  before update on public.organisations
  for each row execute function private.set_updated_at();

------------------------------------------------------------------------
-- organisation_members
------------------------------------------------------------------------
create table public.organisation_members (
  org_id uuid not null references public.organisations (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  role text not null default 'member' check (role in ('owner', 'admin', 'member')),
  invited_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);

create index organisation_members_user_id_idx on public.organisation_members (user_id);
create index organisation_members_invited_by_idx on public.organisation_members (invited_by);

alter table public.organisation_members enable row level security;
revoke all on table public.organisation_members from anon, authenticated;
grant select, insert, update, delete on table public.organisation_members to authenticated;

------------------------------------------------------------------------
-- organisation_invitations
------------------------------------------------------------------------
create table public.organisation_invitations (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  email text not null check (email = lower(email) and position('@' in email) > 1),
  role text not null default 'member' check (role in ('admin', 'member')),
  token text not null unique default encode(extensions.gen_random_bytes(24), 'hex'),
  invited_by uuid default auth.uid() references public.profiles (id) on delete set null,
  expires_at timestamptz not null default now() + interval '7 days',
  accepted_at timestamptz,
  created_at timestamptz not null default now(),
  unique (org_id, email)
);

create index organisation_invitations_invited_by_idx on public.organisation_invitations (invited_by);

alter table public.organisation_invitations enable row level security;
revoke all on table public.organisation_invitations from anon, authenticated;
grant select, insert, update, delete on table public.organisation_invitations to authenticated;

------------------------------------------------------------------------
-- user_preferences
------------------------------------------------------------------------
create table public.user_preferences (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null unique default auth.uid() references public.profiles (id) on delete cascade,
  default_org_id uuid references public.organisations (id) on delete set null,
  units text not null default 'metric' check (units in ('metric', 'imperial')),
  theme text not null default 'system' check (theme in ('light', 'dark', 'system')),
  time_format text not null default '24h' check (time_format in ('12h', '24h')),
  email_notifications boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index user_preferences_default_org_id_idx on public.user_preferences (default_org_id);

alter table public.user_preferences enable row level security;
revoke all on table public.user_preferences from anon, authenticated;
grant select, insert, update, delete on table public.user_preferences to authenticated;

create trigger set_updated_at
  before update on public.user_preferences
  for each row execute function private.set_updated_at();

------------------------------------------------------------------------
-- Membership helpers (SECURITY DEFINER so policies on organisation_members
-- do not recurse). They return sets, so policies use
-- `org_id in (select private.user_org_ids())`, which Postgres evaluates
-- once per statement.
------------------------------------------------------------------------
create or replace function private.user_org_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.org_id
  from public.organisation_members m
  where m.user_id = (select auth.uid())
$$;

create or replace function private.user_admin_org_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.org_id
  from public.organisation_members m
  where m.user_id = (select auth.uid())
    and m.role in ('owner', 'admin')
$$;

create or replace function private.user_owned_org_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.org_id
  from public.organisation_members m
  where m.user_id = (select auth.uid())
    and m.role = 'owner'
$$;

-- Everyone who shares at least one organisation with the caller.
create or replace function private.org_peer_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select distinct peer.user_id
  from public.organisation_members me
  join public.organisation_members peer on peer.org_id = me.org_id
  where me.user_id = (select auth.uid())
$$;

revoke all on function private.user_org_ids() from public, anon;
revoke all on function private.user_admin_org_ids() from public, anon;
revoke all on function private.user_owned_org_ids() from public, anon;
revoke all on function private.org_peer_ids() from public, anon;
grant execute on function private.user_org_ids() to authenticated;
grant execute on function private.user_admin_org_ids() to authenticated;
grant execute on function private.user_owned_org_ids() to authenticated;
grant execute on function private.org_peer_ids() to authenticated;

------------------------------------------------------------------------
-- Triggers: new auth user -> profile; new organisation -> owner membership
------------------------------------------------------------------------
create or replace function private.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, display_name)
  values (new.id, coalesce(new.raw_user_meta_data->>'display_name', new.email));
  return new;
end
$$;

revoke all on function private.handle_new_user() from public, anon, authenticated;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function private.handle_new_user();

create or replace function private.handle_new_organisation()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.created_by is not null then
    insert into public.organisation_members (org_id, user_id, role)
    values (new.id, new.created_by, 'owner')
    on conflict (org_id, user_id) do nothing;
  end if;
  return new;
end
$$;

revoke all on function private.handle_new_organisation() from public, anon, authenticated;

create trigger on_organisation_created
  after insert on public.organisations
  for each row execute function private.handle_new_organisation();

-- Only an owner may create, modify or remove an owner membership. The
-- check applies to API callers (current_user = 'authenticated'); the
-- service role, migrations, seeds and the SECURITY DEFINER trigger above
-- (which makes an organisation's creator its first owner) are not limited.
create or replace function private.guard_owner_membership()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  touches_owner boolean;
  target_org uuid;
begin
  if tg_op = 'INSERT' then
    touches_owner := new.role = 'owner';
    target_org := new.org_id;
  elsif tg_op = 'UPDATE' then
    touches_owner := old.role = 'owner' or new.role = 'owner';
    target_org := old.org_id;
  else
    touches_owner := old.role = 'owner';
    target_org := old.org_id;
  end if;

  if touches_owner
     and current_user = 'authenticated'
     and not exists (
       select 1 from private.user_owned_org_ids() as owned (org_id)
       where owned.org_id = target_org
     )
  then
    raise exception 'only an organisation owner can grant, change or remove the owner role'
      using errcode = '42501';
  end if;

  if tg_op = 'DELETE' then
    return old;
  end if;
  return new;
end
$$;

revoke all on function private.guard_owner_membership() from public, anon, authenticated;

create trigger guard_owner_membership
  before insert or update or delete on public.organisation_members
  for each row execute function private.guard_owner_membership();

------------------------------------------------------------------------
-- Policies
------------------------------------------------------------------------

-- profiles: yourself, plus anyone you share an organisation with.
create policy profiles_select_self_or_peer on public.profiles
  for select to authenticated
  using (id = (select auth.uid()) or id in (select private.org_peer_ids()));

create policy profiles_insert_self on public.profiles
  for insert to authenticated
  with check (id = (select auth.uid()));

create policy profiles_update_self on public.profiles
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

create policy profiles_delete_self on public.profiles
  for delete to authenticated
  using (id = (select auth.uid()));

-- organisations: members read; the creator can read it back straight
-- after insert (before the owner-membership trigger row is visible);
-- admins edit; owners delete.
create policy organisations_select_member on public.organisations
  for select to authenticated
  using (id in (select private.user_org_ids()) or created_by = (select auth.uid()));

create policy organisations_insert_creator on public.organisations
  for insert to authenticated
  with check (created_by = (select auth.uid()));

create policy organisations_update_admin on public.organisations
  for update to authenticated
  using (id in (select private.user_admin_org_ids()))
  with check (id in (select private.user_admin_org_ids()));

create policy organisations_delete_owner on public.organisations
  for delete to authenticated
  using (id in (select private.user_owned_org_ids()));

-- organisation_members: members see the roster; admins manage it; anyone
-- may leave. Only owners may grant, change or remove the owner role: that
-- rule lives in the guard_owner_membership trigger above, so these
-- policies stay simple set-membership checks.
create policy organisation_members_select_member on public.organisation_members
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy organisation_members_insert_admin on public.organisation_members
  for insert to authenticated
  with check (org_id in (select private.user_admin_org_ids()));

create policy organisation_members_update_admin on public.organisation_members
  for update to authenticated
  using (org_id in (select private.user_admin_org_ids()))
  with check (org_id in (select private.user_admin_org_ids()));

create policy organisation_members_delete_admin_or_self on public.organisation_members
  for delete to authenticated
  using (
    user_id = (select auth.uid())
    or org_id in (select private.user_admin_org_ids())
  );

-- organisation_invitations: admins only (invitees accept through an
-- Edge Function using the service role).
create policy organisation_invitations_select_admin on public.organisation_invitations
  for select to authenticated
  using (org_id in (select private.user_admin_org_ids()));

create policy organisation_invitations_insert_admin on public.organisation_invitations
  for insert to authenticated
  with check (
    org_id in (select private.user_admin_org_ids())
    and invited_by = (select auth.uid())
  );

create policy organisation_invitations_update_admin on public.organisation_invitations
  for update to authenticated
  using (org_id in (select private.user_admin_org_ids()))
  with check (org_id in (select private.user_admin_org_ids()));

create policy organisation_invitations_delete_admin on public.organisation_invitations
  for delete to authenticated
  using (org_id in (select private.user_admin_org_ids()));

-- user_preferences: strictly your own row.
create policy user_preferences_select_own on public.user_preferences
  for select to authenticated
  using (user_id = (select auth.uid()));

create policy user_preferences_insert_own on public.user_preferences
  for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and (default_org_id is null or default_org_id in (select private.user_org_ids()))
  );

create policy user_preferences_update_own on public.user_preferences
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (
    user_id = (select auth.uid())
    and (default_org_id is null or default_org_id in (select private.user_org_ids()))
  );

create policy user_preferences_delete_own on public.user_preferences
  for delete to authenticated
  using (user_id = (select auth.uid()));
