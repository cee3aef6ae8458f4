"""Migration drift between a database's recorded history and the repo: pending, unknown, edited;
and `--pending-only`, which lints exactly the migrations a deploy would apply."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import write_files
from tests.live.conftest import make_auditor, report_json, rules_of, run_cli
from toolkit.drift import AppliedMigration, History, compare, first_difference
from toolkit.engine.base import Database
from toolkit.migrations import discover

A = ("20240101000000_notes.sql", """
    create table public.notes (
        id bigint generated always as identity primary key,
        body text
    );
    alter table public.notes enable row level security;
""")
B = ("20240102000000_tags.sql", """
    create table public.tags (id bigint primary key, label text);
    alter table public.tags enable row level security;
""")
C = ("20240103000000_more.sql", """
    create table public.more (id bigint primary key);
    alter table public.more enable row level security;
""")


def _drift(report: dict[str, object]) -> list[tuple[str, str | None]]:
    return sorted((f["rule"], (f["location"] or {}).get("file"))  # type: ignore[index, union-attr]
                  for f in report["findings"]  # type: ignore[attr-defined]
                  if f["rule"] in ("pending_migration", "unknown_remote_migration", "edited_after_apply"))


def _audit(root: Path, url: str, *extra: str) -> dict[str, object]:
    return report_json(run_cli("audit", "--project-dir", str(root), "--format", "json", "--db-url", url, *extra))


def test_no_drift_when_the_repo_matches(db: Database, apply_sql: Callable[..., object]) -> None:
    project, _ = apply_sql(db, dict([A, B]))  # type: ignore[misc]
    assert _drift(_audit(project.root, make_auditor(db))) == []


def test_pending_migration_is_reported_at_its_file(db: Database, apply_sql: Callable[..., object],
                                                   tmp_path: Path) -> None:
    apply_sql(db, dict([A]))
    root = write_files(tmp_path / "repo", dict([A, B]))
    res = run_cli("audit", "--project-dir", str(root), "--format", "json", "--db-url", make_auditor(db))
    rep = report_json(res)
    assert res.returncode == 0  # info
    assert _drift(rep) == [("pending_migration", "supabase/migrations/20240102000000_tags.sql")]
    finding = next(f for f in rep["findings"] if f["rule"] == "pending_migration")
    assert finding["location"] == {"file": "supabase/migrations/20240102000000_tags.sql", "line": 1, "column": 1}
    assert finding["level"] == "info" and "--include-all" not in finding["message"]
    assert rep["info"]["pending"] == ["supabase/migrations/20240102000000_tags.sql"]


def test_pending_migration_older_than_the_last_applied_one_says_so(
        db: Database, apply_sql: Callable[..., object], tmp_path: Path) -> None:
    apply_sql(db, dict([A, C]))
    root = write_files(tmp_path / "repo", dict([A, B, C]))
    rep = _audit(root, make_auditor(db))
    finding = next(f for f in rep["findings"] if f["rule"] == "pending_migration")  # type: ignore[attr-defined]
    assert "--include-all" in finding["message"] and finding["evidence"]["out_of_order"] is True


def test_unknown_remote_migration_is_an_error(db: Database, apply_sql: Callable[..., object],
                                              tmp_path: Path) -> None:
    apply_sql(db, dict([A, B]))
    root = write_files(tmp_path / "repo", dict([A]))
    res = run_cli("audit", "--project-dir", str(root), "--format", "json", "--db-url", make_auditor(db))
    rep = report_json(res)
    assert res.returncode == 1
    assert _drift(rep) == [("unknown_remote_migration", None)]
    finding = next(f for f in rep["findings"] if f["rule"] == "unknown_remote_migration")
    assert finding["object"]["name"] == "20240102000000" and "20240102000000_tags" in finding["message"]
    assert finding["level"] == "error"


def test_edited_after_apply_is_an_error_naming_the_statement(db: Database, apply_sql: Callable[..., object],
                                                             tmp_path: Path) -> None:
    apply_sql(db, dict([A, B]))
    edited = (B[0], B[1].replace("label text", "label text not null"))
    root = write_files(tmp_path / "repo", dict([A, edited]))
    res = run_cli("audit", "--project-dir", str(root), "--format", "json", "--db-url", make_auditor(db))
    rep = report_json(res)
    assert res.returncode == 1
    assert _drift(rep) == [("edited_after_apply", "supabase/migrations/20240102000000_tags.sql")]
    finding = next(f for f in rep["findings"] if f["rule"] == "edited_after_apply")
    assert finding["evidence"]["statement"] == 1 and finding["location"]["line"] == 1


def test_added_statement_is_an_edit_too(db: Database, apply_sql: Callable[..., object], tmp_path: Path) -> None:
    apply_sql(db, dict([A]))
    root = write_files(tmp_path / "repo", {A[0]: A[1] + "create index notes_body_idx on public.notes (body);\n"})
    rep = _audit(root, make_auditor(db))
    finding = next(f for f in rep["findings"] if f["rule"] == "edited_after_apply")  # type: ignore[attr-defined]
    assert finding["evidence"]["statement"] == 3 and finding["evidence"]["line"] == 6


def test_comment_and_whitespace_changes_are_not_edits(db: Database, apply_sql: Callable[..., object],
                                                      tmp_path: Path) -> None:
    apply_sql(db, dict([A]))
    reformatted = "-- notes, reviewed in PR 12\n\n" + textwrap.dedent(A[1]).replace(";\n", " ;\n\n") + "\n-- end\n"
    root = write_files(tmp_path / "repo", {A[0]: reformatted})
    assert _drift(_audit(root, make_auditor(db))) == []


def test_pending_only_lints_exactly_the_pending_files(db: Database, apply_sql: Callable[..., object],
                                                      tmp_path: Path) -> None:
    bad = "create table public.{t} (id bigint primary key);\nalter table public.{t} disable row level security;\n"
    apply_sql(db, {"20240101000000_old.sql": bad.format(t="old_t")})
    root = write_files(tmp_path / "repo", {"20240101000000_old.sql": bad.format(t="old_t"),
                                           "20240102000000_new.sql": bad.format(t="new_t")})
    res = run_cli("audit", "--project-dir", str(root), "--format", "json", "--db-url", make_auditor(db),
                  "--pending-only")
    rep = report_json(res)
    assert res.returncode == 1
    seen = [g for f in rep["findings"] for g in (f, *f["merged"])]  # one finding per cause, the rest merged
    files = {(f["rule"], (f["location"] or {}).get("file")) for f in seen}
    assert ("rls_disabled_statement", "supabase/migrations/20240102000000_new.sql") in files
    assert ("pending_migration", "supabase/migrations/20240102000000_new.sql") in files
    assert not [f for f in rep["findings"] if (f["location"] or {}).get("file", "").endswith("_old.sql")]
    assert rep["coverage"] == [] and rep["info"]["pending"] == ["supabase/migrations/20240102000000_new.sql"]
    assert "rls_disabled" not in rules_of(rep)  # the catalog is not audited


def test_pending_only_with_nothing_pending_is_clean(db: Database, apply_sql: Callable[..., object]) -> None:
    project, _ = apply_sql(db, dict([A]))  # type: ignore[misc]
    res = run_cli("audit", "--project-dir", str(project.root), "--format", "json", "--db-url",
                  make_auditor(db), "--pending-only")
    assert res.returncode == 0
    assert report_json(res)["findings"] == []


def test_pending_only_needs_a_database(tmp_path: Path) -> None:
    root = write_files(tmp_path / "repo", dict([A]))
    res = run_cli("audit", "--project-dir", str(root), "--pending-only")
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "--pending-only needs --db-url" in res.stderr


# --- the comparison itself, on the statements the Supabase CLI stores -------------------------

def _files(tmp_path: Path, files: dict[str, str]) -> list:  # type: ignore[type-arg]
    root = write_files(tmp_path, files)
    return discover(root / "supabase" / "migrations", root).files


def test_statements_as_the_cli_stores_them_match(tmp_path: Path) -> None:
    """The CLI keeps each statement's semicolon and the comments before it."""
    files = _files(tmp_path, {"20240101000000_a.sql": "-- header\ncreate table t (id int);\n\n"
                                                      "/* why */ create index on t (id);\n"})
    stored = ("-- header\ncreate table t (id int);", "\n\n/* why */ create index on t (id);", "\n")
    drift = compare(History([AppliedMigration("20240101000000", "a", stored)]), files)
    assert drift.findings == [] and drift.pending == []


def test_history_without_statements_is_not_compared(tmp_path: Path) -> None:
    files = _files(tmp_path, {"20240101000000_a.sql": "create table t (id int);\n"})
    assert compare(History([AppliedMigration("20240101000000", "a", None)]), files).findings == []


@pytest.mark.parametrize(("stored", "local", "expected"), [
    (["select 1"], "select 1;", None),
    (["select 1", "select 2"], "select 1; select 2", None),
    (["select 1", "select 2"], "select 1; select 3", 1),
    (["select 1"], "select 1; select 2", 1),
    (["select 1", "select 2"], "select 1", 1),
    (["create table t (x int)"], "create table t (x bigint)", 0),
    (["select 'a;b'"], "select 'a;b';", None),
    (["this is not sql"], "this  is not\nsql", None),
    (["this is not sql"], "this is not sql either", 0),
])
def test_first_difference(stored: list[str], local: str, expected: int | None) -> None:
    assert first_difference(stored, local) == expected


def test_history_unavailable_is_one_info_finding(tmp_path: Path) -> None:
    files = _files(tmp_path, {"20240101000000_a.sql": "select 1;\n"})
    drift = compare(History(None, "no table"), files)
    assert [(f.rule, f.level.value) for f in drift.findings] == [("migration_history_unavailable", "info")]
    assert drift.pending == []


def test_drift_findings_are_suppressed_by_config_and_stale_entries_reported(
        db: Database, apply_sql: Callable[..., object], tmp_path: Path) -> None:
    apply_sql(db, dict([A, B]))
    root = write_files(tmp_path / "repo", dict([A]), settings="""
        [[ignore]]
        rule = "unknown_remote_migration"
        object = "20240102000000"
        reason = "hotfix from the ops repo"

        [[ignore]]
        rule = "edited_after_apply"
        reason = "nothing is edited, so this entry is stale"
    """)
    res = run_cli("audit", "--project-dir", str(root), "--format", "json", "--db-url", make_auditor(db))
    rep = report_json(res)
    assert res.returncode == 0, rep["findings"]
    assert [f["rule"] for f in rep["suppressed"]] == ["unknown_remote_migration"]
    unused = [f for f in rep["findings"] if f["rule"] == "unused_suppression"]
    assert len(unused) == 1 and "edited_after_apply" in unused[0]["message"]


def test_exposure_option_is_ignored_with_a_warning(db: Database, apply_sql: Callable[..., object]) -> None:
    project, _ = apply_sql(db, dict([A]))  # type: ignore[misc]
    res = run_cli("audit", "--project-dir", str(project.root), "--format", "json", "--db-url", make_auditor(db),
                  "--exposure", "explicit")
    assert "--exposure is ignored with --db-url" in res.stderr
    assert report_json(res)["exposure"] == "legacy"
