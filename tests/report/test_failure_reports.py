"""A run that stops once the project was read still writes its report, in the format asked for,
with the reason at file:line, and exits 2 (issue 17, item 1): CI's upload and comment steps need
the file most on the run that failed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import write_files
from toolkit.cli import main

GOOD = ("create table public.notes (id bigint primary key, user_id uuid references auth.users (id), body text);\n"
        "create index notes_user_id_idx on public.notes (user_id);\n"
        "alter table public.notes enable row level security;\n"
        "create policy \"owners read\" on public.notes for select to authenticated\n"
        "  using ((select auth.uid()) = user_id);\n")
BROKEN = "-- a typo\nalter table public.notes add column title txt;\n"
LATER = "create table public.later (id bigint primary key);\n"
FAILED_AT = "supabase/migrations/20240102000000_broken.sql"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args), env=env)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> Iterator[Path]:
    root = write_files(tmp_path_factory.mktemp("broken"), {
        "20240101000000_notes.sql": GOOD, "20240102000000_broken.sql": BROKEN, "20240103000000_later.sql": LATER})
    yield root


@pytest.mark.parametrize("fmt", ["sarif", "markdown", "junit", "json", "html"])
def test_check_writes_every_format_when_a_migration_fails(broken: Path, fmt: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPAKIT_DOCS_URL", raising=False)
    out = tmp_path / f"report.{fmt}"
    code, _, err = run("check", "--project-dir", str(broken), "--no-probe", "--format", fmt,
                       "--output", str(out), "--fail-on", "never")
    assert code == 2, err
    assert err.count("\n") == 1 and f"{FAILED_AT}:2:" in err and 'type "txt" does not exist' in err
    text = out.read_text()
    assert FAILED_AT in text and "migration_failed" in text
    if fmt == "sarif":
        doc = json.loads(text)["runs"][0]
        [result] = [r for r in doc["results"] if r["ruleId"] == "migration_failed"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == 2 and result["level"] == "error"
        assert doc["invocations"][0]["executionSuccessful"] is False
        rules = {r["id"]: r for r in doc["tool"]["driver"]["rules"]}
        assert "helpUri" not in rules["migration_failed"]  # no docs URL configured: no dead link
        assert rules["migration_failed"]["help"]["markdown"].startswith("# migration_failed")
    elif fmt == "markdown":
        assert text.startswith("<!-- supakit-report -->") and "> [!CAUTION]" in text
        assert "](docs/rules" not in text and "`supakit rules migration_failed`" in text
    elif fmt == "junit":
        root = ET.fromstring(text)
        assert root.get("errors") == "1" and root.find(".//failure[@type='error:migration_failed']") is not None
    elif fmt == "json":
        doc = json.loads(text)
        assert doc["summary"]["incomplete"] is True and doc["info"]["error"].startswith(f"{FAILED_AT}:2:")
        assert doc["info"]["stages"] == ["check", "lint", "apply"]
    else:
        assert text.startswith("<!doctype html>") and "The database is incomplete" in text


def test_github_annotates_the_failed_line(broken: Path) -> None:
    code, out, _ = run("check", "--project-dir", str(broken), "--no-probe", "--format", "github")
    assert code == 2
    assert f"::error file={FAILED_AT},line=2," in out and "title=migration_failed::" in out
    assert out.splitlines()[-1] == "supakit check: 2 errors, 0 warnings, 0 info · incomplete"


def test_audit_and_probe_report_the_failure_too(broken: Path) -> None:
    for command in ("audit", "probe"):
        code, out, _ = run(command, "--project-dir", str(broken), "--format", "json")
        doc = json.loads(out)
        assert code == 2, command
        assert [f["rule"] for f in doc["findings"]] == ["migration_failed"], command
        assert doc["findings"][0]["location"]["line"] == 2


def test_check_keep_going_audits_what_applied(broken: Path) -> None:
    code, out, err = run("check", "--project-dir", str(broken), "--no-probe", "--keep-going", "--format", "json")
    doc = json.loads(out)
    assert code == 1, err  # the failure is an error finding, like audit --keep-going
    assert doc["summary"]["incomplete"] is True and "error" not in doc["info"]
    assert doc["info"]["applied"] == 2  # the file after the broken one applied
    assert any(c["table"] == "later" for c in doc["coverage"])


def test_an_engine_that_does_not_start_still_gets_a_report(broken: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    code, _, err = run("check", "--project-dir", str(broken), "--engine", "local", "--format", "sarif",
                       "--output", str(out), env={"SUPAKIT_PG_BINDIR": str(tmp_path)})
    assert code == 2 and "apt-get install" in err
    doc = json.loads(out.read_text())["runs"][0]
    [note] = doc["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("supakit stopped: ")
    # what ran before the engine was needed is in the report: lint saw the table without RLS
    assert "table_without_rls" in {r["ruleId"] for r in doc["results"]}


def test_a_baseline_is_never_written_from_a_run_that_stopped(broken: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    code, _, err = run("check", "--project-dir", str(broken), "--no-probe", "--write-baseline", str(baseline))
    assert code == 2 and "no baseline written" in err and not baseline.exists()
