-- Soundcheck: the audio paperwork proper.
--
-- * input_lists      - what the artist asks for (their tech rider input list)
-- * patch_sheets     - what the engineer actually patches on the day
-- * monitor_mixes    - wedge / IEM mixes and which channels feed them
-- * rf_frequencies   - wireless frequency coordination for an event
--
-- Every row carries org_id; children reference their parent through a
-- composite (org_id, parent_id) foreign key so they cannot cross tenants.

------------------------------------------------------------------------
-- patch_sheets (event_id is optional: a sheet with is_template = true is a
-- reusable house template)
------------------------------------------------------------------------
create table public.patch_sheets (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  event_id uuid,
  title text not null check (char_length(title) between 1 and 200),
  console_model text,
  stagebox text,
  sample_rate integer not null default 48000 check (sample_rate in (44100, 48000, 96000)),
  revision integer not null default 1 check (revision > 0),
  is_template boolean not null default false,
  notes text,
  created_by uuid default auth.uid() references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint patch_sheets_org_id_id_key unique (org_id, id),
  constraint patch_sheets_event_fkey
    foreign key (org_id, event_id) references public.events (org_id, id)
    on delete set null (event_id)
);

create index patch_sheets_org_id_event_id_idx on public.patch_sheets (org_id, event_id);
create index patch_sheets_created_by_idx on public.patch_sheets (created_by);

alter table public.patch_sheets enable row level security;
revoke all on table public.patch_sheets from anon, authenticated;
grant select, insert, update, delete on table public.patch_sheets to authenticated;

create trigger set_updated_at
  before update on public.patch_sheets
  for each row execute function private.set_updated_at();

create policy patch_sheets_select_member on public.patch_sheets
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy patch_sheets_insert_member on public.patch_sheets
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids())
    and created_by = (select auth.uid())
  );

create policy patch_sheets_update_member on public.patch_sheets
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy patch_sheets_delete_member on public.patch_sheets
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- patch_channels: one input channel on a patch sheet
------------------------------------------------------------------------
create table public.patch_channels (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  patch_sheet_id uuid not null,
  channel_number integer not null check (channel_number between 1 and 256),
  source text not null,
  mic_model text,
  stand text check (stand in ('none', 'short_boom', 'tall_boom', 'straight', 'clamp', 'table', 'hanging')),
  phantom_power boolean not null default false,
  stagebox_input text,
  console_input text,
  insert_fx text,
  group_name text,
  colour text check (colour ~ '^#[0-9a-f]{6}$'),
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint patch_channels_org_id_id_key unique (org_id, id),
  constraint patch_channels_sheet_channel_key unique (patch_sheet_id, channel_number),
  constraint patch_channels_patch_sheet_fkey
    foreign key (org_id, patch_sheet_id) references public.patch_sheets (org_id, id)
    on delete cascade
);

create index patch_channels_org_id_patch_sheet_id_idx on public.patch_channels (org_id, patch_sheet_id);

alter table public.patch_channels enable row level security;
revoke all on table public.patch_channels from anon, authenticated;
grant select, insert, update, delete on table public.patch_channels to authenticated;

create trigger set_updated_at
  before update on public.patch_channels
  for each row execute function private.set_updated_at();

create policy patch_channels_select_member on public.patch_channels
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy patch_channels_insert_member on public.patch_channels
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy patch_channels_update_member on public.patch_channels
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy patch_channels_delete_member on public.patch_channels
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- input_lists: the artist's requested inputs
------------------------------------------------------------------------
create table public.input_lists (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  event_id uuid,
  title text not null check (char_length(title) between 1 and 200),
  artist_name text,
  revision integer not null default 1 check (revision > 0),
  received_on date,
  notes text,
  created_by uuid default auth.uid() references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint input_lists_org_id_id_key unique (org_id, id),
  constraint input_lists_event_fkey
    foreign key (org_id, event_id) references public.events (org_id, id)
    on delete set null (event_id)
);

create index input_lists_org_id_event_id_idx on public.input_lists (org_id, event_id);
create index input_lists_created_by_idx on public.input_lists (created_by);

alter table public.input_lists enable row level security;
revoke all on table public.input_lists from anon, authenticated;
grant select, insert, update, delete on table public.input_lists to authenticated;

create trigger set_updated_at
  before update on public.input_lists
  for each row execute function private.set_updated_at();

create policy input_lists_select_member on public.input_lists
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy input_lists_insert_member on public.input_lists
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids())
    and created_by = (select auth.uid())
  );

create policy input_lists_update_member on public.input_lists
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy input_lists_delete_member on public.input_lists
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- input_list_rows (position is deferrable so rows can be re-ordered in one
-- transaction)
------------------------------------------------------------------------
create table public.input_list_rows (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  input_list_id uuid not null,
  position integer not null check (position > 0),
  instrument text not null,
  mic_or_di text,
  stand text,
  phantom_power boolean not null default false,
  notes text,
  created_at timestamptz not null default now(),
  constraint input_list_rows_list_position_key unique (input_list_id, position)
    deferrable initially deferred,
  constraint input_list_rows_input_list_fkey
    foreign key (org_id, input_list_id) references public.input_lists (org_id, id)
    on delete cascade
);

create index input_list_rows_org_id_input_list_id_idx on public.input_list_rows (org_id, input_list_id);

alter table public.input_list_rows enable row level security;
revoke all on table public.input_list_rows from anon, authenticated;
grant select, insert, update, delete on table public.input_list_rows to authenticated;

create policy input_list_rows_select_member on public.input_list_rows
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy input_list_rows_insert_member on public.input_list_rows
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy input_list_rows_update_member on public.input_list_rows
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy input_list_rows_delete_member on public.input_list_rows
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- monitor_mixes
------------------------------------------------------------------------
create table public.monitor_mixes (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  event_id uuid not null,
  mix_number integer not null check (mix_number between 1 and 64),
  name text not null,
  performer text,
  kind text not null default 'wedge'
    check (kind in ('wedge', 'iem_stereo', 'iem_mono', 'sidefill', 'drumfill')),
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint monitor_mixes_org_id_id_key unique (org_id, id),
  constraint monitor_mixes_event_mix_key unique (event_id, mix_number),
  constraint monitor_mixes_event_fkey
    foreign key (org_id, event_id) references public.events (org_id, id) on delete cascade
);

create index monitor_mixes_org_id_event_id_idx on public.monitor_mixes (org_id, event_id);

alter table public.monitor_mixes enable row level security;
revoke all on table public.monitor_mixes from anon, authenticated;
grant select, insert, update, delete on table public.monitor_mixes to authenticated;

create trigger set_updated_at
  before update on public.monitor_mixes
  for each row execute function private.set_updated_at();

create policy monitor_mixes_select_member on public.monitor_mixes
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy monitor_mixes_insert_member on public.monitor_mixes
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy monitor_mixes_update_member on public.monitor_mixes
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy monitor_mixes_delete_member on public.monitor_mixes
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- monitor_mix_sends: which patch channel goes into which mix, and how loud
------------------------------------------------------------------------
create table public.monitor_mix_sends (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  monitor_mix_id uuid not null,
  patch_channel_id uuid not null,
  level_db numeric(4, 1) not null default 0 check (level_db between -90 and 10),
  pan numeric(3, 2) check (pan between -1 and 1),
  pre_fader boolean not null default true,
  created_at timestamptz not null default now(),
  constraint monitor_mix_sends_mix_channel_key unique (monitor_mix_id, patch_channel_id),
  constraint monitor_mix_sends_monitor_mix_fkey
    foreign key (org_id, monitor_mix_id) references public.monitor_mixes (org_id, id)
    on delete cascade,
  constraint monitor_mix_sends_patch_channel_fkey
    foreign key (org_id, patch_channel_id) references public.patch_channels (org_id, id)
    on delete cascade
);

create index monitor_mix_sends_org_id_monitor_mix_id_idx on public.monitor_mix_sends (org_id, monitor_mix_id);
create index monitor_mix_sends_org_id_patch_channel_id_idx on public.monitor_mix_sends (org_id, patch_channel_id);

alter table public.monitor_mix_sends enable row level security;
revoke all on table public.monitor_mix_sends from anon, authenticated;
grant select, insert, update, delete on table public.monitor_mix_sends to authenticated;

create policy monitor_mix_sends_select_member on public.monitor_mix_sends
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy monitor_mix_sends_insert_member on public.monitor_mix_sends
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy monitor_mix_sends_update_member on public.monitor_mix_sends
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy monitor_mix_sends_delete_member on public.monitor_mix_sends
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- rf_frequencies: wireless mics, IEMs and comms for an event
------------------------------------------------------------------------
create table public.rf_frequencies (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  event_id uuid not null,
  device_type text not null check (device_type in ('handheld', 'bodypack', 'iem', 'comms', 'ifb')),
  device_model text,
  channel_label text not null,
  frequency_mhz numeric(7, 3) not null check (frequency_mhz between 25 and 6000),
  rf_group text,
  assigned_to text,
  notes text,
  created_at timestamptz not null default now(),
  constraint rf_frequencies_event_frequency_key unique (event_id, frequency_mhz),
  constraint rf_frequencies_event_fkey
    foreign key (org_id, event_id) references public.events (org_id, id) on delete cascade
);

create index rf_frequencies_org_id_event_id_idx on public.rf_frequencies (org_id, event_id);

alter table public.rf_frequencies enable row level security;
revoke all on table public.rf_frequencies from anon, authenticated;
grant select, insert, update, delete on table public.rf_frequencies to authenticated;

create policy rf_frequencies_select_member on public.rf_frequencies
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy rf_frequencies_insert_member on public.rf_frequencies
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy rf_frequencies_update_member on public.rf_frequencies
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy rf_frequencies_delete_member on public.rf_frequencies
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));
