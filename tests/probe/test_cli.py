"""`supakit probe` and the probe inside `supakit audit`: reports, exit codes, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import write_files
from toolkit.cli import main

LEAKY = """
create table public.notes (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references auth.users (id),
  body text not null
);
alter table public.notes enable row level security;
create policy notes_read on public.notes for select to authenticated using (true);
"""
SAFE = LEAKY.replace("using (true)", "using (user_id = (select auth.uid()))")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_probe_reports_a_leak_and_exits_1(public_tmp: Path, engine) -> None:  # type: ignore[no-untyped-def]
    root = write_files(public_tmp / "p", {"20240101000000_notes.sql": LEAKY})
    code, out, err = run("probe", "--project-dir", str(root), "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    assert [f["rule"] for f in report["findings"]] == ["probe_cross_user_read"]
    finding = report["findings"][0]
    assert finding["location"]["file"] == "supabase/migrations/20240101000000_notes.sql"
    assert finding["location"]["line"] == 7
    assert report["info"]["probe"]["tables_probed"] == 1
    assert "supakit: probed 1 of 1 exposed tables" in err


def test_probe_of_a_safe_project_exits_0(public_tmp: Path, engine) -> None:  # type: ignore[no-untyped-def]
    root = write_files(public_tmp / "p", {"20240101000000_notes.sql": SAFE})
    code, out, err = run("probe", "--project-dir", str(root))
    assert code == 0, out + err
    assert "No findings." in out


def test_declared_sharing_and_suppression_apply(public_tmp: Path, engine) -> None:  # type: ignore[no-untyped-def]
    root = write_files(public_tmp / "p", {"20240101000000_notes.sql": LEAKY},
                       settings='[expect.notes]\nselect = "authenticated"\n')
    code, _, err = run("probe", "--project-dir", str(root))
    assert code == 0, err
    inline = LEAKY.replace("create policy notes_read",
                           "-- supakit-ignore: probe_cross_user_read -- notes are shared by design\n"
                           "create policy notes_read")
    root2 = write_files(public_tmp / "q", {"20240101000000_notes.sql": inline})
    code, out, _ = run("probe", "--project-dir", str(root2), "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["findings"] == []
    assert [(f["rule"], f["suppressed_by"]) for f in report["suppressed"]] == [
        ("probe_cross_user_read", "inline")]


def test_a_bad_expectation_is_one_line_and_exit_2(public_tmp: Path) -> None:
    root = write_files(public_tmp / "p", {"20240101000000_notes.sql": SAFE},
                       settings='[expect.notes]\nselect = "everyone"\n')
    code, out, err = run("probe", "--project-dir", str(root))
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "expect.notes.select = 'everyone' is not an access level" in err
    assert out == ""


def test_a_migration_that_does_not_apply_is_exit_2(public_tmp: Path, engine) -> None:  # type: ignore[no-untyped-def]
    root = write_files(public_tmp / "p", {"20240101000000_notes.sql": SAFE,
                                           "20240102000000_bad.sql": "alter table nope add x int;"})
    code, _, err = run("probe", "--project-dir", str(root))
    assert code == 2
    assert "supabase/migrations/20240102000000_bad.sql:1:1" in err
    assert "Traceback" not in err


def test_audit_runs_the_probe_unless_told_not_to(public_tmp: Path, engine) -> None:  # type: ignore[no-untyped-def]
    root = write_files(public_tmp / "p", {"20240101000000_notes.sql": LEAKY})
    _, out, _ = run("audit", "--project-dir", str(root), "--format", "json")
    report = json.loads(out)
    assert "probe_cross_user_read" in {f["rule"] for f in report["findings"]}
    assert report["info"]["probe"]["tables_probed"] == 1
    _, out, _ = run("audit", "--project-dir", str(root), "--format", "json", "--no-probe")
    report = json.loads(out)
    assert "probe_cross_user_read" not in {f["rule"] for f in report["findings"]}
    assert "probe" not in report["info"]
