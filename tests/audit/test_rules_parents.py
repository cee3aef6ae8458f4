"""parent_key_not_checked: the static side of the probe's "B's row under A's parent"."""

from __future__ import annotations

import pytest

from tests.audit.conftest import Audited
from tests.probe.test_parents import OWNER_ONLY, PARENT_PINNED, TABLES
from toolkit.model import Level

A = "20240101000000_parents.sql"


@pytest.fixture(scope="module")
def hole(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    return audit_world({A: TABLES + OWNER_ONLY})


@pytest.fixture(scope="module")
def pinned(audit_world) -> Audited:  # type: ignore[no-untyped-def]
    return audit_world({A: TABLES + PARENT_PINNED})


def test_an_insert_check_that_ignores_a_private_parent_is_reported(hole: Audited) -> None:
    shown = hole.one("parent_key_not_checked", "public.project_notes_insert_own on public.project_notes")
    assert shown.level is Level.ERROR  # the project's owner reads notes in their project
    f = hole.one("parent_key_not_checked", "public.tasks_insert_own on public.tasks")
    assert f.level is Level.ERROR  # only its author reads the task, but it blocks the project's deletion
    assert "with tasks_project_id_fkey not cascading, keep its owner from deleting it" in f.message
    files = hole.one("parent_key_not_checked", "public.project_files_own on public.project_files")
    assert files.level is Level.WARN and "only its author can read it there" in files.message
    assert f.message.startswith("policy 'tasks_insert_own' on public.tasks lets authenticated insert rows "
                                "without checking project_id → public.projects")
    assert f.remediation == (
        "alter policy tasks_insert_own on public.tasks with check ((( SELECT auth.uid() AS uid) = user_id) "
        "and exists (select 1 from public.projects p where p.id = tasks.project_id "
        "and p.user_id = (select auth.uid())));")
    g = hole.one("parent_key_not_checked", "public.tasks_update_own on public.tasks")
    assert g.evidence["commands"] == ["update"]
    # the probe files its proof under the same cause, so a report shows one finding per table
    assert f.cause == g.cause == "parent_key(project_id)"


def test_a_parent_everyone_may_read_or_a_pinned_parent_is_quiet(hole: Audited, pinned: Audited) -> None:
    hole.none("parent_key_not_checked", "public.comments_insert_own on public.comments")  # public posts
    assert pinned.findings("parent_key_not_checked") == []
