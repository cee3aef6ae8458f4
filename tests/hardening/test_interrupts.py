"""SIGINT and SIGTERM at every stage of an audit (template initdb, postmaster start, shim load,
template copy, snapshot, probe) leave no postmaster, no temp folder and no half-written cache.
Each run stops at its stage through the SUPAKIT_TEST_PAUSE_AT hook (toolkit/pause.py), so the
signal lands exactly there. The apply stage has its own test in tests/test_cli_foundation.py."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import write_files

FILES = {"20240101000000_notes.sql": """
create table public.notes (id uuid primary key default gen_random_uuid(), body text);
alter table public.notes enable row level security;
create policy notes_read on public.notes for select to authenticated using (true);
"""}
COLD = ("initdb", "start", "shim", "template")  # stages of the first run, which builds the template
WARM = ("start", "snapshot", "probe")
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


def processes_mentioning(paths: list[Path]) -> list[str]:
    """Command lines of live processes that name one of these folders (a postmaster's -D)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(str(p) in cmd for p in paths):
            found.append(f"{proc.name}: {cmd}")
    return found


def interrupt_at(stage: str, sig: int, root: Path, tmp: Path, cache: Path,
                 command: tuple[str, ...] = ("audit",)) -> tuple[int, str, list[Path]]:
    """Run `command` (an audit), wait until it pauses at `stage`, signal it; return (exit code,
    stderr, run folders)."""
    env = {**os.environ, "SUPAKIT_TMPDIR": str(tmp), "XDG_CACHE_HOME": str(cache),
           "SUPAKIT_TEST_PAUSE_AT": stage}
    proc = subprocess.Popen([sys.executable, "-m", "toolkit", *command, "--project-dir", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if f"paused at {stage}" in line:
            break
    assert seen and f"paused at {stage}" in seen[-1], "".join(seen)
    runs = list(tmp.glob("supakit-run-*"))
    proc.send_signal(sig)
    _, rest = proc.communicate(timeout=60)
    return proc.returncode, "".join(seen) + rest, runs


def assert_nothing_left(runs: list[Path], tmp: Path, cache: Path) -> None:
    assert list(tmp.glob("supakit-run-*")) == []
    deadline = time.monotonic() + 5  # a postmaster told to quit may need a moment
    while processes_mentioning(runs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_mentioning(runs) == []
    if (cache / "supakit").exists():
        leftovers = [p.name for p in (cache / "supakit").iterdir() if ".partial-" in p.name]
        assert leftovers == []
        for t in (cache / "supakit").glob("template-*"):
            if t.is_dir():
                assert (t / "PG_VERSION").is_file(), f"half-built template {t.name}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(tmp_path / "p", FILES)


@pytest.fixture(scope="module")
def warm_cache() -> Iterator[Path]:
    """A cache holding a built template, so only the audit's own cluster is started."""
    cache = Path(tempfile.mkdtemp(prefix="supakit-warm-cache-"))
    os.chmod(cache, 0o755)
    from toolkit.engine.local import LocalEngine

    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    try:
        LocalEngine().start().close()
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old
    yield cache
    shutil.rmtree(cache, ignore_errors=True)


def _check(code: int, err: str, sig: int, runs: list[Path], tmp: Path, cache: Path, stage: str) -> None:
    assert code == EXIT[sig], err
    assert "Traceback" not in err
    assert_nothing_left(runs, tmp, cache)
    if stage != "initdb":
        assert runs, "the stage should have had a cluster folder to clean up"


@pytest.mark.parametrize("sig", EXIT, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("stage", COLD)
def test_interrupt_while_building_the_template(stage: str, sig: int, project: Path, public_tmp: Path) -> None:
    cache = public_tmp / "cold-cache"
    code, err, runs = interrupt_at(stage, sig, project, public_tmp, cache)
    _check(code, err, sig, runs, public_tmp, cache, stage)


@pytest.mark.parametrize("sig", EXIT, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("stage", WARM)
def test_interrupt_a_warm_audit(stage: str, sig: int, project: Path, public_tmp: Path, warm_cache: Path) -> None:
    code, err, runs = interrupt_at(stage, sig, project, public_tmp, warm_cache)
    _check(code, err, sig, runs, public_tmp, warm_cache, stage)


def test_the_cache_still_works_after_an_interrupted_build(project: Path, public_tmp: Path) -> None:
    cache = public_tmp / "cache"
    interrupt_at("template", signal.SIGTERM, project, public_tmp, cache)
    res = subprocess.run([sys.executable, "-m", "toolkit", "audit", "--no-probe", "--format", "json",
                          "--project-dir", str(project)], capture_output=True, text=True, timeout=180,
                         env={**os.environ, "SUPAKIT_TMPDIR": str(public_tmp), "XDG_CACHE_HOME": str(cache)})
    assert res.returncode in (0, 1), res.stderr
    assert_nothing_left([], public_tmp, cache)
    assert len([t for t in (cache / "supakit").glob("template-*") if t.is_dir()]) == 1


@pytest.mark.parametrize("sig", EXIT, ids=lambda s: signal.Signals(s).name)
def test_interrupt_a_diff_while_both_databases_apply(sig: int, project: Path, public_tmp: Path,
                                                     warm_cache: Path) -> None:
    """`supakit diff` holds two databases in one cluster and applies to one of them on a thread."""
    (project / "supabase" / "schemas").mkdir()
    (project / "supabase" / "schemas" / "notes.sql").write_text(FILES["20240101000000_notes.sql"])
    code, err, runs = interrupt_at("diff", sig, project, public_tmp, warm_cache, command=("diff", "x"))
    _check(code, err, sig, runs, public_tmp, warm_cache, "diff")


@pytest.mark.parametrize("sig", EXIT, ids=lambda s: signal.Signals(s).name)
def test_interrupt_while_the_report_renders(sig: int, project: Path, public_tmp: Path, warm_cache: Path) -> None:
    """By the report the server is stopped and its folder is being removed by a child `rm`
    (Database.close_later); a signal then still leaves nothing behind."""
    code, err, runs = interrupt_at("report", sig, project, public_tmp, warm_cache)
    assert code == EXIT[sig], err
    assert "Traceback" not in err
    assert_nothing_left(runs, public_tmp, warm_cache)


def test_a_finished_audit_leaves_nothing(project: Path, public_tmp: Path, warm_cache: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "toolkit", "audit", "--format", "json", "--project-dir",
                          str(project)], capture_output=True, text=True, timeout=180,
                         env={**os.environ, "SUPAKIT_TMPDIR": str(public_tmp), "XDG_CACHE_HOME": str(warm_cache)})
    assert res.returncode in (0, 1), res.stderr
    assert_nothing_left([public_tmp], public_tmp, warm_cache)
