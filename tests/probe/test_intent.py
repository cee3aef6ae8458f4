"""What the rows are for decides how loud an observation is: nobody's rows opened on purpose are
public by design (info) or a spam risk (warn); owned rows and changes to others' rows stay errors."""

from __future__ import annotations

from tests.probe.conftest import by_rule
from toolkit.model import Level

CATALOGUE = """
create table public.plans (
  id bigint generated always as identity primary key,
  name text not null unique,
  price_cents integer not null
);
create table public.plan_features (
  plan_id bigint not null references public.plans (id) on delete cascade,
  feature text not null,
  primary key (plan_id, feature)
);
create table public.contacts (
  id bigint generated always as identity primary key,
  name text not null,
  email text not null
);
create table public.waitlist (
  id bigint generated always as identity primary key,
  email text not null unique,
  created_at timestamptz not null default now()
);
create table public.notes (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  body text not null
);
alter table public.plans enable row level security;
alter table public.plan_features enable row level security;
alter table public.contacts enable row level security;
alter table public.waitlist enable row level security;
alter table public.notes enable row level security;
create policy plans_public on public.plans for select to anon, authenticated using (true);
create policy plan_features_public on public.plan_features for select to anon, authenticated using (true);
create policy contacts_public on public.contacts for select to anon using (true);
create policy waitlist_join on public.waitlist for insert to anon with check (true);
create policy notes_public on public.notes for select to anon using (true);
create policy notes_insert_own on public.notes for insert to authenticated
  with check (user_id = (select auth.uid()));
"""


def _levels(result, rule):  # type: ignore[no-untyped-def]
    return {f.object.name: f.level for f in by_rule(result, rule)}


def test_intended_public_rows_are_info_and_a_waitlist_is_a_warning(probe_sql):  # type: ignore[no-untyped-def]
    result = probe_sql(CATALOGUE)
    assert _levels(result, "probe_anon_read") == {
        "plans": Level.INFO, "plan_features": Level.INFO,  # a catalogue: nobody's rows
        "contacts": Level.ERROR,  # nobody's rows, but emails
        "notes": Level.ERROR,  # owned rows read by anon
    }
    plans = next(f for f in by_rule(result, "probe_anon_read") if f.object.name == "plans")
    assert plans.message.endswith("(allowed by policy plans_public); public by policy: public.plans "
                                  "holds no user or tenant data")
    contacts = next(f for f in by_rule(result, "probe_anon_read") if f.object.name == "contacts")
    assert "anon also read email" in contacts.message
    (spam,) = by_rule(result, "probe_anon_write")
    assert spam.object.name == "waitlist" and spam.level is Level.WARN
    assert spam.message.endswith("a spam risk: public.waitlist holds no user or tenant data")


def test_anon_changing_nobodys_rows_or_rls_off_stays_an_error(probe_sql):  # type: ignore[no-untyped-def]
    result = probe_sql("""
create table public.waitlist (id bigint generated always as identity primary key, email text not null);
create table public.counters (id bigint generated always as identity primary key, hits integer not null);
alter table public.waitlist enable row level security;
create policy waitlist_join on public.waitlist for insert to anon with check (true);
create policy waitlist_read on public.waitlist for select to anon using (true);
create policy waitlist_edit on public.waitlist for update to anon using (true);
""")
    assert _levels(result, "probe_anon_write") == {"waitlist": Level.ERROR, "counters": Level.ERROR}
    # RLS off: no policy says the counters are public; the waitlist's emails are not public data
    assert _levels(result, "probe_anon_read") == {"counters": Level.ERROR, "waitlist": Level.ERROR}
