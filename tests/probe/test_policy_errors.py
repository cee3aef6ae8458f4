"""A user's own request that fails inside a policy is a finding, not a deny; errors that a
policy did not raise (a trigger's) are not."""

from __future__ import annotations

from tests.probe.conftest import by_rule
from toolkit.model import Level

RECURSIVE_MEMBERS = """
create table public.orgs (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_by uuid not null default auth.uid() references auth.users (id)
);
create table public.members (
  org_id uuid not null references public.orgs (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  primary key (org_id, user_id)
);
create table public.logs (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references auth.users (id),
  body text not null
);
alter table public.orgs enable row level security;
alter table public.members enable row level security;
alter table public.logs enable row level security;
create policy members_read on public.members for select to authenticated
  using (org_id in (select m.org_id from public.members m where m.user_id = (select auth.uid())));
create policy orgs_read on public.orgs for select to authenticated
  using (id in (select m.org_id from public.members m where m.user_id = (select auth.uid())));
create policy logs_own on public.logs for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create function public.logs_are_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'logs are written by the server';
end $$;
create trigger logs_append_only before insert on public.logs
  for each row when (current_user = 'authenticated')
  execute function public.logs_are_append_only();
"""


def test_a_recursing_policy_breaks_users_own_requests(probe_sql):  # type: ignore[no-untyped-def]
    result = probe_sql(RECURSIVE_MEMBERS)
    found = {f.object.name: f for f in by_rule(result, "probe_policy_error")}
    assert set(found) == {"members", "orgs"}  # logs: the trigger's error is not a policy's
    members = found["members"]
    assert members.level is Level.ERROR
    assert members.cause == "policy_recursion"  # policy_infinite_recursion's: one finding in a report
    # only the read: members has no update or delete policy, so those requests are not meant to work
    assert members.message.startswith("user A could not read their own rows in "
                                      'public.members: infinite recursion detected in policy for '
                                      'relation "members" (raised while checking policy members_read)')
    assert members.evidence["policies"] == ["members_read on public.members"]
    lines = RECURSIVE_MEMBERS.lstrip("\n").splitlines()
    assert members.location is not None and "members_read" in lines[members.location.line - 1]
    assert {r["outcome"] for r in members.evidence["requests"]} == {"error"}
    assert found["orgs"].message.startswith("user A could not read their own rows in "
                                            "public.orgs: infinite recursion detected in policy for relation "
                                            "\"members\" (raised while checking policy orgs_read)")
    logs = next(t for t in result.tables if t.table.name == "logs")
    insert = next(a for a in logs.attempts if a.caller == "A" and a.purpose == "own" and a.command == "insert")
    assert insert.outcome == "error" and not insert.in_policy
