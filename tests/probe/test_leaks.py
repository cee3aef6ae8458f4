"""Planted leaks are caught with evidence, and the same schemas written correctly stay quiet."""

from __future__ import annotations

from tests.probe.conftest import MIGRATION, by_rule, rules_for

NOTES = """
create table public.notes (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  body text not null check (char_length(body) between 1 and 500),
  created_at timestamptz not null default now()
);
"""

OWNER_POLICIES = """
alter table public.notes enable row level security;
create policy notes_select_own on public.notes for select to authenticated
  using (user_id = (select auth.uid()));
create policy notes_insert_own on public.notes for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy notes_update_own on public.notes for update to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy notes_delete_own on public.notes for delete to authenticated
  using (user_id = (select auth.uid()));
"""

PROBE_RULES = {"probe_anon_read", "probe_anon_write", "probe_cross_user_read",
               "probe_cross_user_write", "probe_owner_spoof", "expectation_mismatch"}


def test_owner_scoped_table_is_quiet(probe_sql):
    result = probe_sql(NOTES + OWNER_POLICIES)
    assert result.findings == []
    assert result.summary["tables_probed"] == result.summary["tables_exposed"] == 1
    attempts = {(a.caller, a.purpose, a.command): a.outcome for a in result.tables[0].attempts}
    # the probe really asked: B read, updated, deleted, spoofed; A tried to hand the row over
    assert attempts[("B", "read", "select")] == "denied"
    assert attempts[("B", "write", "update")] == "denied"
    assert attempts[("B", "write", "delete")] == "denied"
    assert attempts[("B", "spoof", "insert")] == "denied"
    assert attempts[("A", "handover", "update")] == "denied"


def test_rls_off_is_caught_by_every_rule(probe_sql):
    result = probe_sql(NOTES)
    assert rules_for(result, "notes") == {"probe_anon_read", "probe_anon_write",
                                          "probe_cross_user_read", "probe_cross_user_write",
                                          "probe_owner_spoof"}
    (anon_read,) = by_rule(result, "probe_anon_read")
    assert anon_read.evidence["rls"] is False
    assert anon_read.message.endswith("(RLS is off)")
    request = anon_read.evidence["requests"][0]
    assert request["role"] == "anon" and request["command"] == "select"
    assert request["rows_seen"] == 2  # A's and B's rows
    assert anon_read.location is not None and anon_read.location.file.endswith(MIGRATION)
    (write,) = by_rule(result, "probe_anon_write")
    assert "insert, update and delete" in write.message


def test_using_true_writes_are_caught(probe_sql):
    sql = NOTES + """
alter table public.notes enable row level security;
create policy notes_read_all on public.notes for select to authenticated using (true);
create policy notes_insert_any on public.notes for insert to authenticated with check (true);
create policy notes_update_any on public.notes for update to authenticated using (true);
create policy notes_delete_any on public.notes for delete to authenticated using (true);
"""
    result = probe_sql(sql, settings={"expect": {"notes": {"select": "authenticated"}}})
    assert rules_for(result, "notes") == {"probe_cross_user_write", "probe_owner_spoof"}
    (write,) = by_rule(result, "probe_cross_user_write")
    assert "update and delete" in write.message
    assert write.evidence["policies"] == ["notes_delete_any on public.notes",
                                          "notes_update_any on public.notes"]
    changed = {r["command"]: r["rows_changed"] for r in write.evidence["requests"]}
    assert changed == {"update": 1, "delete": 1}
    # B writes in A's name, and A can give their row to B: two causes, one finding each (the
    # hand-over is the one update_without_with_check sees too)
    spoof, handover = sorted(by_rule(result, "probe_owner_spoof"), key=lambda f: f.cause or "")
    assert spoof.cause is None and handover.cause == "owner_not_pinned"
    assert spoof.message.startswith("user B could insert a row in public.notes in user A's name")
    assert handover.message.startswith("user A could hand their row in public.notes to user B")
    assert spoof.evidence["policies"] == ["notes_insert_any on public.notes"]
    assert handover.evidence["policies"] == ["notes_update_any on public.notes"]
    assert spoof.location is not None
    lines = (sql.lstrip("\n")).splitlines()
    assert "notes_insert_any" in lines[spoof.location.line - 1]


def test_select_policy_that_only_checks_the_role_is_caught(probe_sql):
    sql = NOTES + OWNER_POLICIES.replace(
        "create policy notes_select_own on public.notes for select to authenticated\n"
        "  using (user_id = (select auth.uid()));",
        "create policy notes_select_signed_in on public.notes for select to authenticated\n"
        "  using ((select auth.role()) = 'authenticated');")
    result = probe_sql(sql)
    assert rules_for(result, "notes") == {"probe_cross_user_read"}
    (leak,) = by_rule(result, "probe_cross_user_read")
    assert leak.message.startswith("user B and an anonymous sign-in user read user A's rows "
                                   "in public.notes")
    assert "notes_select_signed_in" in leak.message
    assert leak.evidence["requests"][0]["rows_seen"] == 1
    assert leak.evidence["requests"][0]["caller"] == "user B"
    lines = (sql.lstrip("\n")).splitlines()
    assert leak.location is not None
    assert "notes_select_signed_in" in lines[leak.location.line - 1]


HANDOVER = NOTES + """
alter table public.notes enable row level security;
create function public.owns_note(note_id bigint) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (select 1 from public.notes n where n.id = note_id and n.user_id = (select auth.uid()))
$$;
create policy notes_read_all on public.notes for select to authenticated using (true);
create policy notes_insert_own on public.notes for insert to authenticated
  with check (user_id = (select auth.uid()));
"""


def test_update_without_with_check_that_hands_a_row_over_is_caught(probe_sql):
    # USING doubles as the check of the new row, but a helper that looks the row up by id
    # still sees the old owner, so A can give the note to B.
    sql = HANDOVER + """
create policy notes_update_own on public.notes for update to authenticated
  using ((select public.owns_note(id)));
"""
    result = probe_sql(sql, settings={"expect": {"notes": {"select": "authenticated"}}})
    assert rules_for(result, "notes") == {"probe_owner_spoof"}
    (spoof,) = by_rule(result, "probe_owner_spoof")
    assert "hand their row in public.notes to user B (UPDATE of user_id)" in spoof.message
    assert spoof.evidence["requests"][0]["rows_changed"] == 1
    assert spoof.evidence["policies"] == ["notes_update_own on public.notes"]


def test_update_with_a_with_check_on_the_owner_is_quiet(probe_sql):
    sql = HANDOVER + """
create policy notes_update_own on public.notes for update to authenticated
  using ((select public.owns_note(id))) with check (user_id = (select auth.uid()));
"""
    result = probe_sql(sql, settings={"expect": {"notes": {"select": "authenticated"}}})
    assert result.findings == []
    handover = result.tables[0].find("A", "handover")
    assert handover is not None and handover.outcome == "denied"


TENANT = """
create table public.orgs (
  id uuid primary key default gen_random_uuid(),
  name text not null
);
create table public.org_members (
  org_id uuid not null references public.orgs (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member',
  primary key (org_id, user_id)
);
create table public.projects (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.orgs (id) on delete cascade,
  name text not null
);
alter table public.orgs enable row level security;
alter table public.org_members enable row level security;
alter table public.projects enable row level security;
create policy orgs_member on public.orgs for select to authenticated
  using (id in (select m.org_id from public.org_members m where m.user_id = (select auth.uid())));
create policy members_self on public.org_members for select to authenticated
  using (user_id = (select auth.uid()));
create policy projects_write on public.projects for insert to authenticated
  with check (org_id in (select m.org_id from public.org_members m
                         where m.user_id = (select auth.uid())));
"""


def test_membership_subquery_that_ignores_the_rows_tenant_is_caught(probe_sql):
    sql = TENANT + """
create policy projects_member on public.projects for select to authenticated
  using (exists (select 1 from public.org_members m where m.user_id = (select auth.uid())));
"""
    result = probe_sql(sql)
    assert rules_for(result, "projects") == {"probe_cross_user_read"}
    assert rules_for(result, "orgs") == set() and rules_for(result, "org_members") == set()
    (leak,) = by_rule(result, "probe_cross_user_read")
    assert "projects_member" in leak.message


def test_tenant_scoped_policies_are_quiet(probe_sql):
    sql = TENANT + """
create policy projects_member on public.projects for select to authenticated
  using (org_id in (select m.org_id from public.org_members m where m.user_id = (select auth.uid())));
"""
    result = probe_sql(sql)
    assert [f for f in result.findings if f.rule in PROBE_RULES] == []
    projects = next(t for t in result.tables if t.table.name == "projects")
    assert projects.filled.scope.kind == "tenant"
    spoof = next(a for a in projects.attempts if a.purpose == "spoof")
    assert spoof.outcome == "denied"  # B may not add a project to A's organisation


def test_joining_another_organisation_is_caught(probe_sql):
    sql = TENANT + """
create policy projects_member on public.projects for select to authenticated
  using (org_id in (select m.org_id from public.org_members m where m.user_id = (select auth.uid())));
create policy members_join on public.org_members for insert to authenticated
  with check (user_id = (select auth.uid()));
"""
    result = probe_sql(sql)
    (spoof,) = by_rule(result, "probe_owner_spoof")
    assert spoof.object.name == "org_members"
    assert spoof.message.startswith(
        "user B could join user A's public.orgs by inserting into public.org_members")


BUCKET = """
insert into storage.buckets (id, name, public) values ('docs', 'docs', false);
"""


def test_private_bucket_read_policy_on_bucket_id_only_is_caught(probe_sql):
    sql = BUCKET + """
create policy docs_read on storage.objects for select to authenticated
  using (bucket_id = 'docs');
"""
    result = probe_sql(sql)
    assert result.summary["buckets_probed"] == 1
    (leak,) = by_rule(result, "probe_cross_user_read")
    assert leak.object.type == "bucket" and leak.object.name == "docs"
    assert "private bucket 'docs'" in leak.message and "docs_read" in leak.message
    assert leak.location is not None and leak.location.line == 3


def test_private_bucket_scoped_to_the_owner_folder_is_quiet(probe_sql):
    sql = BUCKET + """
create policy docs_read_own on storage.objects for select to authenticated
  using (bucket_id = 'docs' and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy docs_insert_own on storage.objects for insert to authenticated
  with check (bucket_id = 'docs' and (storage.foldername(name))[1] = (select auth.uid())::text);
"""
    result = probe_sql(sql)
    assert result.findings == []
    bucket = next(t for t in result.tables if t.bucket == "docs")
    outcomes = {(a.caller, a.purpose): a.outcome for a in bucket.attempts}
    assert outcomes[("B", "read")] == "denied"
    assert outcomes[("B", "spoof")] == "denied"


def test_anon_reads_only_what_is_public(probe_sql):
    sql = NOTES + OWNER_POLICIES + """
create policy notes_public on public.notes for select to anon using (true);
"""
    result = probe_sql(sql)
    assert rules_for(result, "notes") == {"probe_anon_read"}
    (leak,) = by_rule(result, "probe_anon_read")
    assert "notes_public" in leak.message
