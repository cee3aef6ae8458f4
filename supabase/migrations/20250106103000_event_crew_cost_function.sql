-- Soundcheck: crew cost of one event, for the budget panel (supabase.rpc('event_crew_cost')).
-- security invoker: the caller's RLS on event_crew applies, so members of the event's
-- organisation get the sum and everyone else gets 0.

create function public.event_crew_cost(event_id uuid)
returns numeric
language sql
stable
security invoker
set search_path = ''
as $$
  select coalesce(sum(c.day_rate), 0)
  from public.event_crew c
  where c.event_id = event_crew_cost.event_id
$$;

revoke execute on function public.event_crew_cost(uuid) from public, anon;
grant execute on function public.event_crew_cost(uuid) to authenticated;
