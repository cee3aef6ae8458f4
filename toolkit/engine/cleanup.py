"""Make Ctrl-C and SIGTERM unwind normally so every throwaway cluster is stopped and deleted."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path


class Terminated(BaseException):
    """Raised in the main thread when SIGTERM or SIGHUP arrives (like KeyboardInterrupt for SIGINT)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_cleanups: dict[int, Callable[[], None]] = {}
_lock = threading.Lock()
_installed = False


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def install_signal_handlers() -> None:
    """SIGTERM/SIGHUP become an exception, so `with` blocks and `finally` clauses run."""
    global _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(OSError, ValueError):
            signal.signal(sig, _raise_terminated)
    _installed = True


SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def leave_signals_to_main() -> None:
    """Called first on every helper thread. The kernel hands a signal sent to the process to any
    thread that does not block it; one that lands on a helper only raises Python's flag, and the
    main thread, asleep in a system call (waiting for initdb, a pause, the server), would not see
    it until that call returns. Blocked on the helpers, it goes to the main thread and wakes it."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)


def register(key: int, fn: Callable[[], None]) -> None:
    """Remember a cleanup to run at interpreter exit if the owner never ran it."""
    with _lock:
        _cleanups[key] = fn


def unregister(key: int) -> None:
    with _lock:
        _cleanups.pop(key, None)


@atexit.register
def _run_leftovers() -> None:
    with _lock:
        fns = list(_cleanups.values())
        _cleanups.clear()
    for fn in fns:
        with contextlib.suppress(Exception):
            fn()


def pid_alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie (exited, not yet reaped) does not count."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


RUN_PREFIX = "supakit-run-"
OWNER_FILE = "supakit-owner.pid"


def sweep_stale_runs(tmp_root: Path, min_age_s: float = 30.0) -> int:
    """Delete run folders left by a supakit process that was killed with SIGKILL.

    The postmaster of such a run already died with its parent (PR_SET_PDEATHSIG); only the folder
    remains. Returns how many folders were removed.
    """
    removed = 0
    now = time.time()
    try:
        entries = list(tmp_root.glob(RUN_PREFIX + "*"))
    except OSError:
        return 0
    for d in entries:
        owner = d / OWNER_FILE
        try:
            pid = int(owner.read_text().strip())
            if pid_alive(pid) or now - owner.stat().st_mtime < min_age_s:
                continue
            pm = d / "data" / "postmaster.pid"
            if pm.exists():
                with contextlib.suppress(ValueError, OSError):
                    pm_pid = int(pm.read_text().splitlines()[0])
                    if pid_alive(pm_pid):
                        os.kill(pm_pid, signal.SIGQUIT)
                        continue
        except (OSError, ValueError):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed += 1
    return removed
