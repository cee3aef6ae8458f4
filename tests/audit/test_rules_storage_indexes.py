"""Storage policy scoping and the index rules on real migrations."""

from __future__ import annotations

import pytest

from tests.audit.conftest import Audited
from toolkit.model import Category, Level

A = "20240101000000_storage.sql"
B = "20240102000000_indexes.sql"
FILES = {
    A: """
    insert into storage.buckets (id, name, public)
      values ('avatars', 'avatars', true), ('contracts', 'contracts', false);
    create policy "contracts read any" on storage.objects for select to authenticated
      using (bucket_id = 'contracts');
    create policy "contracts own folder" on storage.objects for select to authenticated
      using (bucket_id = 'contracts' and (storage.foldername(name))[1] = (select auth.uid())::text);
    create policy "avatars read" on storage.objects for select using (bucket_id = 'avatars');
    create policy "avatars upload" on storage.objects for insert to authenticated
      with check (bucket_id = 'avatars');
    create policy "avatars own update" on storage.objects for update to authenticated
      using (bucket_id = 'avatars' and owner = (select auth.uid()));
    create policy "anything goes" on storage.objects for delete to authenticated using (true);
    create table public.chats (id uuid primary key, shared boolean not null default false);
    insert into storage.buckets (id, name, public) values ('chat-images', 'chat-images', false);
    create policy "chat images" on storage.objects for select to authenticated
      using (bucket_id = 'chat-images' and ((storage.foldername(name))[1] = (select auth.uid())::text
        or exists (select 1 from public.chats c where c.id::text = (storage.foldername(name))[2] and c.shared)));
    create policy "chat images or anyone" on storage.objects for select to authenticated
      using (bucket_id = 'chat-images' and ((select auth.role()) = 'authenticated'
        or exists (select 1 from public.chats c where c.id::text = (storage.foldername(name))[2] and c.shared)));
    """,
    B: """
    create table public.projects (id bigint primary key, name text);
    create table public.tasks (id bigint primary key, project_id bigint references public.projects (id),
      assignee uuid references auth.users (id), title text);
    create index tasks_title_idx on public.tasks (title);
    create index tasks_title_again on public.tasks (title);
    alter table public.tasks enable row level security;
    create policy "assignee reads" on public.tasks for select to authenticated
      using (assignee = (select auth.uid()));
    create table public.comments (id bigint primary key, task_id bigint references public.tasks (id),
      author uuid references auth.users (id));
    create index comments_task_idx on public.comments (task_id);
    create index comments_author_idx on public.comments (author);
    alter table public.comments enable row level security;
    create policy "authors read" on public.comments for select to authenticated
      using (author = (select auth.uid()));
    create table public.orgs (id uuid primary key);
    create table public.memberships (org_id uuid references public.orgs (id),
      user_id uuid references auth.users (id), primary key (org_id, user_id));
    create table public.invoices (id bigint primary key, org_id uuid not null references public.orgs (id));
    create index invoices_org_idx on public.invoices (org_id);
    alter table public.invoices enable row level security;
    create policy "members read invoices" on public.invoices for select to authenticated
      using (org_id in (select m.org_id from public.memberships m where m.user_id = (select auth.uid())));
    create table public.events (id bigint primary key, kind text, at timestamptz);
    create index events_kind_idx on public.events (kind);
    create index events_kind_at_idx on public.events (kind, at);
    create unique index events_at_key on public.events (at);
    create index events_at_kind_idx on public.events (at, kind);
    create index events_kind_partial on public.events (kind) where at is not null;
    create table public.logs (msg text);
    create schema private;
    create table private.logs (msg text);
    """,
}


@pytest.fixture(scope="module")
def w(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    return audit_world(FILES)


def test_storage_policy_on_private_bucket_without_owner(w: Audited) -> None:
    f = w.one("storage_policy_not_owner_scoped", "storage.contracts read any on storage.objects")
    assert f.level is Level.ERROR
    assert str(f.location) == w.where(A, 'create policy "contracts read any"')
    assert f.evidence["buckets"] == ["contracts"] and f.evidence["commands"] == ["select"]
    g = w.one("storage_policy_not_owner_scoped", "storage.anything goes on storage.objects")
    assert g.level is Level.ERROR and g.evidence["buckets"] == []


def test_storage_policy_on_public_bucket_write_is_warn(w: Audited) -> None:
    f = w.one("storage_policy_not_owner_scoped", "storage.avatars upload on storage.objects")
    assert f.level is Level.WARN and f.evidence["public_buckets"] is True


def test_storage_policy_quiet(w: Audited) -> None:
    w.none("storage_policy_not_owner_scoped", "storage.contracts own folder on storage.objects")
    w.none("storage_policy_not_owner_scoped", "storage.avatars read on storage.objects")
    w.none("storage_policy_not_owner_scoped", "storage.avatars own update on storage.objects")


def test_storage_policy_scoped_by_the_caller_or_a_related_row_is_a_warning(w: Audited) -> None:
    f = w.one("storage_policy_not_owner_scoped", "storage.chat images on storage.objects")
    assert f.level is Level.WARN
    assert f.message.startswith("storage policy 'chat images' lets authenticated select objects in bucket "
                                "chat-images (private) that are not the caller's when a related row allows "
                                "it: EXISTS(SELECT 1 FROM public.chats AS c")
    assert len(f.evidence["related_branches"]) == 1 and "c.shared" in f.evidence["related_branches"][0]
    g = w.one("storage_policy_not_owner_scoped", "storage.chat images or anyone on storage.objects")
    assert g.level is Level.ERROR and "any object" in g.message  # one branch admits any object


def test_storage_policies_not_reported_by_other_rules(w: Audited) -> None:
    assert not [f for f in w.result.findings if f.object.parent == "storage.objects"
                and not f.rule.startswith("storage_")]


def test_unindexed_foreign_key_info_and_warn(w: Audited) -> None:
    f = w.one("unindexed_foreign_key", "public.tasks_project_id_fkey on public.tasks")
    assert f.level is Level.INFO and f.category is Category.PERFORMANCE
    assert str(f.location) == w.where(B, "create table public.tasks")
    assert "create index" in f.remediation and "(project_id)" in f.remediation
    g = w.one("unindexed_foreign_key", "public.tasks_assignee_fkey on public.tasks")
    assert g.level is Level.WARN and g.evidence["policies"] == ["assignee reads"]


def test_unindexed_foreign_key_quiet_when_leading_an_index(w: Audited) -> None:
    w.none("unindexed_foreign_key", "public.comments_task_id_fkey on public.comments")
    w.none("unindexed_foreign_key", "public.memberships_org_id_fkey on public.memberships")
    assert w.findings("unindexed_foreign_key", "public.memberships_user_id_fkey on public.memberships")


def test_policy_column_unindexed(w: Audited) -> None:
    f = w.one("policy_column_unindexed", "public.tasks.assignee on public.tasks")
    assert f.level is Level.WARN
    assert str(f.location) == w.where(B, 'create policy "assignee reads"')
    g = w.one("policy_column_unindexed", "public.memberships.user_id on public.memberships")
    assert str(g.location) == w.where(B, 'create policy "members read invoices"')
    w.none("policy_column_unindexed", "public.comments.author on public.comments")
    w.none("policy_column_unindexed", "public.invoices.org_id on public.invoices")


def test_duplicate_index(w: Audited) -> None:
    f = w.one("duplicate_index", "public.tasks_title_again on public.tasks")
    assert f.level is Level.WARN
    assert str(f.location) == w.where(B, "create index tasks_title_again")
    assert f.evidence["duplicate_of"] == "tasks_title_idx"
    w.none("duplicate_index", "public.tasks_title_idx on public.tasks")
    w.none("duplicate_index", "public.events_kind_idx on public.events")


def test_redundant_index(w: Audited) -> None:
    f = w.one("redundant_index", "public.events_kind_idx on public.events")
    assert f.level is Level.INFO
    assert str(f.location) == w.where(B, "create index events_kind_idx")
    assert f.evidence["covered_by"] == "events_kind_at_idx"
    w.none("redundant_index", "public.events_at_key on public.events")  # unique: enforces something
    w.none("redundant_index", "public.events_kind_partial on public.events")  # other predicate
    w.none("redundant_index", "public.events_kind_at_idx on public.events")


def test_no_primary_key(w: Audited) -> None:
    f = w.one("no_primary_key", "public.logs")
    assert f.level is Level.WARN and f.category is Category.HYGIENE
    assert str(f.location) == w.where(B, "create table public.logs")
    g = w.one("no_primary_key", "private.logs")
    assert g.level is Level.INFO
    w.none("no_primary_key", "public.events")
