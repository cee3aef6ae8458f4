-- Soundcheck: venues (optionally shared with everyone as a public venue
-- directory), their contacts, events (shows) and the crew booked on them.
--
-- Child rows that belong to an event carry the event's org_id and point at
-- it through a composite foreign key (org_id, event_id) -> events (org_id, id),
-- so a row can never reference another organisation's event.

create type public.event_status as enum (
  'draft', 'confirmed', 'advancing', 'on_site', 'completed', 'cancelled'
);

create type public.crew_role as enum (
  'production_manager', 'foh_engineer', 'monitor_engineer', 'system_tech',
  'rf_coordinator', 'stage_manager', 'backline_tech', 'audio_assistant'
);

------------------------------------------------------------------------
-- venues: the only table anon can read, and only rows marked is_public.
-- Keep contact details out of it (see venue_contacts).
------------------------------------------------------------------------
create table public.venues (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 200),
  address_line text,
  city text,
  region text,
  country_code text check (country_code ~ '^[A-Z]{2}$'),
  capacity integer check (capacity > 0),
  stage_width_m numeric(5, 2) check (stage_width_m > 0),
  stage_depth_m numeric(5, 2) check (stage_depth_m > 0),
  trim_height_m numeric(5, 2) check (trim_height_m > 0),
  foh_distance_m numeric(5, 1) check (foh_distance_m >= 0),
  power_supply text,
  house_system text,
  house_console text,
  loading_notes text,
  is_public boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index venues_org_id_idx on public.venues (org_id);
create index venues_is_public_idx on public.venues (is_public);

alter table public.venues enable row level security;
revoke all on table public.venues from anon, authenticated;
grant select on table public.venues to anon;
grant select, insert, update, delete on table public.venues to authenticated;

create trigger set_updated_at
  before update on public.venues
  for each row execute function private.set_updated_at();

create policy venues_select_public on public.venues
  for select to anon
  using (is_public = true);

create policy venues_select_member on public.venues
  for select to authenticated
  using (is_public = true or org_id in (select private.user_org_ids()));

create policy venues_insert_member on public.venues
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy venues_update_member on public.venues
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy venues_delete_admin on public.venues
  for delete to authenticated
  using (org_id in (select private.user_admin_org_ids()));

------------------------------------------------------------------------
-- venue_contacts: house engineer, production office, security ...
-- A contact may be attached to another organisation's public venue, but is
-- only visible to the organisation that recorded it.
------------------------------------------------------------------------
create table public.venue_contacts (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  venue_id uuid not null references public.venues (id) on delete cascade,
  name text not null,
  job_title text,
  email text,
  phone text,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index venue_contacts_org_id_idx on public.venue_contacts (org_id);
create index venue_contacts_venue_id_idx on public.venue_contacts (venue_id);

alter table public.venue_contacts enable row level security;
revoke all on table public.venue_contacts from anon, authenticated;
grant select, insert, update, delete on table public.venue_contacts to authenticated;

create trigger set_updated_at
  before update on public.venue_contacts
  for each row execute function private.set_updated_at();

create policy venue_contacts_select_member on public.venue_contacts
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy venue_contacts_insert_member on public.venue_contacts
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy venue_contacts_update_member on public.venue_contacts
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy venue_contacts_delete_member on public.venue_contacts
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- events
------------------------------------------------------------------------
create table public.events (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  venue_id uuid references public.venues (id) on delete set null,
  name text not null check (char_length(name) between 1 and 200),
  status public.event_status not null default 'draft',
  client_name text,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  load_in_at timestamptz,
  doors_at timestamptz,
  curfew_at timestamptz,
  timezone text not null default 'UTC',
  expected_attendance integer check (expected_attendance >= 0),
  spl_limit_dba numeric(4, 1) check (spl_limit_dba between 60 and 130),
  notes text,
  created_by uuid default auth.uid() references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint events_org_id_id_key unique (org_id, id),
  constraint events_ends_after_starts check (ends_at > starts_at)
);

create index events_venue_id_idx on public.events (venue_id);
create index events_created_by_idx on public.events (created_by);

alter table public.events enable row level security;
revoke all on table public.events from anon, authenticated;
grant select, insert, update, delete on table public.events to authenticated;

create trigger set_updated_at
  before update on public.events
  for each row execute function private.set_updated_at();

create policy events_select_member on public.events
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy events_insert_member on public.events
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids())
    and created_by = (select auth.uid())
  );

create policy events_update_member on public.events
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy events_delete_admin on public.events
  for delete to authenticated
  using (org_id in (select private.user_admin_org_ids()));

------------------------------------------------------------------------
-- event_crew: who is working the show. Crewing is an admin's job.
------------------------------------------------------------------------
create table public.event_crew (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  event_id uuid not null,
  user_id uuid not null references public.profiles (id) on delete cascade,
  crew_role public.crew_role not null,
  call_time timestamptz,
  day_rate numeric(8, 2) check (day_rate >= 0),
  confirmed_at timestamptz,
  notes text,
  created_at timestamptz not null default now(),
  constraint event_crew_event_fkey
    foreign key (org_id, event_id) references public.events (org_id, id) on delete cascade,
  constraint event_crew_event_user_role_key unique (event_id, user_id, crew_role)
);

create index event_crew_org_id_event_id_idx on public.event_crew (org_id, event_id);
create index event_crew_user_id_idx on public.event_crew (user_id);

alter table public.event_crew enable row level security;
revoke all on table public.event_crew from anon, authenticated;
grant select, insert, update, delete on table public.event_crew to authenticated;

create policy event_crew_select_member on public.event_crew
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy event_crew_insert_admin on public.event_crew
  for insert to authenticated
  with check (org_id in (select private.user_admin_org_ids()));

create policy event_crew_update_admin on public.event_crew
  for update to authenticated
  using (org_id in (select private.user_admin_org_ids()))
  with check (org_id in (select private.user_admin_org_ids()));

create policy event_crew_delete_admin on public.event_crew
  for delete to authenticated
  using (org_id in (select private.user_admin_org_ids()));
