"""The local engine: real clusters, started and stopped as root and as an ordinary user."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import psycopg
import pytest

from toolkit.engine import cleanup
from toolkit.engine.binaries import find_binaries
from toolkit.engine.local import LocalEngine, cache_root, run_as
from toolkit.errors import EngineError

REPO = Path(__file__).resolve().parents[2]


def test_start_query_stop_removes_everything(engine: LocalEngine) -> None:
    db = engine.start()
    base = db.cluster.base
    pid = db.cluster.proc.pid
    with db.connect() as conn:
        user, superuser = conn.execute(
            "select current_user, rolsuper from pg_roles where rolname = current_user").fetchone()
    assert user == "postgres" and superuser is False
    with db.connect(superuser=True) as conn:
        assert conn.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]
    db.close()
    assert not base.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    db.close()  # twice is fine


def test_close_later_stops_the_server_at_once_and_leaves_the_folder_to_the_exit(engine: LocalEngine) -> None:
    """close_later (the CLI's audit, so the report renders while the folder goes): the server is
    gone when it returns; the folder's removal runs in a child process, and the cleanup the
    process's exit runs waits for it and removes what is left."""
    db = engine.start()
    base, pid, key = db.cluster.base, db.cluster.proc.pid, db.cluster._key
    with db.connect() as conn:
        conn.execute("create table filler as select g from generate_series(1, 100000) g")
    db.close_later()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    finish = cleanup._cleanups[key]  # what the exit will run
    finish()
    assert not base.exists()
    assert key not in cleanup._cleanups
    db.close()  # and after that, close is still fine


def test_postgres_runs_unprivileged_when_root(engine: LocalEngine) -> None:
    if os.geteuid() != 0:
        pytest.skip("only meaningful when the tests run as root")
    with engine.start() as db:
        owner = Path(f"/proc/{db.cluster.proc.pid}").stat().st_uid
        assert owner != 0
        assert owner == run_as().uid
        assert not (db.cluster.base / "sock").stat().st_mode & 0o077


def test_no_tcp_port_is_opened(engine: LocalEngine) -> None:
    with engine.start() as db, db.connect() as conn:
        assert conn.execute("show listen_addresses").fetchone()[0] == ""
        assert conn.execute("show fsync").fetchone()[0] == "off"
        assert conn.execute("show jit").fetchone()[0] == "off"


def test_two_clusters_at_once_do_not_clash(engine: LocalEngine) -> None:
    with engine.start() as a, engine.start() as b:
        assert a.dsn != b.dsn
        with a.connect() as ca, b.connect() as cb:
            ca.execute("create table only_in_a (id int)")
            assert cb.execute("select to_regclass('public.only_in_a')").fetchone()[0] is None


def test_template_is_built_once_and_reused(engine: LocalEngine) -> None:
    engine.start().close()
    template = cache_root() / engine.template_key()
    assert (template / "PG_VERSION").is_file()
    stamp = template.stat().st_mtime_ns
    inode = template.stat().st_ino
    engine.start().close()
    assert template.stat().st_ino == inode and template.stat().st_mtime_ns == stamp


def test_stale_template_is_replaced(engine: LocalEngine) -> None:
    stale = cache_root() / "template-9.6-000000000000-0"
    stale.mkdir(parents=True, exist_ok=True)
    (stale / "PG_VERSION").write_text("9.6\n")
    key_dir = cache_root() / engine.template_key()
    import shutil

    shutil.rmtree(key_dir, ignore_errors=True)
    engine.start().close()
    assert not stale.exists()
    assert (key_dir / "PG_VERSION").is_file()


def test_broken_template_is_rebuilt(engine: LocalEngine) -> None:
    engine.start().close()
    template = cache_root() / engine.template_key()
    (template / "global" / "pg_control").write_bytes(b"garbage")
    with engine.start() as db, db.connect() as conn:
        assert conn.execute("select 1").fetchone()[0] == 1
    assert (template / "global" / "pg_control").stat().st_size > 7


def test_unwritable_cache_falls_back_to_fresh_initdb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    warnings: list[str] = []
    eng = LocalEngine(warn=warnings.append)
    with eng.start() as db, db.connect() as conn:
        assert conn.execute("select to_regprocedure('auth.uid()') is not null").fetchone()[0]
    assert any("not writable" in w for w in warnings)


def test_missing_binaries_explain_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPAKIT_PG_BINDIR", str(tmp_path))
    with pytest.raises(EngineError, match="apt-get install -y postgresql"):
        find_binaries()


def test_postmaster_dies_with_a_killed_parent(public_tmp: Path) -> None:
    """Even SIGKILL of supakit leaves no postmaster behind (parent-death signal)."""
    tmp_path = public_tmp
    script = textwrap.dedent(
        """
        import sys, time
        from toolkit.engine.local import LocalEngine
        db = LocalEngine().start()
        print(db.cluster.proc.pid, db.cluster.base, flush=True)
        time.sleep(60)
        """
    )
    env = {**os.environ, "SUPAKIT_TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    pid_s, base_s = proc.stdout.readline().split()
    proc.kill()
    proc.wait()
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(int(pid_s), 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("postmaster outlived its killed parent")
    # the folder is swept by the next run once the owner is gone
    assert Path(base_s).exists()
    removed = cleanup.sweep_stale_runs(tmp_path, min_age_s=0)
    assert removed == 1 and not Path(base_s).exists()


def test_unreachable_temp_folder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root hands the cluster to another user")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    monkeypatch.setenv("SUPAKIT_TMPDIR", str(private))
    with pytest.raises(EngineError, match="not reachable by OS user"):
        LocalEngine().start()


def test_engine_works_as_an_ordinary_user(public_tmp: Path) -> None:
    """As a non-root user the engine runs Postgres as that same user."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user")
    system_python = Path("/usr/bin/python3")
    if not system_python.exists():
        pytest.skip("no /usr/bin/python3 that an unprivileged user can run")
    ver = subprocess.run([str(system_python), "-c", "import sys; print(sys.version_info[:2])"],
                         capture_output=True, text=True).stdout.strip()
    if ver != str(sys.version_info[:2]):
        pytest.skip(f"/usr/bin/python3 is {ver}, not the test interpreter's version")
    user = pwd.getpwnam("nobody") if os.environ.get("SUPAKIT_PG_OS_USER") == "postgres" else pwd.getpwnam("postgres")
    from toolkit.engine.local import RunAs, _check_traversable

    who = RunAs(user.pw_uid, user.pw_gid, user.pw_name)
    site = sysconfig.get_paths()["purelib"]
    for needed in (REPO, Path(site)):
        try:
            _check_traversable(needed, who)
        except EngineError as e:
            pytest.skip(f"the checkout or its packages are private to root here: {e}")
    home = public_tmp / "home"
    home.mkdir()
    os.chown(home, user.pw_uid, user.pw_gid)
    script = textwrap.dedent(
        """
        import os
        from toolkit.engine.local import LocalEngine
        with LocalEngine().start() as db, db.connect() as conn:
            print(os.geteuid(), os.stat(f"/proc/{db.cluster.proc.pid}").st_uid,
                  conn.execute("select current_user").fetchone()[0])
            base = db.cluster.base
        print(base.exists())
        """
    )
    res = subprocess.run(
        [str(system_python), "-c", script], capture_output=True, text=True, timeout=120,
        user=user.pw_uid, group=user.pw_gid, extra_groups=[],
        env={"PYTHONPATH": f"{REPO}:{site}", "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
             "PATH": "/usr/bin:/bin", "SUPAKIT_TMPDIR": str(home)},
    )
    assert res.returncode == 0, res.stderr
    first, second = res.stdout.splitlines()
    euid, pg_uid, current = first.split()
    assert int(euid) == user.pw_uid == int(pg_uid)
    assert current == "postgres"
    assert second == "False"


def test_connection_refused_after_close(engine: LocalEngine) -> None:
    db = engine.start()
    dsn = db.dsn
    db.close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn, connect_timeout=2)
