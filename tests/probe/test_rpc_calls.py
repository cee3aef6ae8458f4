"""How the RPC probe calls: a join into A's organisation is a write, an invoker function's write
as anon is seen through the same triggers, a call that runs too long stops at the timeout, and a
function that sends HTTP requests meets the pg_net stub, which keeps nothing."""

from __future__ import annotations

import pytest

from tests.probe.conftest import by_rule
from toolkit.probe import rpc

SCHEMA = """
create extension if not exists pg_net;
create table public.orgs (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_by uuid not null default auth.uid() references auth.users (id)
);
create table public.org_members (
  org_id uuid not null references public.orgs (id),
  user_id uuid not null references auth.users (id),
  primary key (org_id, user_id)
);
alter table public.orgs enable row level security;
alter table public.org_members enable row level security;
create policy members_own on public.org_members for select to authenticated
  using (user_id = (select auth.uid()));
create policy orgs_members on public.orgs for select to authenticated
  using (id in (select m.org_id from public.org_members m where m.user_id = (select auth.uid())));

create table public.guestbook (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references auth.users (id),
  body text not null
);
alter table public.guestbook enable row level security;
create policy guestbook_own on public.guestbook for select to authenticated
  using (user_id = (select auth.uid()));
create policy guestbook_wall on public.guestbook for select to anon using (true);
create policy guestbook_edit on public.guestbook for update to anon using (true);

create function public.join_org(org_id uuid) returns void
  language sql security definer set search_path = ''
  as $$ insert into public.org_members (org_id, user_id) values (org_id, (select auth.uid())) $$;
create function public.edit_guestbook(guestbook_id bigint) returns void
  language sql security invoker set search_path = ''
  as $$ update public.guestbook set body = 'defaced' where id = guestbook_id $$;
create function public.slow_report() returns int
  language sql security definer set search_path = ''
  as $$ select 1 from pg_sleep(3) $$;
create function public.reset_profile(user_id uuid) returns void
  language sql security definer set search_path = ''
  as $$ update auth.users set raw_user_meta_data = '{}' where id = reset_profile.user_id $$;
revoke execute on function public.reset_profile(uuid) from public, anon;
grant execute on function public.reset_profile(uuid) to authenticated;
create function public.unnamed(uuid) returns int language sql as $$ select 1 $$;
create function public.touch() returns trigger language plpgsql as $$ begin return new; end $$;
create function public.ping_org(org_id uuid) returns bigint
  language sql security definer set search_path = ''
  as $$ select net.http_post(url := 'https://example.com/hook',
                             body := jsonb_build_object('org', org_id)) $$;
"""


@pytest.fixture
def probed(probe_sql, monkeypatch, db):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(rpc, "TIMEOUT", "300ms")
    result = probe_sql(SCHEMA)
    with db.connect() as conn:
        queued = conn.execute("select count(*) from net.http_request_queue").fetchone()
    return result, queued


def test_rpc_calls(probed) -> None:  # type: ignore[no-untyped-def]
    result, queued = probed
    fns = {r.function.name: r for r in result.functions}
    # B joins A's organisation through a definer function that never checks an invitation
    (join,) = [f for f in by_rule(result, "probe_rpc_cross_user_write") if f.object.name.startswith("join_org")]
    (change,) = join.evidence["requests"][0]["changed"]
    assert change["table"] == "public.org_members" and change["change"] == "insert"
    assert "a link to user A's row of public.orgs" in join.message
    # an invoker function's write as anon, allowed by the table's policy, is seen too
    (edit,) = [f for f in by_rule(result, "probe_rpc_anon_write") if f.object.name.startswith("edit_guestbook")]
    assert edit.evidence["security_definer"] is False
    assert edit.evidence["requests"][0]["changed"][0]["columns"]["body"]["after"] == "defaced"
    # auth.users is watched too: B rewrote A's sign-up metadata
    (reset,) = [f for f in by_rule(result, "probe_rpc_cross_user_write")
                if f.object.name.startswith("reset_profile")]
    (change,) = reset.evidence["requests"][0]["changed"]
    assert change["table"] == "auth.users" and "raw_user_meta_data" in change["columns"]
    # a call that runs too long stops at the statement timeout, and says so
    assert fns["slow_report"].skipped is not None and "statement timeout" in fns["slow_report"].skipped
    # the pg_net stub queued the request inside the call, and the rollback took it away
    assert fns["ping_org"].skipped is None
    assert all(c.outcome == "returned" for c in fns["ping_org"].calls)
    assert queued == (0,)
    assert result.summary["functions_exposed"] == 5 and result.summary["functions_probed"] == 4
    # PostgREST serves neither a function with an unnamed argument nor a trigger function
    assert result.summary["functions_not_served"] == 2


def test_an_argument_typed_with_a_tables_key_domain_gets_a_row_key(probe_sql) -> None:  # type: ignore[no-untyped-def]
    result = probe_sql("""
    create domain public.ticket_ref as uuid;
    create table public.tickets (
      id public.ticket_ref primary key default gen_random_uuid()::public.ticket_ref,
      user_id uuid not null default auth.uid() references auth.users (id),
      subject text not null
    );
    alter table public.tickets enable row level security;
    create function public.ticket(t public.ticket_ref) returns setof public.tickets
      language sql stable security definer set search_path = ''
      as $$ select * from public.tickets where id = t $$;
    """)
    (fn,) = result.functions
    assert fn.given == {"t": "user A's public.tickets.id"}
    assert {f.rule for f in result.findings if f.object.type == "function"} == {
        "probe_rpc_cross_user_read", "probe_rpc_anon_read"}
