"""--base REF against a real temporary git repository."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.checks.conftest import A, git
from toolkit.checks.immutability import (
    HistoryCheck,
    check_against_base,
    check_history,
    compare_with_base,
)
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


# --- the default base: HEAD, or the branch CI merges into (issue 17, item 5) --------------------


def history(project: Project, env: dict[str, str] | None = None) -> HistoryCheck:
    return check_history(project, None, lambda _m: None, env=env or {})


def test_an_edit_is_found_at_its_first_changed_line(repo: Repo) -> None:
    project = repo()
    path = project.migrations_dir / "20240102000000_b.sql"
    path.write_text(path.read_text().replace("(id bigint)", "(id bigint, note text)"))
    [f] = history(project).findings
    assert f.rule == "migration_edited" and f.location is not None and f.location.line == 2
    assert "differs from the last commit (" in f.message


def test_head_is_the_default_base_and_a_committed_edit_is_fine_there(repo: Repo) -> None:
    project = repo()
    (project.migrations_dir / "20240101000000_a.sql").write_text("-- changed\n" + A)
    assert [f.rule for f in history(project).findings] == ["migration_edited"]
    git(project.root.parent, "commit", "-qam", "edit")
    assert history(project).findings == []


def test_without_base_the_change_is_what_differs_from_head(repo: Repo) -> None:
    project = repo()
    (project.migrations_dir / "20240103000000_c.sql").write_text("select 1;\n")
    assert history(project).changed == {"supabase/migrations/20240103000000_c.sql"}
    git(project.root.parent, "add", "-A")
    git(project.root.parent, "commit", "-qm", "c")
    assert history(project).changed == frozenset()


def test_in_ci_the_merge_base_of_the_target_branch(repo: Repo) -> None:
    project = repo()
    root = project.root.parent
    git(root, "checkout", "-q", "-b", "feature")
    (project.migrations_dir / "20240101000000_a.sql").write_text(A + "-- changed on the branch\n")
    git(root, "commit", "-qam", "edit a merged migration")
    for var in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"):
        got = history(project, {var: "main"})
        [f] = got.findings
        assert f.rule == "migration_edited" and f.location is not None and f.location.line == 3
        assert "the merge base with main (" in f.message and got.warnings == []


def test_a_target_branch_missing_from_the_checkout_is_a_warning(repo: Repo) -> None:
    project = repo()
    got = history(project, {"GITHUB_BASE_REF": "release"})
    assert got.findings == [] and len(got.warnings) == 1
    assert "fetch-depth: 0" in got.warnings[0] and "origin/release" in got.warnings[0]


def test_outside_git_there_is_nothing_to_compare(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.conftest import write_project

    outside = write_project(tmp_path_factory.mktemp("nogit2"), {"20240101000000_a.sql": "select 1;"})
    assert history(outside).findings == [] and history(outside).info == {}


def test_a_commit_named_by_its_hash_is_named_once(repo: Repo) -> None:
    project = repo()
    sha = git(project.root.parent, "rev-parse", "HEAD").strip()
    (project.migrations_dir / "20240101000000_a.sql").write_text("select 2;\n")
    [f] = check_against_base(project, sha)
    assert f.message.endswith(f"differs from {sha[:12]}")
