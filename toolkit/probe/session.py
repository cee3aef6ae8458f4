"""Requests the way the Data API makes them, on a connection that logged in as `postgres`.

PostgREST opens a transaction per request and, before the query, sets `search_path`, `role`
and `request.jwt.claims` with transaction-local `set_config(..., true)`. Here a request is a
SAVEPOINT on the caller's transaction, so requests nest inside one outer transaction that the
caller rolls back: the probe rolls every request back; the pytest plugin keeps the effects of
requests that succeed (like PostgREST's COMMIT) until the test ends.
"""

from __future__ import annotations

import functools
import itertools
import json
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from toolkit.probe.sqltext import lit

if TYPE_CHECKING:
    import psycopg
    from psycopg.pq.abc import PGresult

API_SEARCH_PATH = "public, extensions"
ISSUER = "http://127.0.0.1:54321/auth/v1"
DEADLOCK_RETRIES = 3
T = TypeVar("T")
_names = itertools.count(1)


@dataclass(frozen=True)
class User:
    """A row of auth.users and what GoTrue would put in its access token."""

    id: str
    email: str | None = None
    phone: str | None = None
    is_anonymous: bool = False
    app_metadata: dict[str, Any] = field(default_factory=dict)
    user_metadata: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def claims(self, *, aal: str = "aal1") -> dict[str, Any]:
        now = int(time.time())
        method = "anonymous" if self.is_anonymous else "password"
        return {
            "iss": ISSUER,
            "aud": "authenticated",
            "exp": now + 3600,
            "iat": now,
            "sub": self.id,
            "email": self.email or "",
            "phone": self.phone or "",
            "app_metadata": self.app_metadata,
            "user_metadata": self.user_metadata,
            "role": "authenticated",
            "aal": aal,
            "amr": [{"method": method, "timestamp": now}],
            "session_id": self.session_id,
            "is_anonymous": self.is_anonymous,
        }

    def __str__(self) -> str:
        return self.label or self.email or self.id


def anon_claims() -> dict[str, Any]:
    """The payload of a project's anon key: a role and no subject."""
    now = int(time.time())
    return {"iss": "supabase", "ref": "local", "role": "anon", "iat": now, "exp": now + 3600}


def service_role_claims() -> dict[str, Any]:
    now = int(time.time())
    return {"iss": "supabase", "ref": "local", "role": "service_role", "iat": now, "exp": now + 3600}


_HEADERS = json.dumps({"accept": "application/json"})


def _settings(role: str, claims: dict[str, Any], *, method: str, path: str, search_path: str,
              statement_timeout: str | None) -> list[tuple[str, str]]:
    """PostgREST's order: search_path, role settings, role, claims, request details."""
    out = [("search_path", search_path)]
    if statement_timeout:
        out.append(("statement_timeout", statement_timeout))
    return out + [
        ("role", role),
        ("request.jwt.claims", json.dumps(claims)),
        ("request.method", method),
        ("request.path", path),
        ("request.headers", _HEADERS),
    ]


def _set_sql(settings: list[tuple[str, str]]) -> str:
    return _set_sql_of(tuple(settings))


@functools.lru_cache(maxsize=256)
def _set_sql_of(settings: tuple[tuple[str, str], ...]) -> str:
    """The same few settings come back for every request of a second (the claims carry the time)."""
    calls = ", ".join(f"set_config({lit(k)}, {lit(v)}, true)" for k, v in settings)
    return f"SELECT {calls}"


@contextmanager
def request(
    conn: psycopg.Connection,
    role: str,
    claims: dict[str, Any],
    *,
    keep: bool = False,
    method: str = "POST",
    path: str = "/",
    search_path: str = API_SEARCH_PATH,
    statement_timeout: str | None = None,
) -> Iterator[psycopg.Connection]:
    """One Data API request on `conn`, which must be inside a transaction. With `keep`, a
    request that raises nothing keeps its effects (the role and claims are reset for whatever
    runs next); otherwise, and always on error, everything it did is rolled back."""
    sp = f"supakit_request_{next(_names)}"
    settings = _settings(role, claims, method=method, path=path, search_path=search_path,
                         statement_timeout=statement_timeout)
    before: tuple[Any, ...] = ()
    if keep:
        conn.execute(f"SAVEPOINT {sp}")
        row = conn.execute(
            "SELECT current_setting('search_path'), current_setting('statement_timeout')").fetchone()
        before = tuple(row) if row else ()
        conn.execute(_set_sql(settings))
    else:
        conn.execute(f"SAVEPOINT {sp}; {_set_sql(settings)}")
    try:
        yield conn
    except BaseException:
        _undo(conn, sp)
        raise
    if keep and not _failed(conn):
        conn.execute(_set_sql([("role", "none"), ("request.jwt.claims", ""), ("request.method", ""),
                               ("request.path", ""), ("request.headers", ""),
                               ("search_path", before[0]), ("statement_timeout", before[1])])
                     + f"; RELEASE SAVEPOINT {sp}")
    else:
        _undo(conn, sp)


def one_request(conn: psycopg.Connection, role: str, claims: dict[str, Any], sql: str, *,
                pre: tuple[str, ...] = (), method: str = "POST",
                statement_timeout: str | None = None) -> tuple[int, tuple[Any, ...] | None]:
    """Run one statement (no parameters) as a request that is rolled back: in one round trip when
    it succeeds (the rollback rides along), in two when it fails. Returns the statement's row
    count and first row."""
    results = _rolled_back(conn, role, claims, [*pre, sql], method=method, path="/",
                           statement_timeout=statement_timeout)
    res = results[len(pre)]
    return _rowcount(res), _first_row(conn, res)


def rolled_back_rows(conn: psycopg.Connection, role: str, claims: dict[str, Any],
                     statements: list[str], *, method: str, path: str,
                     statement_timeout: str | None = None,
                     read_only: bool = False) -> list[tuple[Any, ...] | None]:
    """Run statements as one request that is rolled back (see `one_request`); the first row of
    each. `read_only` runs them in a read-only transaction, as PostgREST runs a GET."""
    results = _rolled_back(conn, role, claims, statements, method=method, path=path,
                           statement_timeout=statement_timeout, read_only=read_only)
    return [_first_row(conn, results[i]) for i in range(len(statements))]


def _rolled_back(conn: psycopg.Connection, role: str, claims: dict[str, Any],
                 statements: list[str], *, method: str, path: str,
                 statement_timeout: str | None, read_only: bool = False) -> list[PGresult]:
    """The batch, run; its results from the first statement's on."""
    n = next(_names)
    settings = _settings(role, claims, method=method, path=path, search_path=API_SEARCH_PATH,
                         statement_timeout=statement_timeout)
    if read_only:
        settings.insert(0, ("transaction_read_only", "on"))
    batch = (f"SAVEPOINT supakit_request_{n}; {_set_sql(settings)}; {'; '.join(statements)}; "
             f"ROLLBACK TO SAVEPOINT supakit_request_{n}; RELEASE SAVEPOINT supakit_request_{n}")
    import psycopg

    sp = f"supakit_request_{n}"
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            results = _exchange(conn, batch)
            break
        except psycopg.errors.DeadlockDetected:
            # Requests on other lanes of the probe (lanes.py) lock rows too: the server broke a
            # cycle by cancelling this one, which says nothing about the policies. Ask again.
            _undo(conn, sp)
            if attempt == DEADLOCK_RETRIES:
                raise
        except BaseException:
            _undo(conn, sp)  # the server skipped the rest of the batch, rollback included
            raise
    return results[2:]  # past the savepoint and the settings


def _exchange(conn: psycopg.Connection, sql: str) -> list[PGresult]:
    """Every result of a simple-query string, or the error psycopg's `conn.execute` raises.

    Inside a transaction this is what `Cursor.execute` does underneath (libpq's send, psycopg's
    own fetch generator and `Connection.wait`, so Ctrl-C still cancels and drains the query) without
    the cursor, query conversion and prepared-statement bookkeeping around it: a third of the
    client's CPU per request. Elsewhere (no transaction yet, a pipeline, a closed connection)
    `conn.execute` itself, whose implicit BEGIN and checks the caller would otherwise miss."""
    e, execute, _ = _psycopg()
    pg = conn.pgconn
    if pg.transaction_status not in _IN_TRANSACTION or pg.pipeline_status:
        cur = conn.execute(sql)
        out = [cur.pgresult]
        while cur.nextset():
            out.append(cur.pgresult)
        return [r for r in out if r is not None]
    encoding = conn.info.encoding
    query = sql.encode(encoding)

    def send_and_fetch() -> Generator[Any, Any, list[PGresult]]:
        # sent from inside the generator, as the cursor does: an interrupt between the send and
        # the wait would otherwise leave a query running that `wait` does not know to cancel
        pg.send_query(query)
        return (yield from execute(pg))

    with conn.lock:
        results = conn.wait(send_and_fetch())
    for res in results:
        status = res.status
        if status in _FINE:
            continue
        if status == _FATAL_ERROR:
            raise e.error_from_result(res, encoding=encoding)
        if status in _COPY:
            raise e.ProgrammingError("COPY cannot be used with this method; use copy() instead")
        from psycopg.pq import ExecStatus

        raise e.InternalError(f"unexpected result status from query: {ExecStatus(status).name}")
    if not results:
        raise e.InternalError("got no result from the query")
    return results


def _rowcount(res: PGresult) -> int:
    """`Cursor.rowcount` on this result."""
    if res.status == _TUPLES_OK:
        return res.ntuples
    n = res.command_tuples
    return n if n is not None else -1


def _first_row(conn: psycopg.Connection, res: PGresult) -> tuple[Any, ...] | None:
    """What `cur.fetchone() if cur.description else None` gave: None without rows or columns
    (`SELECT` alone has an empty description), else the row loaded by psycopg's loaders for the
    connection, as the cursor loaded it."""
    if not res.nfields or not res.ntuples:
        return None
    tx = _psycopg()[2].from_context(conn)
    tx.set_pgresult(res)
    row: tuple[Any, ...] = tx.load_row(0, tuple)
    return row


@functools.cache
def _psycopg() -> tuple[Any, Any, Any]:
    """psycopg's errors, fetch generator and Transformer, imported once: a `from` import inside
    the request cost as much as a tenth of its CPU, and the CLI must not import psycopg to start."""
    from psycopg import errors, generators
    from psycopg.adapt import Transformer

    return errors, generators.execute, Transformer


# psycopg.pq's ExecStatus and TransactionStatus values, without importing psycopg for them
_TUPLES_OK, _FATAL_ERROR = 2, 7
_FINE = frozenset({0, 1, 2, 8})  # EMPTY_QUERY, COMMAND_OK, TUPLES_OK, COPY_BOTH: what psycopg accepts
_COPY = frozenset({3, 4})  # COPY_OUT, COPY_IN
_IN_TRANSACTION = frozenset({2, 3})  # INTRANS, INERROR


def deadlock_retried(fn: Callable[[], T]) -> T:
    """fn() (which rolls back what it did when it raises), asked again when the server cancelled
    it to break a deadlock with a request on another lane."""
    import psycopg

    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            return fn()
        except psycopg.errors.DeadlockDetected:
            if attempt == DEADLOCK_RETRIES:
                raise
    raise AssertionError("unreachable")


def _failed(conn: psycopg.Connection) -> bool:
    """The body swallowed an error, so the request's transaction cannot commit."""
    from psycopg.pq import TransactionStatus

    return conn.info.transaction_status == TransactionStatus.INERROR


def _undo(conn: psycopg.Connection, sp: str) -> None:
    _exchange(conn, f"ROLLBACK TO SAVEPOINT {sp}; RELEASE SAVEPOINT {sp}")


def as_user(conn: psycopg.Connection, user: User, **kw: Any) -> Any:
    """A request as a signed-in user (role `authenticated`, the user's claims)."""
    return request(conn, "authenticated", user.claims(), **kw)


def as_anon(conn: psycopg.Connection, **kw: Any) -> Any:
    """A request with the project's anon key."""
    return request(conn, "anon", anon_claims(), **kw)
