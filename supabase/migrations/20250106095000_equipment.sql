-- Soundcheck: the equipment inventory (one row per serialised unit),
-- bookings of units onto events, and the maintenance / PAT-test log.

create type public.equipment_category as enum (
  'console', 'microphone', 'di_box', 'stagebox', 'amplifier', 'loudspeaker',
  'iem', 'wireless', 'processing', 'cable', 'power', 'rigging', 'other'
);

create type public.equipment_status as enum (
  'available', 'in_use', 'in_repair', 'retired'
);

------------------------------------------------------------------------
-- equipment
------------------------------------------------------------------------
create table public.equipment (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 200),
  category public.equipment_category not null,
  manufacturer text,
  model text,
  serial_number text,
  asset_tag text,
  status public.equipment_status not null default 'available',
  purchased_on date,
  purchase_price numeric(10, 2) check (purchase_price >= 0),
  weight_kg numeric(6, 2) check (weight_kg >= 0),
  tags text[] not null default '{}',
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint equipment_org_id_id_key unique (org_id, id),
  constraint equipment_org_id_asset_tag_key unique (org_id, asset_tag)
);

alter table public.equipment enable row level security;
revoke all on table public.equipment from anon, authenticated;
grant select, insert, update, delete on table public.equipment to authenticated;

create trigger set_updated_at
  before update on public.equipment
  for each row execute function private.set_updated_at();

create policy equipment_select_member on public.equipment
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy equipment_insert_member on public.equipment
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy equipment_update_member on public.equipment
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy equipment_delete_admin on public.equipment
  for delete to authenticated
  using (org_id in (select private.user_admin_org_ids()));

------------------------------------------------------------------------
-- equipment_bookings: a unit cannot be double-booked while a booking is
-- requested or confirmed (exclusion constraint, needs btree_gist).
------------------------------------------------------------------------
create table public.equipment_bookings (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  equipment_id uuid not null,
  event_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  status text not null default 'requested'
    check (status in ('requested', 'confirmed', 'returned', 'cancelled')),
  booked_by uuid default auth.uid() references public.profiles (id) on delete set null,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint equipment_bookings_ends_after_starts check (ends_at > starts_at),
  constraint equipment_bookings_equipment_fkey
    foreign key (org_id, equipment_id) references public.equipment (org_id, id) on delete cascade,
  constraint equipment_bookings_event_fkey
    foreign key (org_id, event_id) references public.events (org_id, id) on delete cascade,
  constraint equipment_bookings_no_overlap
    exclude using gist (equipment_id with =, tstzrange(starts_at, ends_at) with &&)
    where (status in ('requested', 'confirmed'))
);

create index equipment_bookings_org_id_equipment_id_idx on public.equipment_bookings (org_id, equipment_id);
create index equipment_bookings_org_id_event_id_idx on public.equipment_bookings (org_id, event_id);
create index equipment_bookings_booked_by_idx on public.equipment_bookings (booked_by);

alter table public.equipment_bookings enable row level security;
revoke all on table public.equipment_bookings from anon, authenticated;
grant select, insert, update, delete on table public.equipment_bookings to authenticated;

create trigger set_updated_at
  before update on public.equipment_bookings
  for each row execute function private.set_updated_at();

create policy equipment_bookings_select_member on public.equipment_bookings
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy equipment_bookings_insert_member on public.equipment_bookings
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids())
    and booked_by = (select auth.uid())
  );

create policy equipment_bookings_update_member on public.equipment_bookings
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy equipment_bookings_delete_member on public.equipment_bookings
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- equipment_maintenance_logs
------------------------------------------------------------------------
create table public.equipment_maintenance_logs (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  equipment_id uuid not null,
  kind text not null check (
    kind in ('inspection', 'repair', 'pat_test', 'firmware_update', 'cleaning', 'calibration')
  ),
  performed_on date not null default current_date,
  performed_by uuid default auth.uid() references public.profiles (id) on delete set null,
  description text not null,
  cost numeric(10, 2) check (cost >= 0),
  next_due_on date,
  created_at timestamptz not null default now(),
  constraint equipment_maintenance_logs_equipment_fkey
    foreign key (org_id, equipment_id) references public.equipment (org_id, id) on delete cascade
);

create index equipment_maintenance_logs_org_id_equipment_id_idx
  on public.equipment_maintenance_logs (org_id, equipment_id);
create index equipment_maintenance_logs_performed_by_idx
  on public.equipment_maintenance_logs (performed_by);

alter table public.equipment_maintenance_logs enable row level security;
revoke all on table public.equipment_maintenance_logs from anon, authenticated;
grant select, insert, update, delete on table public.equipment_maintenance_logs to authenticated;

create policy equipment_maintenance_logs_select_member on public.equipment_maintenance_logs
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy equipment_maintenance_logs_insert_member on public.equipment_maintenance_logs
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy equipment_maintenance_logs_update_member on public.equipment_maintenance_logs
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy equipment_maintenance_logs_delete_admin on public.equipment_maintenance_logs
  for delete to authenticated
  using (org_id in (select private.user_admin_org_ids()));
