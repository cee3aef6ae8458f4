-- A user changes nothing of their notifications but read_at (marking them read). With the
-- whole row updatable, a user could move a notification of theirs under another organisation
-- (org_id is checked only when the notification is created).
revoke update on table public.notifications from authenticated;
grant update (read_at) on table public.notifications to authenticated;
