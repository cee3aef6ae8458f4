-- Soundcheck: collaboration. Share links for sending paperwork to a
-- visiting engineer, threaded comments, file attachments and in-app
-- notifications.
--
-- Share links are resolved by an Edge Function using the service role;
-- anon has no access to any of these tables.

------------------------------------------------------------------------
-- shared_links
------------------------------------------------------------------------
create table public.shared_links (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  resource_type text not null check (
    resource_type in (
      'patch_sheet', 'stage_plot', 'input_list', 'run_of_show', 'production_schedule'
    )
  ),
  resource_id uuid not null,
  token text not null unique default encode(extensions.gen_random_bytes(24), 'hex'),
  expires_at timestamptz,
  revoked_at timestamptz,
  view_count integer not null default 0 check (view_count >= 0),
  created_by uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now()
);

create index shared_links_org_id_resource_idx on public.shared_links (org_id, resource_type, resource_id);
create index shared_links_created_by_idx on public.shared_links (created_by);

alter table public.shared_links enable row level security;
revoke all on table public.shared_links from anon, authenticated;
grant select, insert, update, delete on table public.shared_links to authenticated;

create policy shared_links_select_member on public.shared_links
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy shared_links_insert_member on public.shared_links
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids())
    and created_by = (select auth.uid())
  );

create policy shared_links_update_creator_or_admin on public.shared_links
  for update to authenticated
  using (
    created_by = (select auth.uid())
    or org_id in (select private.user_admin_org_ids())
  )
  with check (
    org_id in (select private.user_org_ids())
    and (
      created_by = (select auth.uid())
      or org_id in (select private.user_admin_org_ids())
    )
  );

create policy shared_links_delete_creator_or_admin on public.shared_links
  for delete to authenticated
  using (
    created_by = (select auth.uid())
    or org_id in (select private.user_admin_org_ids())
  );

------------------------------------------------------------------------
-- comments (threaded through parent_id, which stays inside the tenant)
------------------------------------------------------------------------
create table public.comments (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  resource_type text not null check (
    resource_type in (
      'event', 'patch_sheet', 'stage_plot', 'input_list', 'run_of_show',
      'production_schedule', 'equipment'
    )
  ),
  resource_id uuid not null,
  parent_id uuid,
  author_id uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  body text not null check (char_length(body) between 1 and 5000),
  resolved_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint comments_org_id_id_key unique (org_id, id),
  constraint comments_parent_fkey
    foreign key (org_id, parent_id) references public.comments (org_id, id) on delete cascade
);

create index comments_org_id_resource_idx on public.comments (org_id, resource_type, resource_id);
create index comments_org_id_parent_id_idx on public.comments (org_id, parent_id);
create index comments_author_id_idx on public.comments (author_id);

alter table public.comments enable row level security;
revoke all on table public.comments from anon, authenticated;
grant select, insert, update, delete on table public.comments to authenticated;

create trigger set_updated_at
  before update on public.comments
  for each row execute function private.set_updated_at();

create policy comments_select_member on public.comments
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy comments_insert_author on public.comments
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids())
    and author_id = (select auth.uid())
  );

create policy comments_update_author on public.comments
  for update to authenticated
  using (
    author_id = (select auth.uid())
    and org_id in (select private.user_org_ids())
  )
  with check (
    author_id = (select auth.uid())
    and org_id in (select private.user_org_ids())
  );

create policy comments_delete_author_or_admin on public.comments
  for delete to authenticated
  using (
    author_id = (select auth.uid())
    or org_id in (select private.user_admin_org_ids())
  );

------------------------------------------------------------------------
-- attachments: metadata for files stored in the 'stage-plots' bucket
------------------------------------------------------------------------
create table public.attachments (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  resource_type text not null check (
    resource_type in (
      'event', 'patch_sheet', 'stage_plot', 'input_list', 'run_of_show',
      'production_schedule', 'equipment', 'show_report'
    )
  ),
  resource_id uuid not null,
  bucket_id text not null default 'stage-plots' check (bucket_id in ('stage-plots')),
  object_path text not null,
  file_name text not null,
  content_type text,
  size_bytes bigint check (size_bytes >= 0),
  uploaded_by uuid not null default auth.uid() references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now(),
  constraint attachments_object_key unique (bucket_id, object_path)
);

create index attachments_org_id_resource_idx on public.attachments (org_id, resource_type, resource_id);
create index attachments_uploaded_by_idx on public.attachments (uploaded_by);

alter table public.attachments enable row level security;
revoke all on table public.attachments from anon, authenticated;
grant select, insert, update, delete on table public.attachments to authenticated;

create policy attachments_select_member on public.attachments
  for select to authenticated
  using (org_id in (select private.user_org_ids()));

create policy attachments_insert_uploader on public.attachments
  for insert to authenticated
  with check (
    org_id in (select private.user_org_ids())
    and uploaded_by = (select auth.uid())
  );

create policy attachments_update_uploader on public.attachments
  for update to authenticated
  using (
    uploaded_by = (select auth.uid())
    and org_id in (select private.user_org_ids())
  )
  with check (
    uploaded_by = (select auth.uid())
    and org_id in (select private.user_org_ids())
  );

create policy attachments_delete_uploader_or_admin on public.attachments
  for delete to authenticated
  using (
    uploaded_by = (select auth.uid())
    or org_id in (select private.user_admin_org_ids())
  );

------------------------------------------------------------------------
-- notifications: each user sees only their own; a member may notify
-- people they share an organisation with.
------------------------------------------------------------------------
create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.profiles (id) on delete cascade,
  org_id uuid references public.organisations (id) on delete cascade,
  actor_id uuid default auth.uid() references public.profiles (id) on delete set null,
  kind text not null check (
    kind in (
      'comment', 'mention', 'crew_call', 'schedule_published', 'share', 'equipment_booking'
    )
  ),
  title text not null,
  body text,
  payload jsonb not null default '{}'::jsonb,
  read_at timestamptz,
  created_at timestamptz not null default now()
);

create index notifications_user_id_created_at_idx on public.notifications (user_id, created_at desc);
create index notifications_org_id_idx on public.notifications (org_id);
create index notifications_actor_id_idx on public.notifications (actor_id);

alter table public.notifications enable row level security;
revoke all on table public.notifications from anon, authenticated;
grant select, insert, update, delete on table public.notifications to authenticated;

create policy notifications_select_own on public.notifications
  for select to authenticated
  using (user_id = (select auth.uid()));

create policy notifications_insert_peer on public.notifications
  for insert to authenticated
  with check (
    actor_id = (select auth.uid())
    and org_id in (select private.user_org_ids())
    and user_id in (select private.org_peer_ids())
  );

create policy notifications_update_own on public.notifications
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy notifications_delete_own on public.notifications
  for delete to authenticated
  using (user_id = (select auth.uid()));
