"""`supakit db start|url|psql|stop`: a migrated database that outlives the command and leaves
nothing behind once stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import write_files
from tests.live.conftest import report_json, rules_of, run_cli
from toolkit.engine.binaries import have_binaries

FILES = {
    "20240101000000_notes.sql": """
        create table public.notes (id bigint generated always as identity primary key, body text);
    """,
    "20240102000000_tags.sql": """
        create table public.tags (id bigint primary key);
        alter table public.tags enable row level security;
    """,
}

pytestmark = pytest.mark.skipif(not have_binaries(), reason="no PostgreSQL server binaries")


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def wait_dead(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.05)
    return not alive(pid)


def state(root: Path) -> dict[str, object]:
    return json.loads((root / ".supakit" / "db.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture
def project(public_tmp: Path) -> Iterator[Path]:
    """A project the postgres OS user can reach, so the cluster lives in .supakit/db/. Whatever a
    failing test leaves running is stopped."""
    root = write_files(public_tmp / "proj", FILES)
    yield root
    run_cli("db", "stop", "--project-dir", str(root))


def test_start_url_audit_psql_stop(project: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    started = run_cli("db", "start", "--project-dir", str(project))
    assert started.returncode == 0, started.stderr
    # pytest-style: the state folder ignores itself, so `git add -A` never picks up the cluster
    assert (project / ".supakit" / ".gitignore").read_text().splitlines()[-1] == "*"
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=project,
                            capture_output=True, text=True, check=True).stdout
    assert ".supakit" not in status and "supabase/migrations/" in status
    url = started.stdout.strip()
    sock = project.resolve() / ".supakit" / "db" / "sock"
    assert url == f"postgresql://postgres@/postgres?host={sock}"
    assert "started with 2 migrations applied" in started.stderr
    st = state(project)
    pid = int(st["pid"])  # type: ignore[call-overload]
    assert alive(pid) and st["applied"] == ["20240101000000", "20240102000000"]
    if os.geteuid() == 0:
        assert Path(f"/proc/{pid}").stat().st_uid != 0

    assert run_cli("db", "url", "--project-dir", str(project)).stdout.strip() == url
    superuser = run_cli("db", "url", "--superuser", "--project-dir", str(project)).stdout.strip()
    assert superuser.startswith("postgresql://supabase_admin@/postgres?host=")

    audit = run_cli("audit", "--project-dir", str(project), "--db-url", url, "--format", "json")
    rep = report_json(audit)
    assert audit.returncode == 1 and "rls_disabled" in rules_of(rep)
    assert rep["info"]["pending"] == [] and rep["info"]["user"] == "postgres"

    psql = run_cli("db", "psql", "--project-dir", str(project), "-tA", "-c",
                   "select string_agg(version, ',' order by version) from supabase_migrations.schema_migrations")
    assert psql.returncode == 0, psql.stderr
    assert psql.stdout.strip() == "20240101000000,20240102000000"

    again = run_cli("db", "start", "--project-dir", str(project))
    assert again.returncode == 0 and again.stdout.strip() == url and "already running" in again.stderr
    assert state(project)["pid"] == pid

    stopped = run_cli("db", "stop", "--project-dir", str(project))
    assert stopped.returncode == 0 and "stopped and removed" in stopped.stderr
    assert wait_dead(pid, timeout=1)
    assert not (project / ".supakit").exists()  # db.lock and .gitignore too: nothing supakit made is left
    assert not postgres_running_in(sock.parent)

    gone = run_cli("db", "url", "--project-dir", str(project))
    assert gone.returncode == 2 and gone.stderr.count("\n") == 1 and "supakit db start" in gone.stderr
    twice = run_cli("db", "stop", "--project-dir", str(project))
    assert twice.returncode == 0 and "no database was running" in twice.stderr


def postgres_running_in(folder: Path) -> bool:
    """Any live process whose command line names this folder."""
    needle = str(folder.resolve()).encode()
    for p in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if needle in p.read_bytes() and alive(int(p.parent.name)):
                return True
        except OSError:
            continue
    return False


def test_start_reports_changed_migrations_and_reset_rebuilds(project: Path) -> None:
    assert run_cli("db", "start", "--project-dir", str(project)).returncode == 0
    first = int(state(project)["pid"])  # type: ignore[call-overload]
    (project / "supabase" / "migrations" / "20240103000000_more.sql").write_text(
        "create table public.more (id bigint primary key);\n")
    stale = run_cli("db", "start", "--project-dir", str(project))
    assert stale.returncode == 0 and "migrations changed" in stale.stderr
    url = stale.stdout.strip()
    for command in (["db", "url"], ["db", "psql", "--project-dir", str(project), "-c", "select 1"]):
        warned = run_cli(*command, "--project-dir", str(project)) if command[1] == "url" else run_cli(*command)
        assert warned.returncode == 0, warned.stderr
        assert "warning: the running database is out of date" in warned.stderr and "--reset" in warned.stderr
    pending = report_json(run_cli("audit", "--project-dir", str(project), "--db-url", url, "--format", "json"))
    assert pending["info"]["pending"] == ["supabase/migrations/20240103000000_more.sql"]

    reset = run_cli("db", "start", "--reset", "--project-dir", str(project))
    assert reset.returncode == 0 and "started with 3 migrations applied" in reset.stderr
    assert wait_dead(first)
    assert int(state(project)["pid"]) != first  # type: ignore[call-overload]


def test_explicit_exposure_is_what_the_audit_sees(project: Path) -> None:
    url = run_cli("db", "start", "--exposure", "explicit", "--project-dir", str(project)).stdout.strip()
    rep = report_json(run_cli("audit", "--project-dir", str(project), "--db-url", url, "--format", "json"))
    assert rep["exposure"] == "explicit"
    assert "rls_disabled" not in rules_of(rep)  # nothing was granted to the API roles


def test_a_killed_postmaster_is_noticed_and_cleaned_up(project: Path) -> None:
    assert run_cli("db", "start", "--project-dir", str(project)).returncode == 0
    pid = int(state(project)["pid"])  # type: ignore[call-overload]
    os.kill(pid, signal.SIGKILL)
    assert wait_dead(pid)
    res = run_cli("db", "url", "--project-dir", str(project))
    assert res.returncode == 2 and "no database is running" in res.stderr
    assert not (project / ".supakit" / "db.json").exists()
    assert not (project / ".supakit" / "db").exists()
    restarted = run_cli("db", "start", "--project-dir", str(project))
    assert restarted.returncode == 0 and "started" in restarted.stderr


def test_a_broken_migration_leaves_nothing_running(project: Path) -> None:
    (project / "supabase" / "migrations" / "20240103000000_bad.sql").write_text(
        "create table public.ok (id int);\nselect * from missing_table;\n")
    res = run_cli("db", "start", "--project-dir", str(project))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "supabase/migrations/20240103000000_bad.sql:2:" in res.stderr
    assert not (project / ".supakit" / "db").exists()
    assert not (project / ".supakit" / "db.json").exists()
    assert not postgres_running_in(project / ".supakit")


def test_unreachable_project_uses_a_temp_folder(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only as root does Postgres run as another OS user")
    os.chmod(tmp_path, 0o700)
    root = write_files(tmp_path / "proj", FILES)
    try:
        res = run_cli("db", "start", "--project-dir", str(root))
        assert res.returncode == 0, res.stderr
        folder = Path(str(state(root)["folder"]))
        assert folder.name.startswith("supakit-db-") and not folder.is_relative_to(tmp_path)
        pid = int(state(root)["pid"])  # type: ignore[call-overload]
        assert run_cli("audit", "--project-dir", str(root), "--db-url", res.stdout.strip()).returncode == 1
    finally:
        run_cli("db", "stop", "--project-dir", str(root))
    assert wait_dead(pid) and not folder.exists()


def test_db_commands_without_a_project(tmp_path: Path) -> None:
    res = run_cli("db", "url", cwd=tmp_path)
    assert res.returncode == 2 and "no supabase/ folder found" in res.stderr
