-- Soundcheck: stage plots, the run of show (cue list), the production
-- schedule for the day and the post-show report (SPL log, incidents).

------------------------------------------------------------------------
-- stage_plots (image_path is an object name in the private 'stage-plots'
-- storage bucket, e.g. '<user id>/<plot id>.png')
------------------------------------------------------------------------
create table public.stage_plots (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  event_id uuid,
  title text not null check (char_length(title) between 1 and 200),
  width_m numeric(5, 2) check (width_m > 0),
  depth_m numeric(5, 2) check (depth_m > 0),
  audience_edge text not null default 'bottom'
    check (audience_edge in ('bottom', 'top', 'left', 'right')),
  image_path text,
  notes text,
  created_by uuid default auth.uid() references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint stage_plots_org_id_id_key unique (org_id, id),
  constraint stage_plots_event_fkey
    foreign key (org_id, event_id) references public.events (org_id, id)
    on delete set null (event_id)
);

create index stage_plots_org_id_event_id_idx on public.stage_plots (org_id, event_id);
create index stage_plots_created_by_idx on public.stage_plots (created_by);

alter table public.stage_plots enable row level security;
revoke all on table public.stage_plots from anon, authenticated;
grant select, insert, update, delete on table public.stage_plots to authenticated;

create trigger set_updated_at
  before update on public.stage_plots
  for each row execute function private.set_updated_at();

create policy stage_plots_select_member on public.stage_plots
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy stage_plots_insert_member on public.stage_plots
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids())
    and created_by = (select auth.uid())
  );

create policy stage_plots_update_member on public.stage_plots
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy stage_plots_delete_member on public.stage_plots
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- stage_plot_items: wedges, risers, DI boxes, power drops ... placed on
-- the plot in metres from the downstage-left corner.
------------------------------------------------------------------------
create table public.stage_plot_items (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  stage_plot_id uuid not null,
  patch_channel_id uuid,
  kind text not null check (
    kind in (
      'mic', 'di', 'wedge', 'iem', 'sidefill', 'drum_kit', 'amp', 'keys',
      'riser', 'power_drop', 'stagebox', 'monitor_desk', 'label'
    )
  ),
  label text,
  x_m numeric(6, 2) not null default 0,
  y_m numeric(6, 2) not null default 0,
  rotation_deg integer not null default 0 check (rotation_deg between 0 and 359),
  width_m numeric(5, 2) check (width_m > 0),
  depth_m numeric(5, 2) check (depth_m > 0),
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint stage_plot_items_stage_plot_fkey
    foreign key (org_id, stage_plot_id) references public.stage_plots (org_id, id)
    on delete cascade,
  constraint stage_plot_items_patch_channel_fkey
    foreign key (org_id, patch_channel_id) references public.patch_channels (org_id, id)
    on delete set null (patch_channel_id)
);

create index stage_plot_items_org_id_stage_plot_id_idx on public.stage_plot_items (org_id, stage_plot_id);
create index stage_plot_items_org_id_patch_channel_id_idx on public.stage_plot_items (org_id, patch_channel_id);

alter table public.stage_plot_items enable row level security;
revoke all on table public.stage_plot_items from anon, authenticated;
grant select, insert, update, delete on table public.stage_plot_items to authenticated;

create trigger set_updated_at
  before update on public.stage_plot_items
  for each row execute function private.set_updated_at();

create policy stage_plot_items_select_member on public.stage_plot_items
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy stage_plot_items_insert_member on public.stage_plot_items
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy stage_plot_items_update_member on public.stage_plot_items
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy stage_plot_items_delete_member on public.stage_plot_items
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- run_of_shows and their cues
------------------------------------------------------------------------
create table public.run_of_shows (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  event_id uuid not null,
  title text not null check (char_length(title) between 1 and 200),
  show_date date not null,
  notes text,
  created_by uuid default auth.uid() references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint run_of_shows_org_id_id_key unique (org_id, id),
  constraint run_of_shows_event_fkey
    foreign key (org_id, event_id) references public.events (org_id, id) on delete cascade
);

create index run_of_shows_org_id_event_id_idx on public.run_of_shows (org_id, event_id);
create index run_of_shows_created_by_idx on public.run_of_shows (created_by);

alter table public.run_of_shows enable row level security;
revoke all on table public.run_of_shows from anon, authenticated;
grant select, insert, update, delete on table public.run_of_shows to authenticated;

create trigger set_updated_at
  before update on public.run_of_shows
  for each row execute function private.set_updated_at();

create policy run_of_shows_select_member on public.run_of_shows
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy run_of_shows_insert_member on public.run_of_shows
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids())
    and created_by = (select auth.uid())
  );

create policy run_of_shows_update_member on public.run_of_shows
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy run_of_shows_delete_member on public.run_of_shows
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

create table public.run_of_show_cues (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  run_of_show_id uuid not null,
  position integer not null check (position > 0),
  title text not null,
  planned_at timestamptz,
  duration_seconds integer check (duration_seconds > 0),
  console_scene text,
  audio_notes text,
  tags text[] not null default '{}',
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint run_of_show_cues_position_key unique (run_of_show_id, position)
    deferrable initially deferred,
  constraint run_of_show_cues_run_of_show_fkey
    foreign key (org_id, run_of_show_id) references public.run_of_shows (org_id, id)
    on delete cascade
);

create index run_of_show_cues_org_id_run_of_show_id_idx on public.run_of_show_cues (org_id, run_of_show_id);

alter table public.run_of_show_cues enable row level security;
revoke all on table public.run_of_show_cues from anon, authenticated;
grant select, insert, update, delete on table public.run_of_show_cues to authenticated;

create trigger set_updated_at
  before update on public.run_of_show_cues
  for each row execute function private.set_updated_at();

create policy run_of_show_cues_select_member on public.run_of_show_cues
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy run_of_show_cues_insert_member on public.run_of_show_cues
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy run_of_show_cues_update_member on public.run_of_show_cues
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy run_of_show_cues_delete_member on public.run_of_show_cues
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- production_schedules and their items (load-in, line check, soundcheck,
-- doors, changeovers, curfew, load-out ...)
------------------------------------------------------------------------
create table public.production_schedules (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  event_id uuid not null,
  title text not null check (char_length(title) between 1 and 200),
  schedule_date date not null,
  published_at timestamptz,
  created_by uuid default auth.uid() references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint production_schedules_org_id_id_key unique (org_id, id),
  constraint production_schedules_event_fkey
    foreign key (org_id, event_id) references public.events (org_id, id) on delete cascade
);

create index production_schedules_org_id_event_id_idx on public.production_schedules (org_id, event_id);
create index production_schedules_created_by_idx on public.production_schedules (created_by);

alter table public.production_schedules enable row level security;
revoke all on table public.production_schedules from anon, authenticated;
grant select, insert, update, delete on table public.production_schedules to authenticated;

create trigger set_updated_at
  before update on public.production_schedules
  for each row execute function private.set_updated_at();

create policy production_schedules_select_member on public.production_schedules
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy production_schedules_insert_member on public.production_schedules
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids())
    and created_by = (select auth.uid())
  );

create policy production_schedules_update_member on public.production_schedules
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy production_schedules_delete_admin on public.production_schedules
  for delete to authenticated
  using (org_id in (select private.user_admin_org_ids()));

create table public.schedule_items (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  production_schedule_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz,
  label text not null,
  department text not null default 'audio' check (
    department in (
      'audio', 'lighting', 'video', 'rigging', 'backline', 'stage',
      'catering', 'transport', 'general'
    )
  ),
  location text,
  assigned_to uuid references public.profiles (id) on delete set null,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint schedule_items_ends_after_starts check (ends_at is null or ends_at >= starts_at),
  constraint schedule_items_production_schedule_fkey
    foreign key (org_id, production_schedule_id)
    references public.production_schedules (org_id, id) on delete cascade
);

create index schedule_items_org_id_production_schedule_id_idx
  on public.schedule_items (org_id, production_schedule_id);
create index schedule_items_assigned_to_idx on public.schedule_items (assigned_to);

alter table public.schedule_items enable row level security;
revoke all on table public.schedule_items from anon, authenticated;
grant select, insert, update, delete on table public.schedule_items to authenticated;

create trigger set_updated_at
  before update on public.schedule_items
  for each row execute function private.set_updated_at();

create policy schedule_items_select_member on public.schedule_items
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy schedule_items_insert_member on public.schedule_items
  for insert to authenticated
  with check (org_id in (select private.user_org_ids()));

create policy schedule_items_update_member on public.schedule_items
  for update to authenticated
  using (org_id in (select private.user_org_ids()))
  with check (org_id in (select private.user_org_ids()));

create policy schedule_items_delete_member on public.schedule_items
  for delete to authenticated
  using (org_id in (select private.user_org_ids()));

------------------------------------------------------------------------
-- show_reports: written by the FOH engineer after the show. Anyone in the
-- organisation reads them; only the author edits.
------------------------------------------------------------------------
create table public.show_reports (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null,
  event_id uuid not null,
  author_id uuid default auth.uid() references public.profiles (id) on delete set null,
  spl_limit_dba numeric(4, 1) check (spl_limit_dba between 60 and 130),
  laeq_15min_max_dba numeric(4, 1) check (laeq_15min_max_dba between 30 and 140),
  laeq_show_dba numeric(4, 1) check (laeq_show_dba between 30 and 140),
  peak_dbc numeric(4, 1) check (peak_dbc between 30 and 150),
  incidents text,
  summary text,
  submitted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint show_reports_event_fkey
    foreign key (org_id, event_id) references public.events (org_id, id) on delete cascade
);

create index show_reports_org_id_event_id_idx on public.show_reports (org_id, event_id);
create index show_reports_author_id_idx on public.show_reports (author_id);

alter table public.show_reports enable row level security;
revoke all on table public.show_reports from anon, authenticated;
grant select, insert, update, delete on table public.show_reports to authenticated;

create trigger set_updated_at
  before update on public.show_reports
  for each row execute function private.set_updated_at();

create policy show_reports_select_member on public.show_reports
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy show_reports_insert_author on public.show_reports
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids())
    and author_id = (select auth.uid())
  );

create policy show_reports_update_author on public.show_reports
  for update to authenticated
  using (
    author_id = (select auth.uid())
    and org_id in (select private.user_org_ids())
  )
  with check (
    author_id = (select auth.uid())
    and org_id in (select private.user_org_ids())
  );

create policy show_reports_delete_author_or_admin on public.show_reports
  for delete to authenticated
  using (
    author_id = (select auth.uid())
    or org_id in (select private.user_admin_org_ids())
  );
