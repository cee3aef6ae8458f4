"""supabase/migrations.lock: checked without git, and built so parallel branches conflict in git."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from tests.checks.conftest import BASE_FILES, git
from tests.conftest import write_project
from toolkit.checks.lockfile import check_lock, lock_path, write_lock
from toolkit.cli import main
from toolkit.model import Level
from toolkit.project import Project


def locked(tmp_path: Path) -> Project:
    project = write_project(tmp_path, BASE_FILES)
    write_lock(project)
    return project


def rules(project: Project) -> list[tuple[str, str]]:
    return sorted((f.rule, f.object.name.rsplit("/", 1)[-1]) for f in check_lock(project))


def test_no_lock_file_means_no_opinion(tmp_path: Path) -> None:
    assert check_lock(write_project(tmp_path, BASE_FILES)) == []


def test_a_fresh_lock_matches(tmp_path: Path) -> None:
    project = locked(tmp_path)
    text = lock_path(project).read_text()
    assert text.splitlines()[2].startswith("total ") and "20240102000000_b.sql sha256:" in text
    assert rules(project) == []


def test_edit_delete_and_rename_are_found_without_git(tmp_path: Path) -> None:
    project = locked(tmp_path)
    mdir = project.migrations_dir
    (mdir / "20240101000000_a.sql").write_text("-- edited\n")
    assert rules(project) == [("migration_edited", "20240101000000_a.sql")]
    (mdir / "20240101000000_a.sql").write_text(BASE_FILES["20240101000000_a.sql"])
    (mdir / "20240102000000_b.sql").rename(mdir / "20240102000000_renamed.sql")
    assert rules(project) == [("migration_renamed", "20240102000000_renamed.sql")]
    (mdir / "20240102000000_renamed.sql").unlink()
    assert rules(project) == [("migration_deleted", "20240102000000_b.sql")]


def test_new_files_must_be_locked_and_sort_last(tmp_path: Path) -> None:
    project = locked(tmp_path)
    (project.migrations_dir / "20240103000000_c.sql").write_text("select 1;\n")
    [f] = check_lock(project)
    assert (f.rule, f.level) == ("lock_mismatch", Level.WARN) and "not recorded" in f.message
    write_lock(project)
    assert rules(project) == []
    (project.migrations_dir / "20240101500000_between.sql").write_text("select 1;\n")
    assert rules(project) == [("migration_out_of_order", "20240101500000_between.sql")]


def test_a_hand_edited_or_conflicted_lock_is_an_error(tmp_path: Path) -> None:
    project = locked(tmp_path)
    path = lock_path(project)
    original = path.read_text()
    lines = original.splitlines()
    name, _digest, chain = lines[3].split()
    lines[3] = f"{name} sha256:{'0' * 64} {chain}"
    path.write_text("\n".join(lines) + "\n")
    problems = [f for f in check_lock(project) if f.rule == "lock_mismatch"]
    assert problems and problems[0].level is Level.ERROR and "chain hash" in problems[0].message
    path.write_text(original.replace("total ", "<<<<<<< HEAD\ntotal ", 1))
    [conflict] = [f for f in check_lock(project) if "merge conflict" in f.message]
    assert conflict.level is Level.ERROR and conflict.location and conflict.location.line == 3


def test_parallel_branches_that_add_migrations_conflict_in_git(repo: Callable[..., Project]) -> None:
    project = repo()
    root = project.root.parent
    write_lock(project)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "lock")
    git(root, "checkout", "-qb", "feature")
    (project.migrations_dir / "20240103000000_feature.sql").write_text("select 1;\n")
    write_lock(project)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "feature")
    git(root, "checkout", "-q", "main")
    (project.migrations_dir / "20240104000000_hotfix.sql").write_text("select 2;\n")
    write_lock(project)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "hotfix")
    merge = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "merge", "-q",
                            "feature"], cwd=root, capture_output=True, text=True)
    assert merge.returncode != 0
    assert "app/supabase/migrations.lock" in git(root, "diff", "--name-only", "--diff-filter=U")
    assert any("merge conflict" in f.message for f in check_lock(project))


def test_cli_lock_writes_the_file(tmp_path: Path) -> None:
    project = write_project(tmp_path, BASE_FILES)
    r = CliRunner().invoke(main, ["lock", "--project-dir", str(project.root)])
    assert r.exit_code == 0 and "locked 2 migrations in supabase/migrations.lock" in r.stderr
    assert check_lock(project) == []
