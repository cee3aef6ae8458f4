-- Soundcheck: file storage.
--
-- One private bucket for stage plot images, input list PDFs and other
-- attachments. Objects live under a folder named after the uploader:
--   stage-plots/<auth.uid()>/<anything>
-- Users manage only their own folder; colleagues get short-lived signed
-- URLs issued by an Edge Function after checking public.attachments.

insert into storage.buckets (id, name, public)
values ('stage-plots', 'stage-plots', false)
on conflict (id) do nothing;

create policy stage_plots_objects_select_own on storage.objects
  for select to authenticated
  using (
    bucket_id = 'stage-plots'
    and (storage.foldername(name))[1] = (select auth.uid())::text
  );

create policy stage_plots_objects_insert_own on storage.objects
  for insert to authenticated
  with check (
    bucket_id = 'stage-plots'
    and (storage.foldername(name))[1] = (select auth.uid())::text
  );

create policy stage_plots_objects_update_own on storage.objects
  for update to authenticated
  using (
    bucket_id = 'stage-plots'
    and (storage.foldername(name))[1] = (select auth.uid())::text
  )
  with check (
    bucket_id = 'stage-plots'
    and (storage.foldername(name))[1] = (select auth.uid())::text
  );

create policy stage_plots_objects_delete_own on storage.objects
  for delete to authenticated
  using (
    bucket_id = 'stage-plots'
    and (storage.foldername(name))[1] = (select auth.uid())::text
  );
