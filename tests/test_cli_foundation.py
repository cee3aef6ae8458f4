"""Bad input through the real CLI: one clear line, exit 2, no traceback, nothing left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import write_files as write_project

GOOD = {"20240101000000_notes.sql": """
create table public.notes (id uuid primary key default gen_random_uuid(), body text);
alter table public.notes enable row level security;
"""}


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "toolkit", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=timeout)


def assert_clean_error(res: subprocess.CompletedProcess[str], pattern: str) -> None:
    import re

    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    assert re.search(pattern, res.stderr), res.stderr


@pytest.fixture
def warm(engine):  # type: ignore[no-untyped-def]
    """Build the template first, so the only cluster a test sees is the audit's own."""
    engine.start().close()


def run_dirs(tmp: Path) -> list[Path]:
    return list(tmp.glob("supakit-run-*"))


def test_no_supabase_folder(tmp_path: Path) -> None:
    assert_clean_error(run_cli("audit", cwd=tmp_path), r"no supabase/ folder found")


def test_project_dir_that_does_not_exist(tmp_path: Path) -> None:
    assert_clean_error(run_cli("audit", "--project-dir", str(tmp_path / "nope")), r"no such folder")


def test_unreadable_folder(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    (tmp_path / "supabase").mkdir(mode=0)
    assert_clean_error(run_cli("audit", "--project-dir", str(tmp_path)), r"not readable")


def test_no_postgres_binaries(tmp_path: Path) -> None:
    write_project(tmp_path, GOOD)
    res = run_cli("audit", "--project-dir", str(tmp_path), "--engine", "local",
                  env={"SUPAKIT_PG_BINDIR": str(tmp_path)})
    assert_clean_error(res, r"apt-get install -y postgresql")


def test_syntax_error_names_file_line_col(tmp_path: Path, public_tmp: Path) -> None:
    write_project(tmp_path, {**GOOD, "20240102000000_broken.sql": "select 1;\n  creat table x();\n"})
    res = run_cli("audit", "--project-dir", str(tmp_path), env={"SUPAKIT_TMPDIR": str(public_tmp)})
    assert_clean_error(res, r"supabase/migrations/20240102000000_broken\.sql:2:3: syntax error at or near \"creat\"")
    assert run_dirs(public_tmp) == []


def test_postgres_error_names_file_line_col(tmp_path: Path, public_tmp: Path) -> None:
    write_project(tmp_path, {"20240101000000_x.sql": "create table public.a (id int);\nalter table public.b add column c int;\n"})
    res = run_cli("audit", "--project-dir", str(tmp_path), env={"SUPAKIT_TMPDIR": str(public_tmp)})
    assert_clean_error(res, r"20240101000000_x\.sql:2:\d+: relation \"public\.b\" does not exist")
    assert run_dirs(public_tmp) == []


def test_bad_settings_key_suggests_the_right_one(tmp_path: Path) -> None:
    write_project(tmp_path, GOOD, settings='fail_onn = "warn"\n')
    assert_clean_error(run_cli("audit", "--project-dir", str(tmp_path)), r"unknown key 'fail_onn'; did you mean 'fail_on'")


def test_invalid_config_toml(tmp_path: Path) -> None:
    write_project(tmp_path, GOOD, config="[api\nschemas = 1\n")
    assert_clean_error(run_cli("audit", "--project-dir", str(tmp_path)), r"config\.toml: invalid TOML")


def test_socket_folder_problem(tmp_path: Path) -> None:
    write_project(tmp_path, GOOD)
    res = run_cli("audit", "--project-dir", str(tmp_path), env={"SUPAKIT_TMPDIR": str(tmp_path / "missing")})
    assert_clean_error(res, r"temp folder .*missing does not exist")


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_apply_cleans_up(tmp_path: Path, public_tmp: Path, sig: int, code: int, warm) -> None:  # type: ignore[no-untyped-def]
    write_project(tmp_path, {"20240101000000_slow.sql": "select pg_sleep(60);\n"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "toolkit", "audit", "--project-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SUPAKIT_TMPDIR": str(public_tmp)},
    )
    deadline = time.monotonic() + 60
    pm_pid = None
    while time.monotonic() < deadline and pm_pid is None:
        for d in run_dirs(public_tmp):
            pidfile = d / "data" / "postmaster.pid"
            if pidfile.exists():
                lines = pidfile.read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    pm_pid = int(lines[0])
        time.sleep(0.05)
    assert pm_pid is not None, "the audit never started a cluster"
    _wait_for_sleep(public_tmp)
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert run_dirs(public_tmp) == []
    with pytest.raises(ProcessLookupError):
        os.kill(pm_pid, 0)


def _wait_for_sleep(tmp: Path, timeout: float = 60) -> None:
    """Until the audit's session is inside pg_sleep (asked of the cluster itself, not guessed)."""
    import psycopg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for d in run_dirs(tmp):
            try:
                with psycopg.connect(f"host={d / 'sock'} user=supabase_admin dbname=postgres", connect_timeout=2) as c:
                    if c.execute("select count(*) from pg_stat_activity where query like 'select pg_sleep%'").fetchone()[0]:
                        return
            except psycopg.Error:
                pass
        time.sleep(0.05)
    raise AssertionError("the audit never reached the sleeping statement")


def _wait_for_postmaster(tmp: Path, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for d in run_dirs(tmp):
            pidfile = d / "data" / "postmaster.pid"
            if pidfile.exists():
                lines = pidfile.read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    return int(lines[0])
        time.sleep(0.05)
    raise AssertionError("the audit never started a cluster")


def test_postmaster_killed_mid_run_is_a_clear_error(tmp_path: Path, public_tmp: Path, warm) -> None:  # type: ignore[no-untyped-def]
    write_project(tmp_path, {"20240101000000_slow.sql": "create table public.t (id int);\nselect pg_sleep(60);\n"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "toolkit", "audit", "--project-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SUPAKIT_TMPDIR": str(public_tmp)},
    )
    pm_pid = _wait_for_postmaster(public_tmp)
    _wait_for_sleep(public_tmp)
    os.kill(pm_pid, signal.SIGKILL)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    assert "20240101000000_slow.sql:2:1: the database server stopped unexpectedly" in err
    assert run_dirs(public_tmp) == []
