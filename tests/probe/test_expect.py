"""Declared access: intended sharing is quiet, a difference in either direction is a finding,
and bad declarations are one clear error."""

from __future__ import annotations

import pytest

from tests.probe.conftest import by_rule
from toolkit.errors import ConfigError
from toolkit.model import Level
from toolkit.project import validate_settings

PROFILES = """
create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text not null default 'someone'
);
alter table public.profiles enable row level security;
create policy profiles_read on public.profiles for select to authenticated using (true);
create policy profiles_update_own on public.profiles for update to authenticated
  using (id = (select auth.uid())) with check (id = (select auth.uid()));
"""


def test_declared_sharing_is_not_a_finding(probe_sql):
    result = probe_sql(PROFILES, settings={"expect": {"profiles": {"select": "authenticated",
                                                                   "update": "owner"}}})
    assert result.findings == []


def test_undeclared_sharing_is_a_cross_user_read(probe_sql):
    result = probe_sql(PROFILES)
    assert {f.rule for f in result.findings} == {"probe_cross_user_read"}


def test_more_access_than_declared_is_an_error(probe_sql):
    result = probe_sql(PROFILES, settings={"expect": {"public.profiles": {"select": "owner"}}})
    (f,) = by_rule(result, "expectation_mismatch")
    assert f.level is Level.ERROR
    assert f.message == ("public.profiles: select is declared 'owner' but user B could read "
                         "user A's rows (observed 'authenticated') (allowed by policy profiles_read)")
    assert f.evidence["declared"] == "owner" and f.evidence["observed"] == "authenticated"
    assert by_rule(result, "probe_cross_user_read") == []  # the declaration replaces it


def test_less_access_than_declared_is_a_warning(probe_sql):
    result = probe_sql(PROFILES, settings={"expect": {"profiles": {"select": "public"}}})
    (f,) = by_rule(result, "expectation_mismatch")
    assert f.level is Level.WARN
    assert "declared 'public' but the probe saw only 'authenticated' access" in f.message


def test_all_declares_every_command(probe_sql):
    result = probe_sql(PROFILES, settings={"expect": {"profiles": {"all": "none"}}})
    got = {f.evidence["command"]: (f.evidence["observed"], f.level)
           for f in by_rule(result, "expectation_mismatch")}
    assert got["select"] == ("authenticated", Level.ERROR)
    assert got["update"] == ("owner", Level.ERROR)  # A may update their own profile


TENANT = """
create table public.teams (id uuid primary key default gen_random_uuid(), name text not null);
create table public.team_members (
  team_id uuid not null references public.teams (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  primary key (team_id, user_id)
);
create table public.docs (
  id uuid primary key default gen_random_uuid(),
  team_id uuid not null references public.teams (id) on delete cascade,
  author_id uuid not null default auth.uid() references auth.users (id),
  body text not null
);
create function public.my_teams() returns setof uuid language sql stable security definer
set search_path = '' as $$
  select team_id from public.team_members where user_id = (select auth.uid())
$$;
alter table public.teams enable row level security;
alter table public.team_members enable row level security;
alter table public.docs enable row level security;
create policy docs_team on public.docs for select to authenticated
  using (team_id in (select public.my_teams()));
"""


def test_tenant_sharing_matches_a_tenant_declaration(probe_sql):
    result = probe_sql(TENANT, settings={"expect": {"docs": {"select": "tenant"}}})
    assert by_rule(result, "expectation_mismatch") == []
    docs = next(r for r in result.tables if r.table.name == "docs")
    peer = docs.find("C", "peer")
    assert peer is not None and peer.outcome == "allowed"  # A's colleague reads A's doc


def test_tenant_sharing_breaks_an_owner_declaration(probe_sql):
    result = probe_sql(TENANT, settings={"expect": {"docs": {"select": "owner"}}})
    (f,) = by_rule(result, "expectation_mismatch")
    assert "user C (a colleague of A's) could read user A's rows (observed 'tenant')" in f.message


def test_a_declaration_for_an_unknown_table_is_reported(probe_sql):
    result = probe_sql(PROFILES, settings={"expect": {"profile": {"select": "authenticated"}}})
    (f,) = by_rule(result, "expectation_mismatch")
    assert f.level is Level.WARN
    assert "expect.profile names no table the Data API exposes; did you mean 'profiles'?" in f.message


@pytest.mark.parametrize(("raw", "message"), [
    ({"expect": {"profiles": {"select": "publc"}}},
     "expect.profiles.select = 'publc' is not an access level; did you mean 'public'?"),
    ({"expect": {"profiles": {"selct": "public"}}},
     "expect.profiles: unknown command 'selct'; did you mean 'select'?"),
    ({"expect": {"profiles": "public"}}, "expect.profiles must be a table"),
    ({"expect": ["profiles"]}, "expect must hold one table per database table"),
    ({"probe": {"skipp": []}}, "probe: unknown key 'skipp'; did you mean 'skip'?"),
    ({"probe": {"skip": "public.t"}}, "probe.skip must be a list of table or function names"),
    ({"probe": {"storage": "yes"}}, "probe.storage must be a boolean"),
])
def test_bad_declarations_are_one_clear_error(raw, message):
    with pytest.raises(ConfigError) as e:
        validate_settings(raw, None)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_schema_tables_nest_in_toml():
    got = validate_settings({"expect": {"public": {"profiles": {"select": "public"}}}}, None)
    assert got["expect"] == {"public.profiles": {"select": "public"}}
