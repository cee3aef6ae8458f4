"""The CLI's report path (suppress → render → exit code) on hand-built reports."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from toolkit.cli import emit_report
from toolkit.model import Category, Finding, Level, Location, ObjectRef, RunResult
from toolkit.project import Project

MIG = "supabase/migrations/20240101000000_a.sql"
SQL = """\
-- supakit-ignore: rls_disabled -- reference data
create table public.countries (code text primary key);
create table public.notes (id int primary key);
"""


def findings() -> list[Finding]:
    return [Finding("rls_disabled", Level.ERROR, Category.SECURITY, ObjectRef("table", "public", t),
                    f"public.{t} is exposed without RLS", location=Location(MIG, line, 1))
            for t, line in (("countries", 2), ("notes", 3))]


def run(project: Project, report: RunResult, capsys: pytest.CaptureFixture[str], **kw: object) -> tuple[int, str]:
    opts: dict[str, object] = {"fmt": "json", "output": None, "fail_on": None, "baseline": None,
                               "write_baseline": None}
    opts.update(kw)
    with pytest.raises(SystemExit) as exc:
        emit_report(report, project, **opts)  # type: ignore[arg-type]
    return int(exc.value.code or 0), capsys.readouterr().out


@pytest.fixture
def project(project_factory: Callable[..., Project]) -> Project:
    return project_factory({"20240101000000_a.sql": SQL})


def test_inline_suppression_reaches_the_json_and_exit_code(project: Project,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(project, RunResult(findings=findings()), capsys)
    doc = json.loads(out)
    assert code == 1
    assert doc["summary"]["error"] == 1 and doc["summary"]["suppressed"] == 1
    assert doc["suppressed"][0]["suppressed_by"] == "inline"


def test_baseline_round_trip_through_the_cli(project: Project, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "baseline.json"
    code, _ = run(project, RunResult(findings=findings()), capsys, write_baseline=base)
    assert code == 0
    assert [e["object"] for e in json.loads(base.read_text())["findings"]] == ["public.notes"]
    code, out = run(project, RunResult(findings=findings()), capsys, baseline=base)
    assert code == 0 and json.loads(out)["summary"]["suppressed"] == 2


def test_fail_on_warn_counts_only_active_findings(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(project, RunResult(findings=findings()[:1]), capsys, fail_on="warn")
    assert code == 0
