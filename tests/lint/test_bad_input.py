"""Bad input gives one clear line (exit 2 only when nothing could be checked) and never a traceback;
the splitter and every rule survive arbitrary text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import write_project
from toolkit.cli import main
from toolkit.lint import lint_project
from toolkit.lint import rules as _lint_rules  # noqa: F401  (registers the lint checks)
from toolkit.lint.source import LintContext, ParsedFile
from toolkit.model import Stage
from toolkit.registry import checks


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def one_line_error(code: int, err: str, fragment: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("supakit: error:") and fragment in err
    assert "Traceback" not in err


def test_non_utf8_file_is_reported_and_the_others_still_linted(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"20240101000001_b.sql": "create table public.b (id int);"})
    (project.migrations_dir / "20240101000000_a.sql").write_bytes(b"select 1;\nselect '\xff\xfe';\n")
    found = lint_project(project, squawk=False).findings
    bad = next(f for f in found if f.rule == "migration_not_utf8")
    assert bad.location and (bad.location.line, bad.location.column) == (2, 9)
    assert "0xff" in bad.message
    assert any(f.rule == "table_without_rls" for f in found)


def test_only_unreadable_files_means_nothing_was_checked(tmp_path: Path) -> None:
    project = write_project(tmp_path, {})
    (project.migrations_dir / "20240101000000_a.sql").write_bytes(b"\xc3\x28")
    code, _, err = run("lint", "--project-dir", str(project.root), "--no-squawk")
    one_line_error(code, err, "20240101000000_a.sql:1:1: not valid UTF-8")


def test_missing_migrations_folder_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "supabase").mkdir()
    code, _, err = run("lint", "--project-dir", str(tmp_path))
    one_line_error(code, err, "supabase/migrations: no such folder")
    code, _, err = run("lint", str(tmp_path / "nope.sql"), "--project-dir", str(tmp_path))
    one_line_error(code, err, "nope.sql: no such file or folder")


def test_missing_squawk_is_one_line_and_no_squawk_still_lints(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    project = write_project(tmp_path, {"20240101000000_a.sql": "select 1;"})
    monkeypatch.setenv("SUPAKIT_SQUAWK", str(tmp_path / "missing-squawk"))
    code, _, err = run("lint", "--project-dir", str(project.root))
    one_line_error(code, err, "squawk-cli not found")
    code, _, _ = run("lint", "--project-dir", str(project.root), "--no-squawk")
    assert code == 0


def test_syntax_errors_empty_files_and_exit_codes(tmp_path: Path) -> None:
    project = write_project(tmp_path, {
        "20240101000000_a.sql": "create table private.a (id bigint);",
        "20240101000001_b.sql": "",
    })
    code, out, _ = run("lint", "--project-dir", str(project.root), "--format", "json")
    report = json.loads(out)
    assert code == 0 and [f["rule"] for f in report["findings"]] == ["migration_empty"]
    code, _, _ = run("lint", "--project-dir", str(project.root), "--fail-on", "warn")
    assert code == 1
    (project.migrations_dir / "20240101000002_c.sql").write_text("create tabel x;\n")
    code, out, _ = run("lint", "--project-dir", str(project.root), "--format", "json")
    report = json.loads(out)
    syntax = [f for f in report["findings"] if f["rule"] == "sql_syntax_error"]
    assert code == 1 and syntax[0]["location"]["line"] == 1 and syntax[0]["location"]["column"] == 8


def test_explicit_paths_work_outside_any_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "loose.sql"
    f.write_text("create table public.t (id bigint);\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("lint", str(f), "--format", "json", "--no-squawk")
    rules = sorted(x["rule"] for x in json.loads(out)["findings"])
    assert code == 1 and rules == ["migration_file_name", "table_without_rls"]


def test_lint_without_paths_includes_folder_checks(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"20240101000000_a.sql": "select 1;", "20240101000000_b.sql": "select 2;"})
    (project.migrations_dir / "notes.txt").write_text("todo")
    code, out, _ = run("lint", "--project-dir", str(project.root), "--format", "json")
    rules = sorted(x["rule"] for x in json.loads(out)["findings"])
    assert code == 1 and rules == ["duplicate_migration_version", "stray_file_in_migrations"]


def test_nul_bytes_are_a_syntax_error_at_their_position(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"20240101000000_a.sql": "select 1;\n  \x00select 2;\n"})
    [f] = [x for x in lint_project(project, squawk=False).findings if x.rule == "sql_syntax_error"]
    assert f.location and (f.location.line, f.location.column) == (2, 3) and "NUL" in f.message


def _all_rules(text: str) -> None:
    pf = ParsedFile.parse(Path("/p/supabase/migrations/x.sql"), "supabase/migrations/x.sql", text)
    for _, fn in checks(Stage.LINT):
        list(fn(pf, LintContext()))


SQLISH = st.lists(st.sampled_from([
    "create table ", "public.", '"Weird Name"', " (id int", ")", ";", "'", "$$", "$tag$", "--", "/*", "*/",
    "alter table t enable row level security", " disable row level security", "create policy p on t ",
    "using (true)", "begin", "commit", "alter type e add value 'x'", "'x'::e", "security definer",
    "create index concurrently i on t(a)", "eyJ", "AKIA", "password=", "postgres://u:p@h", "\n", " ",
    "é", "\x00", "\ufeff", "\\", "e'\\''", "create function f() returns int language sql as ",
]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), SQLISH))
def test_rules_never_raise_on_arbitrary_text(text: str) -> None:
    _all_rules(text)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300))
def test_rules_never_raise_on_binary_junk(data: bytes) -> None:
    _all_rules(data.decode("utf-8", "replace"))


@pytest.mark.parametrize("text", [
    "".join(f"insert into private.t values ('{'x' * 100_000}');\n" for _ in range(100)),
    "select 'unterminated " + "y" * 10_000_000,
    "select $$ never closed " + "z" * 10_000_000,
    "/* " + "-- " * 3_000_000,
], ids=["10MB-of-statements", "unterminated-quote", "unterminated-dollar", "unterminated-comment"])
def test_ten_megabyte_files(text: str) -> None:
    _all_rules(text)


def test_cli_honours_inline_ignores_and_reports_unused_ones(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"20240101000000_a.sql": (
        "-- supakit-ignore: table_without_rls -- scratch table, dropped next release\n"
        "create table public.scratch (id bigint);\n"
        "-- supakit-ignore: table_without_rls -- nothing to ignore here\n"
        "create table private.t (id bigint);\n"
        "-- supakit-ignore: rls_disabled -- audit rule: not judged by lint\n"
        "create table private.u (id bigint);\n")})
    code, out, _ = run("lint", "--project-dir", str(project.root), "--format", "json", "--no-squawk")
    report = json.loads(out)
    active = [(f["rule"], f["location"]["line"]) for f in report["findings"]]
    assert code == 0 and active == [("unused_suppression", 3)]
    assert [f["rule"] for f in report["suppressed"]] == ["table_without_rls"]
