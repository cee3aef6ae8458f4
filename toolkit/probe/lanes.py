"""Where the probe's work runs: its own connection, or several connections at once.

With one lane everything happens on the probe's connection, inside one transaction that is rolled
back. With more, on a throwaway database that its owner discards after the probe, what every
request must see (users, rows, storage objects, the RPC write watch) is committed first, and the
requests then go out over one connection per lane, each lane inside a transaction of its own that
is rolled back. Every request still runs in its own savepoint that is rolled back, so no request
sees another's writes and a result does not depend on which lane ran it, nor when.

Request code asks `lanes.conn` for its connection: the probe's own outside `map`, the lane's
inside it.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from toolkit.engine.cleanup import leave_signals_to_main

if TYPE_CHECKING:
    import psycopg

    from toolkit.engine.base import Database

T = TypeVar("T")
R = TypeVar("R")
_STOP_WAIT_S = 5.0  # how long a lane may take to give up its request after an interrupt


def default_jobs() -> int:
    """One lane per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class Lanes:
    """The probe's connection (`main`) and, with jobs > 1, one more connection per extra lane.
    A context manager: it opens the probe's rolled-back transaction (one lane) or the lanes'
    connections (several), and closes what it opened."""

    def __init__(self, db: Database, main: psycopg.Connection, jobs: int = 1, *,
                 statement_timeout: str | None = None) -> None:
        self.db = db
        self.main = main
        self.jobs = max(1, jobs)
        self.statement_timeout = statement_timeout  # of every statement the probe's own SQL runs
        self.conns: list[psycopg.Connection] = [main]
        self._outer: AbstractContextManager[Any] | None = None
        self._local = threading.local()

    @property
    def parallel(self) -> bool:
        return self.jobs > 1

    @property
    def conn(self) -> psycopg.Connection:
        """The connection of the lane this thread works for."""
        return getattr(self._local, "conn", self.main)

    def __enter__(self) -> Lanes:
        if self.parallel:
            self._open(self.jobs - 1)
        else:
            self._outer = self.main.transaction(force_rollback=True)
            self._outer.__enter__()
            self.limit(self.main)
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if self._outer is not None:
                self._outer.__exit__(*exc)
        finally:
            for conn in self.conns[1:]:
                conn.close()
            del self.conns[1:]

    @contextlib.contextmanager
    def setup(self) -> Iterator[psycopg.Connection]:
        """Writes every request must see: kept in the probe's transaction (one lane), committed
        before the lanes run (several)."""
        if not self.parallel:
            yield self.main
            return
        with self.main.transaction():
            self.limit(self.main)
            yield self.main

    def limit(self, conn: psycopg.Connection) -> None:
        """The transaction's statement timeout (a request sets its own, shorter one)."""
        if self.statement_timeout:
            conn.execute("SELECT set_config('statement_timeout', %s, true)", [self.statement_timeout])

    def _open(self, n: int) -> None:
        """n more connections, opened at once (each mostly waits for the server)."""
        got: queue.SimpleQueue[Any] = queue.SimpleQueue()

        def connect() -> None:
            leave_signals_to_main()
            try:
                got.put(self.db.connect(autocommit=True))
            except BaseException as e:  # noqa: BLE001 - raised on the caller's thread
                got.put(e)

        threads = [threading.Thread(target=connect, daemon=True) for _ in range(n)]
        for t in threads:
            t.start()
        error = None
        for _ in threads:
            item = got.get()
            if isinstance(item, BaseException):
                error = error or item
            else:
                self.conns.append(item)
        if error is not None:
            raise error

    def map(self, work: Callable[[T], R], items: Sequence[T],
            done: Callable[[int], None] | None = None, *, commit: bool = False) -> list[R]:
        """work(item) for every item, the results in the items' order. `done(n)` hears on the
        caller's thread how many items are finished. The first error stops the lanes and is
        raised here. With `commit` (several lanes only) each lane commits what it wrote when no
        item is left, instead of rolling it back: the synthesised rows every later lane needs."""
        if self.parallel:
            return _Run(self, work, items, done, commit).run() if items else []
        out = []
        for i, item in enumerate(items):
            if done is not None:
                done(i)
            out.append(work(item))
        return out


class _Run:
    """One `map` over several lanes: a thread per lane takes the next item until none is left."""

    def __init__(self, lanes: Lanes, work: Callable[[Any], Any], items: Sequence[Any],
                 done: Callable[[int], None] | None, commit: bool = False) -> None:
        self.lanes = lanes
        self.commit = commit
        self.work = work
        self.items = items
        self.done = done
        self.results: list[Any] = [None] * len(items)
        self.errors: list[BaseException] = []
        self.events: queue.SimpleQueue[bool] = queue.SimpleQueue()  # True: an item done; False: a lane
        self.lock = threading.Lock()
        self.next = iter(range(len(items)))

    def take(self) -> int | None:
        with self.lock:
            return None if self.errors else next(self.next, None)

    def lane(self, conn: psycopg.Connection) -> None:
        leave_signals_to_main()
        self.lanes._local.conn = conn
        try:
            with conn.transaction(force_rollback=not self.commit):
                self.lanes.limit(conn)
                while (i := self.take()) is not None:
                    self.results[i] = self.work(self.items[i])
                    self.events.put(True)
        except BaseException as e:  # noqa: BLE001 - raised on the caller's thread
            with self.lock:
                self.errors.append(e)
        finally:
            self.events.put(False)

    def run(self) -> list[Any]:
        threads = [threading.Thread(target=self.lane, args=(conn,), daemon=True, name=f"supakit-lane-{n}")
                   for n, conn in enumerate(self.lanes.conns)]
        for t in threads:
            t.start()
        count, running = 0, len(threads)
        try:
            while running:
                if self.events.get():
                    count += 1
                    if self.done is not None:
                        self.done(count)
                else:
                    running -= 1
        except BaseException:  # Ctrl-C or SIGTERM: stop taking items, cancel what runs, wait a little
            with self.lock:
                self.errors.append(RuntimeError("stopped"))
            for conn in self.lanes.conns:
                with contextlib.suppress(Exception):
                    conn.cancel_safe(timeout=1)
            for t in threads:
                t.join(_STOP_WAIT_S)
            raise
        for t in threads:
            t.join()
        if self.errors:
            raise self.errors[0]
        return self.results
