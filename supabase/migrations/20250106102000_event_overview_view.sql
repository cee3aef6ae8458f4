-- Soundcheck: dashboard view. security_invoker makes the view run with
-- the caller's privileges, so the RLS policies of events, venues,
-- event_crew and patch_sheets still apply.

create view public.event_overview
with (security_invoker = true)
as
select
  e.id,
  e.org_id,
  e.name,
  e.status,
  e.starts_at,
  e.ends_at,
  e.timezone,
  v.name as venue_name,
  v.city as venue_city,
  (select count(*) from public.event_crew c where c.org_id = e.org_id and c.event_id = e.id) as crew_count,
  (select count(*) from public.patch_sheets p where p.org_id = e.org_id and p.event_id = e.id) as patch_sheet_count,
  (select count(*) from public.rf_frequencies f where f.org_id = e.org_id and f.event_id = e.id) as rf_channel_count
from public.events e
left join public.venues v on v.id = e.venue_id;

comment on view public.event_overview is
  'Per-event summary for the dashboard; RLS of the underlying tables applies.';

revoke all on table public.event_overview from anon, authenticated;
grant select on table public.event_overview to authenticated;
