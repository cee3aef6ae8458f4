"""`supakit db start|stop|url|psql`: one migrated throwaway database that outlives the command,
so `supakit audit --db-url "$(supakit db url)"` and the developer's own tools can use it.

The cluster lives in `<project>/.supakit/db/` (or, when the postgres OS user cannot reach the
project or the socket path would be too long, in a temp folder named after the project); its
state (postmaster pid, socket folder, what was applied) is kept in `<project>/.supakit/db.json`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

from toolkit.engine import cleanup
from toolkit.errors import EngineError
from toolkit.progress import Progress, quiet
from toolkit.project import Project

STATE_DIR = ".supakit"
STATE_FILE = "db.json"
LOCK_FILE = "db.lock"
# Written when supakit creates the state folder, as pytest does for its cache: nothing in it
# belongs in git (a running cluster is a thousand files).
GITIGNORE = "# Created by supakit: local database state, never committed.\n*\n"
FOLDER_PREFIX = "supakit-db-"
MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux, 104 on macOS
STOP_TIMEOUT_S = 30.0


@dataclass
class DevDb:
    folder: str
    pid: int
    socket_dir: str
    exposure: str
    applied: list[str]
    fingerprint: str
    started_at: float

    def url(self, user: str = "postgres") -> str:
        return f"postgresql://{user}@/postgres?host={quote(self.socket_dir, safe='/')}"

    @property
    def data(self) -> Path:
        return Path(self.folder) / "data"


def _state_dir(project: Project) -> Path:
    return project.root.resolve() / STATE_DIR


def state_path(project: Project) -> Path:
    return _state_dir(project) / STATE_FILE


def _make_state_dir(project: Project) -> Path:
    d = _state_dir(project)
    d.mkdir(parents=True, exist_ok=True)
    ignore = d / ".gitignore"
    if not ignore.exists():  # also in a folder an older supakit made without one
        with contextlib.suppress(OSError):
            ignore.write_text(GITIGNORE)
    return d


def _remove_state_dir(project: Project) -> None:
    """Everything supakit put in the state folder, and the folder when nothing else is left."""
    d = _state_dir(project)
    for name in (STATE_FILE, LOCK_FILE, ".gitignore"):
        (d / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        d.rmdir()


@contextlib.contextmanager
def _locked(project: Project) -> Iterator[None]:
    """start and stop of the same project never interleave."""
    d = _make_state_dir(project)
    with open(d / LOCK_FILE, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def cluster_folder(project: Project, reachable: Callable[[Path], bool]) -> Path:
    """`.supakit/db` in the project when Postgres can reach it, else a per-project temp folder."""
    from toolkit.engine.local import _tmp_root

    preferred = _state_dir(project) / "db"
    if len(str(preferred / "sock" / ".s.PGSQL.5432").encode()) <= MAX_SOCKET_PATH and reachable(project.root.resolve()):
        return preferred
    digest = hashlib.sha256(str(project.root.resolve()).encode()).hexdigest()[:12]
    return _tmp_root() / f"{FOLDER_PREFIX}{digest}"


def fingerprint(project: Project) -> str:
    """Changes whenever a migration or the seed changes, so a stale database can be told apart."""
    from toolkit.migrations import discover

    h = hashlib.sha256()
    for mf in discover(project.migrations_dir, project.root).files:
        h.update(f"{mf.rel}\0{mf.checksum()}\0".encode())
    if project.seed_file.is_file():
        h.update(b"seed\0" + project.seed_file.read_bytes())
    return h.hexdigest()


def _read_state(project: Project) -> DevDb | None:
    try:
        raw = json.loads(state_path(project).read_text())
        return DevDb(**raw)
    except (OSError, ValueError, TypeError):
        return None


def _write_state(project: Project, state: DevDb) -> None:
    path = state_path(project)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2) + "\n")
    os.replace(tmp, path)


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _running(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)  # reap it when it was our own child
        if done == pid:
            return False
    return cleanup.pid_alive(pid)


def _is_postmaster_of(pid: int, data: Path) -> bool:
    """Guards against a recycled pid: the process must be a postgres started on this folder."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return _running(pid)  # no /proc (macOS): trust postmaster.pid, as pg_ctl does
    return str(data).encode() in cmdline


def running_pid(data: Path) -> int | None:
    pid = _postmaster_pid(data)
    if pid is not None and _running(pid) and _is_postmaster_of(pid, data):
        return pid
    return None


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _running(pid):
            return True
        time.sleep(0.02)
    return not _running(pid)


def stop_folder(folder: Path) -> bool:
    """Stop the postmaster of this cluster folder (fast shutdown, then immediate, then kill) and
    delete the folder. True when a postmaster was running."""
    pid = running_pid(folder / "data")
    if pid is not None:
        for sig, wait in ((signal.SIGINT, STOP_TIMEOUT_S), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            if _wait_gone(pid, wait):
                break
        else:
            raise EngineError(f"postgres (pid {pid}) did not stop; its folder {folder} is left in place")
    shutil.rmtree(folder, ignore_errors=True)
    return pid is not None


def current(project: Project) -> DevDb | None:
    """The running database of this project, or None. Leftovers of a dead one are removed."""
    state = _read_state(project)
    if state is None:
        return None
    if running_pid(state.data) == state.pid:
        return state
    stop_folder(Path(state.folder))
    state_path(project).unlink(missing_ok=True)
    return None


def start(project: Project, *, exposure: str | None = None, seed: bool = True, reset: bool = False,
          progress: Progress = quiet, statement_timeout: float | None = None) -> tuple[DevDb, bool]:
    """(state, started): an already running database is reused unless `reset`."""
    from toolkit.apply import apply_project
    from toolkit.engine.local import LocalEngine, _check_traversable

    with _locked(project):
        running = current(project)
        if running is not None and not reset:
            return running, False
        if running is not None:
            progress("stopping the running database to rebuild it")
            stop_folder(Path(running.folder))
            state_path(project).unlink(missing_ok=True)
        engine = LocalEngine()

        def reachable(p: Path) -> bool:
            try:
                _check_traversable(p, engine.who)
            except EngineError:
                return False
            return True

        folder = cluster_folder(project, reachable)
        stop_folder(folder)  # a folder no state file points at: a crashed start, or a deleted db.json
        mode = project.exposure_mode(exposure)
        db = engine.start(exposure=mode, folder=folder)
        try:
            result = apply_project(db, project, seed=seed, progress=progress, statement_timeout=statement_timeout)
            assert db.cluster.proc is not None
            state = DevDb(folder=str(folder), pid=db.cluster.proc.pid, socket_dir=str(db.cluster.sock),
                          exposure=mode, applied=result.applied, fingerprint=fingerprint(project),
                          started_at=time.time())
            _write_state(project, state)
        except BaseException:
            db.close()
            raise
        db.cluster.release()
        return state, True


def stop(project: Project) -> bool:
    """True when a database was running. Nothing supakit made is left afterwards: the cluster,
    its state and lock files, and the .supakit folder itself unless something else is in it."""
    if not _state_dir(project).is_dir():
        return False
    with _locked(project):
        state = _read_state(project)
        was_running = False
        if state is not None:
            was_running = stop_folder(Path(state.folder))
        _remove_state_dir(project)
        return was_running


def require(project: Project) -> DevDb:
    state = current(project)
    if state is None:
        raise EngineError("no database is running for this project; start one with `supakit db start`")
    return state


def stale(project: Project, state: DevDb) -> bool:
    """The migrations or the seed changed since the database was built."""
    return state.fingerprint != fingerprint(project)


STALE = "the migrations changed since; `supakit db start --reset` rebuilds it"


def psql_path() -> str:
    from toolkit.engine.binaries import find_binaries

    candidate = Path(find_binaries().path("psql"))
    found = str(candidate) if candidate.is_file() else shutil.which("psql")
    if not found:
        raise EngineError("psql was not found; install the PostgreSQL client (e.g. `apt-get install -y postgresql-client`)")
    return found


__all__ = ["DevDb", "current", "psql_path", "require", "start", "state_path", "stop", "stop_folder"]
