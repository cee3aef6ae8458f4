"""--base REF against a real temporary git repository."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.checks.conftest import git
from toolkit.checks.immutability import check_against_base, compare_with_base
from toolkit.errors import SupakitError
from toolkit.project import Project

Repo = Callable[..., Project]


def found(project: Project, ref: str = "base") -> list[tuple[str, str]]:
    return sorted((f.rule, f.object.name.rsplit("/", 1)[-1]) for f in check_against_base(project, ref))


def test_untouched_history_and_a_new_later_migration_pass(repo: Repo) -> None:
    project = repo()
    assert found(project) == []
    (project.migrations_dir / "20240103000000_c.sql").write_text("select 1;\n")
    assert found(project) == []


def test_the_change_is_the_new_and_edited_migrations(repo: Repo) -> None:
    project = repo()
    (project.migrations_dir / "20240102000000_b.sql").write_text("-- changed\n")
    (project.migrations_dir / "20240103000000_c.sql").write_text("select 1;\n")
    _, changed = compare_with_base(project, "base")
    assert changed == {"supabase/migrations/20240102000000_b.sql", "supabase/migrations/20240103000000_c.sql"}


def test_an_edited_migration(repo: Repo) -> None:
    project = repo()
    (project.migrations_dir / "20240101000000_a.sql").write_text("create table private.a (id text);\n")
    [f] = check_against_base(project, "base")
    assert (f.rule, f.level.value) == ("migration_edited", "error")
    assert f.location and f.location.file == "supabase/migrations/20240101000000_a.sql"
    assert "base (" in f.message and f.evidence["source"] == "git"


def test_a_committed_edit_is_found_too(repo: Repo) -> None:
    project = repo()
    (project.migrations_dir / "20240102000000_b.sql").write_text("-- changed\n")
    git(project.root.parent, "commit", "-qam", "edit")
    assert found(project) == [("migration_edited", "20240102000000_b.sql")]
    assert found(project, "HEAD") == []


def test_a_renamed_migration(repo: Repo) -> None:
    project = repo()
    mdir = project.migrations_dir
    (mdir / "20240102000000_b.sql").rename(mdir / "20240102000000_create_b.sql")
    [f] = check_against_base(project, "base")
    assert f.rule == "migration_renamed" and f.evidence["old_name"] == "20240102000000_b.sql"
    assert f.object.name.endswith("20240102000000_create_b.sql")


def test_a_renamed_and_re_versioned_migration_is_a_rename_not_an_out_of_order_file(repo: Repo) -> None:
    project = repo()
    mdir = project.migrations_dir
    (mdir / "20240101000000_a.sql").rename(mdir / "20230101000000_a.sql")
    assert found(project) == [("migration_renamed", "20230101000000_a.sql")]


def test_a_deleted_migration(repo: Repo) -> None:
    project = repo()
    (project.migrations_dir / "20240101000000_a.sql").unlink()
    [f] = check_against_base(project, "base")
    assert f.rule == "migration_deleted" and f.location is None and "20240101000000_a.sql" in f.message


def test_a_new_migration_that_sorts_before_merged_ones(repo: Repo) -> None:
    project = repo()
    (project.migrations_dir / "20240101120000_late_branch.sql").write_text("select 1;\n")
    [f] = check_against_base(project, "base")
    assert f.rule == "migration_out_of_order" and f.evidence["newest"] == "20240102000000"


def test_unknown_ref_and_not_a_repository(repo: Repo, tmp_path_factory: pytest.TempPathFactory) -> None:
    project = repo()
    with pytest.raises(SupakitError, match="git ref 'origin/nope' does not exist"):
        check_against_base(project, "origin/nope")
    with pytest.raises(SupakitError, match="not valid"):
        check_against_base(project, "--output=/tmp/x")
    from tests.conftest import write_project

    outside = write_project(tmp_path_factory.mktemp("nogit"), {"20240101000000_a.sql": "select 1;"})
    with pytest.raises(SupakitError, match="not inside a git repository"):
        check_against_base(outside, "main")


def test_base_without_the_migrations_folder_accepts_everything(repo: Repo) -> None:
    project = repo({})
    (project.migrations_dir / "20240101000000_a.sql").write_text("select 1;\n")
    assert found(project) == []
