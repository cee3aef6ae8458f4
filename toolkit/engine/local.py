"""Throwaway PostgreSQL from the machine's own binaries: no Docker, root-safe, template-cached."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.engine import cleanup
from toolkit.engine.base import Database
from toolkit.engine.binaries import PgBinaries, find_binaries
from toolkit.errors import EngineError
from toolkit.pause import pause_point

SERVER_OPTIONS = (
    "listen_addresses=",
    "fsync=off",
    "full_page_writes=off",
    "synchronous_commit=off",
    "max_wal_senders=0",
    "wal_level=minimal",
    "shared_buffers=32MB",
    "max_connections=40",
    # The probe holds a lock on every table it fills, in one transaction: the default 64 per
    # connection (2,560 in all) ran out at about 2,700 tables and skipped the rest.
    "max_locks_per_transaction=1024",
    "log_min_messages=warning",
    "dynamic_shared_memory_type=mmap",  # segments live in the data folder and go with it
    # Catalog queries on thousands of tables pass jit_above_cost and spend more compiling than
    # running: at 5,000 tables the probe's TYPES query 0.04 s run, 0.4-1.3 s compiled.
    "jit=off",
)
BOOTSTRAP_USER = "supabase_admin"
TEMPLATE_FORMAT = "1"  # bump when the layout of a cached template changes
START_TIMEOUT_S = 30.0
_PR_SET_PDEATHSIG = 1
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


@dataclass(frozen=True)
class RunAs:
    """Who Postgres runs as. As root it must be an unprivileged user; otherwise ourselves."""

    uid: int | None
    gid: int | None
    name: str

    @property
    def kwargs(self) -> dict[str, Any]:
        if self.uid is None:
            return {}
        env = {**os.environ, "HOME": "/tmp", "USER": self.name, "LOGNAME": self.name}
        env.pop("PGDATA", None)
        return {"user": self.uid, "group": self.gid, "extra_groups": [], "env": env}

    def chown(self, path: Path) -> None:
        if self.uid is not None:
            os.chown(path, self.uid, self.gid if self.gid is not None else -1)


def run_as() -> RunAs:
    if os.geteuid() != 0:
        return RunAs(None, None, pwd.getpwuid(os.geteuid()).pw_name)
    for name in (os.environ.get("SUPAKIT_PG_OS_USER"), "postgres", "nobody"):
        if not name:
            continue
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        if pw.pw_uid != 0:
            return RunAs(pw.pw_uid, pw.pw_gid, name)
    raise EngineError(
        "running as root and no unprivileged OS user (postgres or nobody) exists to run PostgreSQL; "
        "create one (`useradd postgres`) or set SUPAKIT_PG_OS_USER"
    )


def _die_with_parent() -> None:
    """Runs in the postmaster's child process: if supakit is killed (even SIGKILL), so is Postgres."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT, 0, 0, 0)


def _own_network(mapped: bool) -> bool:
    """Move this process into a new, empty network namespace: dblink, postgres_fdw or http in a
    migration can then reach no host. `mapped` (not root) needs a user namespace mapping only us."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        if not mapped:
            return bool(libc.unshare(_CLONE_NEWNET) == 0)
        uid, gid = os.geteuid(), os.getegid()
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
            return False
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as fh:
                fh.write(text)
        return True
    return False


def _postmaster_setup(who: RunAs, *, die_with_parent: bool) -> Callable[[], None]:
    """What the postmaster's process does before exec: its own network namespace when the kernel
    lets us (best effort, see docs/security.md), the unprivileged user, death with its parent."""

    def setup() -> None:
        isolated = os.geteuid() == 0 and _own_network(mapped=False)
        if who.uid is not None:
            os.setgroups([])
            os.setgid(who.gid if who.gid is not None else who.uid)
            os.setuid(who.uid)
        if not isolated:
            _own_network(mapped=True)
        if die_with_parent:
            _die_with_parent()

    return setup


def _tmp_root() -> Path:
    return Path(os.environ.get("SUPAKIT_TMPDIR") or tempfile.gettempdir())


SHM = Path("/dev/shm")
SHM_MIN_FREE = 2 << 30  # a 5,000-table project's cluster takes 0.6 GB


def _run_root() -> Path:
    """Where throwaway clusters live: SUPAKIT_TMPDIR or TMPDIR when set, else memory (/dev/shm)
    when it has room, else the system temp folder. A cluster deleted after the run gains nothing
    from a disk, and on a busy disk the template copy and every CREATE TABLE's new files cost
    several times more (warm start 0.65 s against 0.1 s)."""
    if os.environ.get("SUPAKIT_TMPDIR") or os.environ.get("TMPDIR"):
        return _tmp_root()
    try:
        st = os.statvfs(SHM)
    except OSError:
        return _tmp_root()
    if st.f_bavail * st.f_frsize >= SHM_MIN_FREE and os.access(SHM, os.W_OK | os.X_OK):
        return SHM
    return _tmp_root()


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "supakit"


class Cluster:
    """One running postmaster in a private folder. Stopping it deletes the folder."""

    def __init__(self, bins: PgBinaries, who: RunAs, base: Path, *, detached: bool = False) -> None:
        self.bins = bins
        self.who = who
        self.base = base
        self.detached = detached
        self.data = base / "data"
        self.sock = base / "sock"
        self.log = base / "postgres.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._key = id(self)
        cleanup.register(self._key, self.destroy)

    @classmethod
    def new_folder(cls, bins: PgBinaries, who: RunAs) -> Cluster:
        tmp = _run_root()
        if not tmp.is_dir():
            raise EngineError(f"temp folder {tmp} does not exist; set SUPAKIT_TMPDIR or TMPDIR to a writable folder")
        _check_traversable(tmp, who)
        cleanup.sweep_stale_runs(tmp)
        base = Path(tempfile.mkdtemp(prefix=cleanup.RUN_PREFIX, dir=tmp))
        (base / cleanup.OWNER_FILE).write_text(str(os.getpid()))
        os.chmod(base, 0o711)
        cluster = cls(bins, who, base)
        cluster.sock.mkdir(mode=0o700)
        who.chown(base)
        who.chown(cluster.sock)
        return cluster

    @classmethod
    def in_folder(cls, bins: PgBinaries, who: RunAs, base: Path) -> Cluster:
        """A cluster in a fixed, new folder whose postmaster may outlive us (`supakit db start`)."""
        base.parent.mkdir(parents=True, exist_ok=True)
        _check_traversable(base.parent, who)
        try:
            base.mkdir(mode=0o711)
        except FileExistsError:
            raise EngineError(f"{base} already exists; run `supakit db stop` first") from None
        os.chmod(base, 0o711)
        cluster = cls(bins, who, base, detached=True)
        cluster.sock.mkdir(mode=0o700)
        who.chown(base)
        who.chown(cluster.sock)
        return cluster

    def initdb(self) -> None:
        res = subprocess.run(
            [
                self.bins.path("initdb"), "-D", str(self.data), "-U", BOOTSTRAP_USER,
                "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions",
            ],
            capture_output=True, text=True, **self.who.kwargs,
        )
        if res.returncode != 0:
            out = res.stderr or res.stdout
            raise EngineError(f"initdb failed: {_last_lines(out)}{_disk_hint(out, self.base)}")

    def copy_from(self, template: Path) -> None:
        res = subprocess.run(["cp", "-a", str(template), str(self.data)], capture_output=True, text=True)
        if res.returncode != 0:
            why = NO_SPACE if NO_SPACE in res.stderr else _last_lines(res.stderr)
            raise EngineError(f"could not copy the template cluster to {self.base}: {why}"
                              f"{_disk_hint(res.stderr, self.base)}")
        if self.who.uid is not None and self.data.stat().st_uid != self.who.uid:
            subprocess.run(["chown", "-R", f"{self.who.uid}:{self.who.gid}", str(self.data)], check=True)
        (self.data / "postmaster.pid").unlink(missing_ok=True)

    def start(self) -> None:
        args = [self.bins.path("postgres"), "-D", str(self.data), "-k", str(self.sock)]
        for opt in SERVER_OPTIONS:
            args += ["-c", opt]
        logf = open(self.log, "ab")  # noqa: SIM115 - handed to the child, closed below
        try:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True,
                preexec_fn=_postmaster_setup(self.who, die_with_parent=not self.detached),
                env=self.who.kwargs.get("env"),
            )
        except OSError as e:
            raise EngineError(f"could not start postgres: {e}") from e
        finally:
            logf.close()
        pause_point("start")
        self._wait_ready()

    def _wait_ready(self) -> None:
        pidfile = self.data / "postmaster.pid"
        deadline = time.monotonic() + START_TIMEOUT_S
        delay = 0.002
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                tail = self._log_tail()
                raise EngineError(f"postgres exited while starting: {tail}{_disk_hint(tail, self.base)}")
            with contextlib.suppress(OSError):
                lines = pidfile.read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    return
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        raise EngineError(f"postgres did not become ready within {START_TIMEOUT_S:.0f}s: {self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return _last_lines(self.log.read_text(errors="replace"))
        except OSError:
            return "(no server log)"

    def dsn(self, user: str) -> str:
        return f"host={self.sock} port=5432 user={user} dbname=postgres"

    def alive(self, grace: float = 0.0) -> bool:
        """Whether the postmaster runs; with `grace`, a dying one gets that long to finish dying."""
        if self.proc is None:
            return False
        if grace <= 0:
            return self.proc.poll() is None
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            return True
        return False

    def network_isolated(self) -> bool:
        """True when the postmaster runs in a network namespace of its own (no route anywhere)."""
        if self.proc is None:
            return False
        try:
            return os.readlink(f"/proc/{self.proc.pid}/ns/net") != os.readlink("/proc/self/ns/net")
        except OSError:
            return False

    def stop(self, *, clean: bool = False) -> None:
        """clean=True waits for a checkpoint (needed before copying the folder as a template)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGINT if clean else signal.SIGQUIT)
            try:
                self.proc.wait(timeout=30 if clean else 5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def destroy(self, *, later: bool = False) -> None:
        """Stop the server, then delete the folder. `later`: once the server is gone, the folder
        goes in a child process (`rm -rf`) while we go on (the report renders meanwhile: at 5,000
        tables the removal alone took 1.5 s); our exit waits for it (see _remove_in_background)."""
        try:
            self.stop()
        finally:
            if not (later and self.proc is None and self._remove_in_background()):
                shutil.rmtree(self.base, ignore_errors=True)
                cleanup.unregister(self._key)

    def _remove_in_background(self) -> bool:
        """`rm -rf` of the folder, with a cleanup in place of destroy's that waits for it at exit
        and removes whatever it left (an `rm` that Ctrl-C stopped with us). False: no `rm` here."""
        try:
            rm = subprocess.Popen(["rm", "-rf", "--", str(self.base)], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return False
        base, key = self.base, self._key

        def finish() -> None:
            try:
                rm.wait(timeout=60)
            except subprocess.TimeoutExpired:
                rm.kill()
            finally:
                shutil.rmtree(base, ignore_errors=True)
                cleanup.unregister(key)

        cleanup.register(key, finish)
        return True

    def release(self) -> None:
        """Leave the postmaster running after we exit; its folder now belongs to `supakit db stop`."""
        cleanup.unregister(self._key)
        self.proc = None


def _check_traversable(folder: Path, who: RunAs) -> None:
    """As root, Postgres runs as another user, who must be able to reach our temp folder."""
    if who.uid is None:
        return
    for d in (folder.resolve(), *folder.resolve().parents):
        st = d.stat()
        ok = st.st_mode & 0o001 or (st.st_uid == who.uid and st.st_mode & 0o100) or (
            st.st_gid == who.gid and st.st_mode & 0o010)
        if not ok:
            raise EngineError(
                f"{d} is not reachable by OS user {who.name}, who runs PostgreSQL; "
                "set SUPAKIT_TMPDIR to a folder under /tmp")


NO_SPACE = "No space left on device"


def _disk_hint(output: str, folder: Path) -> str:
    """Name the full disk and the way out, when that is why a step failed."""
    if NO_SPACE not in (output or ""):
        return ""
    return (f" (the disk holding {folder.parent} is full: free space there, or set SUPAKIT_TMPDIR "
            "to a folder with room for a cluster, about 50 MB plus your data)")


def _last_lines(text: str, n: int = 3) -> str:
    lines = [ln.strip() for ln in (text or "").strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:]) or "(no output)"


@contextlib.contextmanager
def _file_lock(path: Path, *, shared: bool = False, wait: bool = True) -> Iterator[bool]:
    """flock on `path`. With wait=False, yields False at once when someone else holds it."""
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _lock_of(template: Path) -> Path:
    """Builders and removers hold it exclusively, runs copying the template hold it shared."""
    return template.parent / f"{template.name}.lock"


def _remove_stale(root: Path, key: str) -> None:
    """Templates of other versions, unless a run (of any version) is copying one right now, and
    partial copies whose writer is gone."""
    for stale in root.glob("template-*"):
        if not stale.is_dir() or stale.name == key:
            continue
        _, _, pid = stale.name.partition(".partial-")
        if pid:
            if not (pid.isdigit() and cleanup.pid_alive(int(pid))):
                shutil.rmtree(stale, ignore_errors=True)
            continue
        with _file_lock(_lock_of(stale), wait=False) as free:
            if free:
                shutil.rmtree(stale, ignore_errors=True)


def _load_shim(cluster: Cluster) -> None:
    import psycopg

    from toolkit import shim

    try:
        with psycopg.connect(cluster.dsn(BOOTSTRAP_USER), autocommit=True) as conn:
            pause_point("shim")
            shim.load(conn)
    except psycopg.Error as e:
        raise EngineError(f"the Supabase shim failed to load: {e}") from e


class LocalEngine:
    """Starts throwaway clusters copied from a cached, shim-loaded template."""

    name = "local"

    def __init__(
        self,
        *,
        bins: PgBinaries | None = None,
        use_cache: bool = True,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.bins = bins or find_binaries()
        self.who = run_as()
        self.use_cache = use_cache
        self.warn = warn or (lambda msg: print(f"supakit: warning: {msg}", file=sys.stderr))

    def template_key(self) -> str:
        from toolkit.shim import shim_hash

        return f"template-{self.bins.version}-{shim_hash()}-{TEMPLATE_FORMAT}"

    def _new_cluster(self, folder: Path | None) -> Cluster:
        if folder is None:
            return Cluster.new_folder(self.bins, self.who)
        return Cluster.in_folder(self.bins, self.who, folder)

    def _fresh_cluster(self, folder: Path | None = None) -> Cluster:
        cluster = self._new_cluster(folder)
        try:
            cluster.initdb()
            pause_point("initdb")
            cluster.start()
            _load_shim(cluster)
        except BaseException:
            cluster.destroy()
            raise
        return cluster

    def _template(self) -> Path | None:
        """The cached template folder, built under a lock the first time. None when uncachable."""
        root = cache_root()
        try:
            root.mkdir(parents=True, exist_ok=True)
            probe = root / f".write-test-{os.getpid()}"
            probe.write_text("")
            probe.unlink()
        except OSError as e:
            self.warn(f"cache folder {root} is not writable ({e.strerror}); using a fresh initdb")
            return None
        key = self.template_key()
        target = root / key
        if (target / "PG_VERSION").is_file():
            return target
        with _file_lock(_lock_of(target)):
            if (target / "PG_VERSION").is_file():
                return target
            _remove_stale(root, key)
            cluster = self._fresh_cluster()
            partial = root / f"{key}.partial-{os.getpid()}"
            try:
                cluster.stop(clean=True)
                shutil.rmtree(partial, ignore_errors=True)
                res = subprocess.run(["cp", "-a", str(cluster.data), str(partial)], capture_output=True, text=True)
                if res.returncode != 0:
                    self.warn(f"could not write the template cache ({_last_lines(res.stderr)}); using a fresh initdb")
                    return None
                pause_point("template")
                os.replace(partial, target)
            finally:
                shutil.rmtree(partial, ignore_errors=True)  # gone already unless we failed or were stopped
                cluster.destroy()
        return target

    def _from_template(self, template: Path, folder: Path | None = None) -> Cluster | None:
        cluster = self._new_cluster(folder)
        try:
            with _file_lock(_lock_of(template), shared=True):
                cluster.copy_from(template)
            cluster.start()
        except EngineError as e:
            cluster.destroy()
            if NO_SPACE in str(e):  # our temp folder is full; the template is fine, keep it
                raise
            return None
        except BaseException:
            cluster.destroy()
            raise
        return cluster

    def start(self, *, exposure: str = "legacy", folder: Path | None = None) -> LocalDatabase:
        """A running cluster. With `folder` it lives there and is detached: it does not die with
        this process, and only `close()` (or `supakit db stop`) ends it."""
        cluster: Cluster | None = None
        template = self._template() if self.use_cache else None
        if template is not None:
            cluster = self._from_template(template, folder)
            if cluster is None:
                self.warn("the cached template did not start; rebuilding it")
                with _file_lock(_lock_of(template)):
                    shutil.rmtree(template, ignore_errors=True)
                template = self._template()
                cluster = self._from_template(template, folder) if template is not None else None
        if cluster is None:
            cluster = self._fresh_cluster(folder)
        db = LocalDatabase(cluster, exposure=exposure)
        try:
            if exposure == "explicit":
                db.set_explicit_exposure()
        except BaseException:
            db.close()
            raise
        return db


class LocalDatabase(Database):
    def __init__(self, cluster: Cluster, *, exposure: str) -> None:
        super().__init__(
            dsn=cluster.dsn("postgres"),
            superuser_dsn=cluster.dsn(BOOTSTRAP_USER),
            kind="local",
            throwaway=True,
            server_version=cluster.bins.version,
            shim_loaded=True,
            exposure=exposure,
        )
        self.cluster = cluster

    def set_explicit_exposure(self) -> None:
        from toolkit.shim import read_sql

        with self.connect(superuser=True) as conn:
            conn.execute(read_sql("exposure_explicit.sql"))
        self.exposure = "explicit"

    def alive(self, grace: float = 0.0) -> bool:
        return self.cluster.alive(grace)

    def close(self) -> None:
        self.cluster.destroy()

    def close_later(self) -> None:
        self.cluster.destroy(later=True)
