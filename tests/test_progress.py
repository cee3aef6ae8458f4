"""Live progress: stages report steps; a terminal stderr shows rich's bars, nothing else changes.

The terminal cases run the real CLI with stderr on a pseudo-terminal (`pty`) and stdout on a pipe.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toolkit.cli import Ctx
from toolkit.engine.base import Database
from toolkit.progress import Step

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "tests" / "fixtures" / "report_demo"
BAR_LABELS = ("applying migrations", "probing tables")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "toolkit", *args]


def run_with_terminal_stderr(args: list[str], timeout: float = 120) -> tuple[int, bytes, bytes]:
    """(exit code, stdout from a pipe, everything written to the terminal on stderr)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    terminal = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed its end
                    break
                if not chunk:
                    break
                terminal += chunk
            elif proc.poll() is not None:
                break
        out = proc.stdout.read() if proc.stdout else b""
        return proc.wait(timeout=max(1.0, deadline - time.monotonic())), out, terminal
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_verbose_prints_step_lines_and_plain_lines(capsys: pytest.CaptureFixture[str]) -> None:
    ctx = Ctx(verbose=True, quiet=False)
    ctx.progress("comparing migrations with origin/main")
    ctx.progress(Step("apply", 0, 2, "applying supabase/migrations/1_a.sql (3 statements)"))
    ctx.progress(Step("probe", 5, 9))
    assert capsys.readouterr().err.splitlines() == [
        "supakit: comparing migrations with origin/main",
        "supakit: applying supabase/migrations/1_a.sql (3 statements)"]
    Ctx(verbose=False, quiet=False).progress(Step("apply", 0, 2, "applying x"))
    assert capsys.readouterr().err == ""


def test_apply_and_probe_report_their_steps(db: Database, project_factory: object) -> None:
    from toolkit.apply import apply_migrations
    from toolkit.catalog import take_snapshot
    from toolkit.migrations import discover
    from toolkit.probe import run_probe

    project = project_factory({  # type: ignore[operator]
        "20240101000000_a.sql": "create table public.a (id int primary key);",
        "20240102000000_b.sql": "create table public.b (id int primary key);\n"
                                "create table public.c (id int primary key);"})
    events: list[str | Step] = []
    files = discover(project.migrations_dir, project.root).files
    applied = apply_migrations(db, files, progress=events.append)
    steps = [e for e in events if isinstance(e, Step)]
    assert [(s.stage, s.done, s.total) for s in steps] == [("apply", 0, 2), ("apply", 1, 2), ("apply", 2, 2)]
    assert steps[0].text == "applying supabase/migrations/20240101000000_a.sql (1 statements)"
    assert steps[-1].text == ""
    with db.connect() as conn:
        snapshot = take_snapshot(conn, exposed_schemas=("public",))
    events.clear()
    run_probe(db, snapshot, source_map=applied.source_map, progress=events.append)
    probe = [(e.done, e.total) for e in events if isinstance(e, Step) and e.stage == "probe"]
    assert probe[0] == (0, 3) and probe[-1] == (3, 3)
    assert [d for d, _ in probe] == sorted(d for d, _ in probe)


@pytest.mark.usefixtures("engine")
def test_a_terminal_shows_progress_bars_and_stdout_stays_clean() -> None:
    code, out, terminal = run_with_terminal_stderr(
        cli("audit", "--project-dir", str(DEMO), "--format", "json", "--fail-on", "never"))
    assert code == 0, terminal.decode(errors="replace")
    shown = terminal.decode(errors="replace")
    assert all(label in shown for label in BAR_LABELS)
    assert "3/3" in shown  # files applied of N
    assert "\x1b[" in shown  # drawn and then cleared with terminal controls
    assert b"\x1b" not in out
    assert json.loads(out)["summary"]["tables"] == 8  # stdout is the report, whole


@pytest.mark.usefixtures("engine")
def test_quiet_or_piped_stderr_gets_no_bars() -> None:
    code, _, terminal = run_with_terminal_stderr(
        cli("-q", "audit", "--project-dir", str(DEMO), "--no-probe", "--format", "json", "--fail-on", "never"))
    assert code == 0 and not any(label.encode() in terminal for label in BAR_LABELS)
    piped = subprocess.run(cli("-v", "audit", "--project-dir", str(DEMO), "--no-probe", "--format", "json",
                               "--fail-on", "never"), capture_output=True, text=True, timeout=120,
                           env={**os.environ, "TERM": "xterm-256color"})
    assert piped.returncode == 0, piped.stderr
    lines = piped.stderr.splitlines()
    assert lines and all(line.startswith("supakit: ") for line in lines)
    assert "supakit: applying supabase/migrations/20240601000000_profiles_and_orgs.sql (11 statements)" in lines
    assert "\x1b" not in piped.stderr and not any(label in piped.stderr for label in BAR_LABELS)
