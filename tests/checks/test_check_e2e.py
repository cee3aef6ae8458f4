"""`supakit check` end to end: static checks, immutability, lint, apply and audit on a real database."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.checks.conftest import git
from tests.conftest import REPO, write_project
from toolkit.checks.lockfile import write_lock
from toolkit.cli import main
from toolkit.project import Project


def check(project_root: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["check", "--project-dir", str(project_root), "--no-seed", *args])
    return r.exit_code, r.stdout, r.stderr


def example(tmp_path: Path) -> Path:
    root = tmp_path / "example"
    shutil.copytree(REPO / "supabase", root / "supabase")
    return root


def test_check_on_the_example_project(engine: Any, tmp_path: Path) -> None:
    root = example(tmp_path)
    code, out, _ = check(root, "--format", "json")
    report = json.loads(out)
    info = report["info"]
    migrations = sorted(p.name for p in (root / "supabase" / "migrations").glob("*.sql"))
    assert info["command"] == "check" and info["applied"] == len(migrations)
    assert info["lint"]["files"] == len(migrations) and info["lint"]["statements"] > 0
    errors = [f for f in report["findings"] if f["level"] == "error"]
    assert code == (1 if errors else 0)
    for fmt in ("github", "sarif", "junit", "markdown", "text"):
        fmt_code, fmt_out, _ = check(root, "--format", fmt, "--no-probe")
        assert fmt_code == code and fmt_out.strip()


def test_a_failing_migration_exits_2_with_file_line_col(engine: Any, tmp_path: Path) -> None:
    project = write_project(tmp_path, {
        "20240101000000_ok.sql": "create schema private;\ncreate table private.a (id bigint primary key);\n",
        "20240101000001_bad.sql": "create table private.b (\n  id bigint references private.nope (id)\n);\n",
    })
    code, out, err = check(project.root)
    assert code == 2 and "Traceback" not in err
    assert err.count("\n") == 1 and "supabase/migrations/20240101000001_bad.sql:" in err and "nope" in err
    # the report still comes, with the failure as a finding at its line
    assert out.startswith("DATABASE INCOMPLETE")
    assert re.search(r"error migration_failed supabase/migrations/20240101000001_bad\.sql:\d+:\d+ ", out), out


def test_a_syntax_error_is_one_finding_seen_by_lint_and_apply(engine: Any, tmp_path: Path) -> None:
    project = write_project(tmp_path, {"20240101000000_a.sql": "create tabel private.a (id int);\n"})
    code, out, err = check(project.root, "--format", "json")
    assert code == 2 and "20240101000000_a.sql:1:8" in err
    [f] = json.loads(out)["findings"]
    assert (f["rule"], f["location"]["line"], f["location"]["column"]) == ("sql_syntax_error", 1, 8)
    assert f["message"] == 'syntax error at or near "tabel"'
    assert [m["rule"] for m in f["merged"]] == ["migration_failed"]


def test_static_and_audit_findings_land_in_one_report(engine: Any, tmp_path: Path) -> None:
    project = write_project(tmp_path, {
        "20240101000000_a.sql": "create table public.open_notes (id bigint primary key, body text);\n",
        "20240102_b.sql": "select 1;\n",
    })
    (project.migrations_dir / "notes.md").write_text("x")
    code, out, _ = check(project.root, "--format", "json")
    findings = json.loads(out)["findings"]
    rules = {f["rule"] for f in findings}
    assert code == 1
    assert {"migration_version_length", "stray_file_in_migrations", "rls_disabled"} <= rules
    # one cause, one finding: the lint hit and the probe's observations ride on the audit's
    [rls] = [f for f in findings if f["object"]["name"] == "open_notes" and f["cause"] == "rls_off"]
    assert rls["rule"] == "rls_disabled"
    assert {"table_without_rls", "probe_anon_read"} <= {m["rule"] for m in rls["merged"]}


def test_duplicate_versions_stop_the_apply_and_say_so(engine: Any, tmp_path: Path) -> None:
    project = write_project(tmp_path, {"20240101000000_a.sql": "select 1;\n", "20240101000000_b.sql": "select 2;\n"})
    code, _, err = check(project.root)
    assert code == 2 and err.count("\n") == 1
    assert "cannot apply the migrations: supabase/migrations/20240101000000_b.sql has version" in err


def test_base_ref_and_lock_file(engine: Any, repo: Callable[..., Project]) -> None:
    project = repo()
    code, _, err = check(project.root, "--base", "no-such-branch")
    assert code == 2 and "git ref 'no-such-branch' does not exist" in err
    code, out, _ = check(project.root, "--base", "base", "--format", "json")
    assert code == 0, out
    (project.migrations_dir / "20240101000000_a.sql").write_text("create schema private;\n"
                                                                 "create table private.a (id text);\n")
    code, out, _ = check(project.root, "--base", "base", "--format", "json")
    findings = json.loads(out)["findings"]
    assert code == 1 and [f["rule"] for f in findings if f["level"] == "error"] == ["migration_edited"]
    git(project.root.parent, "checkout", "-q", "--", ".")
    write_lock(project)
    (project.migrations_dir / "20240102000000_b.sql").write_text("create schema if not exists private;\n"
                                                                 "create table private.b (id text);\n")
    code, out, _ = check(project.root, "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["info"]["lock_file"] == "supabase/migrations.lock"
    # the work tree against HEAD, and the lock file: one edit, one finding, both as evidence
    [edited] = [f for f in report["findings"] if f["rule"] == "migration_edited"]
    assert [edited["evidence"]["source"]] + [m["evidence"]["source"] for m in edited["merged"]] == ["git", "lock"]


def test_base_judges_the_change_at_full_strength_and_history_by_what_followed(
        engine: Any, repo: Callable[..., Project]) -> None:
    project = repo({"20240101000000_t.sql": "create table public.t (id bigint primary key);\n",
                    "20240102000000_t_rls.sql": "alter table public.t enable row level security;\n"})
    (project.migrations_dir / "20240103000000_u.sql").write_text("create table public.u (id bigint primary key);\n")
    (project.migrations_dir / "20240104000000_u_rls.sql").write_text("alter table public.u enable row level security;\n")
    code, out, _ = check(project.root, "--base", "base", "--no-probe", "--format", "json")
    levels = {f["object"]["name"]: f["level"] for f in json.loads(out)["findings"] if f["rule"] == "table_without_rls"}
    assert code == 1 and levels == {"t": "info", "u": "error"}


def test_nothing_to_check_exits_2(tmp_path: Path) -> None:
    (tmp_path / "supabase").mkdir()
    code, _, err = check(tmp_path)
    assert code == 2 and "supabase/migrations: no such folder" in err
    r = CliRunner().invoke(main, ["check", "--project-dir", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "no such folder" in r.stderr


@pytest.mark.parametrize("fail_on", ["info", "never"])
def test_fail_on_controls_the_exit_code(engine: Any, tmp_path: Path, fail_on: str) -> None:
    project = write_project(tmp_path, {"20240101000000_a.sql": "create schema private;\n"
                                                               "create table private.a (id int primary key);\n"})
    code, _, _ = check(project.root, "--fail-on", fail_on)
    assert code == (1 if fail_on == "info" else 0)  # squawk/prefer-bigint-over-int is info


def test_plain_check_compares_with_head(engine: Any, repo: Callable[..., Project]) -> None:
    """No --base and no lock file: an edit of a committed migration is caught before the commit,
    at the line that changed (what the supakit-check pre-commit hook runs)."""
    project = repo()
    path = project.migrations_dir / "20240102000000_b.sql"
    path.write_text(path.read_text() + "create table private.c (id bigint);\n")
    code, out, _ = check(project.root, "--no-probe", "--format", "json")
    [f] = [f for f in json.loads(out)["findings"] if f["rule"] == "migration_edited"]
    assert code == 1 and f["location"]["line"] == 3 and "the last commit" in f["message"]
