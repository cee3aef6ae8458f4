"""Apply migrations like the Supabase CLI, statement by statement, tracing every object to file:line."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from toolkit.errors import EngineError, MigrationError, first_line
from toolkit.extensions import ExtensionGate, StatementRefused
from toolkit.migrations import MigrationFile, read_sql_file
from toolkit.model import Location, SourceEvent, SourceMap
from toolkit.privileges import Plan, PlatformChange, PrivilegeGate
from toolkit.progress import Progress, Step, quiet
from toolkit.project import DEFAULT_STATEMENT_TIMEOUT
from toolkit.sql.split import SourceText, SqlSyntaxError, Statement, split_statements

if TYPE_CHECKING:
    import psycopg

    from toolkit.engine.base import Database
    from toolkit.project import Project

MAX_STATEMENT_TEXT = 2000

# Statements the CLI runs on their own, outside the file's transaction (they refuse a transaction block).
_STANDALONE_KINDS = {"vacuum_stmt", "alter_system_stmt", "cluster_stmt", "createdb_stmt", "dropdb_stmt",
                     "create_table_space_stmt", "drop_table_space_stmt", "create_subscription_stmt",
                     "drop_subscription_stmt", "alter_subscription_stmt"}


# Statements that only change the schema or its rows. A run of them goes to the server in one
# pipeline (one round trip, as the Supabase CLI sends a file), each behind a /*supakit:n*/ tag
# that the trace records with the objects it made (trace.sql), so every traced object still
# belongs to its own statement. Statements that may change the session (set, select, do, call,
# transaction control) or that the extension gate checks against the database run alone, after
# the pending run.
_BATCH_KINDS = frozenset({
    "create_stmt", "alter_table_stmt", "create_policy_stmt", "alter_policy_stmt", "index_stmt", "grant_stmt",
    "comment_stmt", "create_function_stmt", "create_trig_stmt", "view_stmt", "create_enum_stmt",
    "alter_enum_stmt", "create_seq_stmt", "alter_seq_stmt", "create_schema_stmt", "alter_default_privileges_stmt",
    "composite_type_stmt", "create_domain_stmt", "drop_stmt", "rename_stmt", "alter_owner_stmt",
    "alter_function_stmt", "insert_stmt", "update_stmt", "delete_stmt", "create_table_as_stmt", "rule_stmt",
})
MAX_BATCH = 500
_EVENTS = ("select seq, step, command_tag, object_type, object_identity from supakit.ddl_events "
           "where seq > %s order by seq")


def batchable(stmt: Statement) -> bool:
    return stmt.kind in _BATCH_KINDS and not runs_standalone(stmt) and not PrivilegeGate.solo(stmt)


def runs_standalone(stmt: Statement) -> bool:
    if stmt.kind in _STANDALONE_KINDS:
        return True
    if stmt.kind == "index_stmt":
        return bool(stmt.node.concurrent)
    if stmt.kind == "reindex_stmt":
        return any(p.def_elem.defname == "concurrently" for p in stmt.node.params)
    if stmt.kind == "drop_stmt":
        return bool(stmt.node.concurrent)
    if stmt.kind == "alter_table_stmt":
        return any(
            c.alter_table_cmd.subtype == "AT_DetachPartition" and "concurrently" in stmt.text.lower()
            for c in stmt.node.cmds
        )
    return False


@dataclass
class ApplyFailure:
    file: str
    location: Location
    message: str
    sqlstate: str | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class ApplyResult:
    applied: list[str] = field(default_factory=list)  # versions
    failures: list[ApplyFailure] = field(default_factory=list)
    source_map: SourceMap = field(default_factory=SourceMap)
    statements: int = 0
    seed_applied: bool = False
    stubbed_extensions: list[str] = field(default_factory=list)  # installed from our SQL stubs
    skipped_statements: list[str] = field(default_factory=list)  # "file:line:col: why", see extensions.py
    platform_changes: list[PlatformChange] = field(default_factory=list)  # see privileges.py

    @property
    def complete(self) -> bool:
        return not self.failures


def _error_message(e: Any) -> tuple[str, str | None]:
    diag = getattr(e, "diag", None)
    primary = (diag.message_primary if diag else None) or first_line(e)
    hint = diag.message_hint if diag else None
    sqlstate = diag.sqlstate if diag else None
    msg = primary
    if hint:
        msg += f" (hint: {hint})"
    if sqlstate == "53100":
        msg += (" (the throwaway cluster's disk is full: free space in its temp folder, or set SUPAKIT_TMPDIR "
                "to a folder with more room)")
    if sqlstate == "42704" and "type" in primary:
        msg += " (extension types may need a schema: e.g. extensions.citext)"
    return msg, sqlstate


def _tag(n: int) -> str:
    """What goes before the n-th statement of a pipelined run (see trace.sql)."""
    return f"/*supakit:{n}*/"


def _error_location(e: Any, stmt: Statement, src: SourceText, rel: str, tag: int = 0) -> Location:
    """Where the error points in the file; `tag`: characters sent before the statement."""
    diag = getattr(e, "diag", None)
    pos = None
    if diag is not None and diag.statement_position:
        try:
            pos = int(diag.statement_position) - tag
        except ValueError:
            pos = None
    offset = stmt.start + (pos - 1 if pos and pos > 0 else 0)
    line, col = src.line_col(min(offset, len(src.text)))
    return Location(rel, line, col)


@dataclass
class _Step:
    stmt: Statement
    loc: Location
    sql: str
    lend: str | None  # the applier's key when platform rights are lent around the statement


@dataclass
class _Sent:
    cur: Any
    tag: str = ""
    extra: list[Any] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return all(c.pgresult is not None for c in (self.cur, *self.extra))


_LEND = "select supakit.platform_rights(%s, %s)"


def _seconds(value: float | None) -> str:
    return f"{value:g} s"


class ReadAhead:
    """The files read and split into statements on a thread, in apply's order: the parse
    (libpg_query, then a Statement per statement; 0.17 s of CPU at 1,000 tables, 0.85 s at 5,000)
    runs while the server starts and while it runs the files before, instead of between them.
    Apply still reads each file itself and takes the thread's statements only for the same text;
    whatever the thread could not do (a file unreadable or not SQL) apply does as before, with
    the same error. It keeps at most WINDOW files split and not yet taken: all 200 files of a
    5,000-table project held 100 MB until apply got to them."""

    WINDOW = 8

    def __init__(self, paths: list[tuple[Path, str]]) -> None:
        split_statements("select 1")  # libpg_query loads here, not on the thread beside the preload's imports
        self._done: dict[str, tuple[str, list[Statement]] | None] = {}
        self._cond = threading.Condition()
        self._finished = False
        self._stopped = False
        self._thread = threading.Thread(target=self._run, args=(paths,), name="supakit-read-ahead", daemon=True)
        self._thread.start()

    def _run(self, paths: list[tuple[Path, str]]) -> None:
        from toolkit.engine.cleanup import leave_signals_to_main

        leave_signals_to_main()
        try:
            for path, rel in paths:
                with self._cond:
                    self._cond.wait_for(lambda: len(self._done) < self.WINDOW or self._stopped)
                if self._stopped:
                    break
                got: tuple[str, list[Statement]] | None
                try:
                    text = read_sql_file(path, rel)
                    got = (text, split_statements(text))
                except Exception:  # noqa: BLE001 - apply reads and splits it again, and raises there
                    got = None
                with self._cond:
                    self._done[rel] = got
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._finished = True
                self._cond.notify_all()

    def statements(self, rel: str, text: str) -> list[Statement] | None:
        """The statements of `rel` if the thread split this very `text` (waits for it if needed)."""
        with self._cond:
            self._cond.wait_for(lambda: rel in self._done or self._finished)
            got = self._done.pop(rel, None)
            self._cond.notify_all()
        return got[1] if got is not None and got[0] == text else None

    def stop(self) -> None:
        """No more files: the thread ends after the one it is on."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()


class Applier:
    """Runs files on one connection as `postgres`, one transaction per file, like `supabase db reset`."""

    def __init__(self, db: Database, *, progress: Progress | None = None,
                 absent_extensions: Iterable[str] = (), files: int = 0,
                 statement_timeout: float | None = DEFAULT_STATEMENT_TIMEOUT,
                 read_ahead: ReadAhead | None = None) -> None:
        self.db = db
        self.read_ahead = read_ahead
        self.progress = progress or quiet
        self.files_total = files  # files (and seed) this run will apply, for the progress display
        self.files_done = 0
        self.result = ApplyResult()
        self.statement_timeout = statement_timeout or None
        self._timed_out = False
        self._own_timeout_from: int | None = None  # first statement of the file that may set one
        self._conn: psycopg.Connection | None = None
        self._gate: ExtensionGate | None = None
        self._privileges: PrivilegeGate | None = None
        self._absent = frozenset(absent_extensions)
        self._trace = False
        self._last_seq = 0

    def __enter__(self) -> Applier:
        self._conn = self.db.connect(autocommit=True)
        self._gate = ExtensionGate(self.db, self._conn, absent=self._absent)
        self._privileges = PrivilegeGate(self._conn, self._gate)
        self._trace = bool(
            self._conn.execute("select to_regclass('supakit.ddl_events') is not null").fetchone()[0]  # type: ignore[index]
        )
        if self._trace:
            self._last_seq = self._conn.execute("select coalesce(max(seq), 0) from supakit.ddl_events").fetchone()[0]  # type: ignore[index]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()

    @property
    def conn(self) -> psycopg.Connection:
        assert self._conn is not None
        return self._conn

    @property
    def gate(self) -> ExtensionGate:
        assert self._gate is not None
        return self._gate

    @property
    def privileges(self) -> PrivilegeGate:
        assert self._privileges is not None
        return self._privileges

    def _finish_file(self, committed: bool) -> None:
        self.gate.finish(committed)
        self.result.stubbed_extensions = list(self.gate.stubbed)
        self.db.stubbed_extensions = list(self.gate.stubbed)
        self.result.skipped_statements = list(self.gate.skipped)
        self.result.platform_changes = list(self.privileges.changes)

    def _collect_events(self, stmt: Statement, loc: Location) -> None:
        if not self._trace:
            return
        rows = self.conn.execute(_EVENTS, (self._last_seq,)).fetchall()
        if rows:
            self._last_seq = rows[-1][0]
            self._add_events(stmt, loc, rows)

    def _add_events(self, stmt: Statement, loc: Location, rows: list[tuple[Any, ...]]) -> None:
        text = stmt.text if len(stmt.text) <= MAX_STATEMENT_TEXT else stmt.text[:MAX_STATEMENT_TEXT]
        for _seq, _step, tag, otype, ident in rows:
            if ident is None:
                continue
            self.result.source_map.add(SourceEvent(loc, tag or "", otype or "", ident, stmt.kind, text))

    def _run_statements(self, stmts: list[Statement], src: SourceText, rel: str) -> None:
        """Raises _StatementFailed on the first error; the caller rolls back."""
        batch: list[_Step] = []
        for stmt in stmts:
            loc = Location(rel, stmt.line, stmt.column)
            if not batchable(stmt):
                self._run_batch(batch, src, rel)
                self._run_one(stmt, loc, src, rel)
                continue
            step = self._step(stmt, loc, rel)
            if step is not None:
                batch.append(step)
                if len(batch) >= MAX_BATCH:
                    self._run_batch(batch, src, rel)
        self._run_batch(batch, src, rel)

    def _step(self, stmt: Statement, loc: Location, rel: str) -> _Step | None:
        """What to send for `stmt` (None: nothing), as the privilege and extension gates decide."""
        try:
            plan = self.privileges.plan(stmt, loc)
            if plan is None:
                plan = Plan(self.gate.sql_for(stmt, str(loc)))
        except StatementRefused as r:
            raise _StatementFailed(ApplyFailure(rel, loc, r.message, r.sqlstate)) from None
        if plan.sql is None:
            return None
        lend = self.gate.key() if plan.lend else None
        return _Step(stmt, loc, plan.sql, lend)

    def _run_batch(self, batch: list[_Step], src: SourceText, rel: str) -> None:
        """Send the run in one pipeline, then read its trace once; empties `batch`."""
        if not batch:
            return
        import psycopg

        conn = self.conn
        sent: list[_Sent] = []
        error: Exception | None = None
        try:
            with self._watchdog(len(batch)), conn.pipeline():
                try:
                    self._send(batch, sent)
                except (psycopg.Error, UnicodeError) as e:
                    # Handled after the pipeline closed: an exception leaving the block makes psycopg
                    # log "error ignored terminating <psycopg.Pipeline>" to stderr.
                    error = e
        except psycopg.Error as e:
            error = error or e
        if isinstance(error, UnicodeError):
            loc = batch[min(len(sent), len(batch) - 1)].loc
            raise _StatementFailed(_session_changed(rel, loc, "the text cannot be sent in the client_encoding "
                                                    "an earlier statement set"))
        if error is not None:
            self._batch_failed(error, batch, sent, src, rel)
        self.result.statements += len(batch)
        if self._trace:
            last = batch[-1]
            try:
                rows = conn.execute(_EVENTS, (self._last_seq,)).fetchall()
            except psycopg.Error as e:
                self._check_connection(e, last.loc)
                raise _StatementFailed(_session_changed(rel, last.loc, _error_message(e)[0])) from None
            if rows:
                self._last_seq = rows[-1][0]
            for n, group in itertools.groupby(rows, key=lambda r: r[1]):
                if n is not None and 0 <= n < len(batch):
                    self._add_events(batch[n].stmt, batch[n].loc, list(group))
        batch.clear()

    def _send(self, batch: list[_Step], sent: list[_Sent]) -> None:
        conn = self.conn
        for n, step in enumerate(batch):
            # The rights lent around a statement may make objects too: they carry its tag.
            done = _Sent(cur=conn.cursor(), tag=_tag(n) if self._trace else "")
            if step.lend:
                done.extra.append(conn.cursor())
                done.extra[-1].execute(done.tag + _LEND, (step.lend, True), prepare=False)
            done.cur.execute(done.tag + step.sql, prepare=False)
            if step.lend:
                done.extra.append(conn.cursor())
                done.extra[-1].execute(done.tag + _LEND, (step.lend, False), prepare=False)
            sent.append(done)

    def _batch_failed(self, e: Exception, batch: list[_Step], sent: list[_Sent], src: SourceText,
                      rel: str) -> NoReturn:
        """The first statement (or the rights lent around it) without a result is the one that
        failed."""
        failed = next((i for i, d in enumerate(sent) if not d.finished), len(sent))
        failed = min(failed, len(batch) - 1)
        self.result.statements += failed
        step = batch[failed]
        self._check_connection(e, step.loc)
        if failed < len(sent) and sent[failed].cur.pgresult is not None:  # it ran; what followed it did not
            raise _StatementFailed(_session_changed(rel, step.loc, _error_message(e)[0])) from None
        tag = len(sent[failed].tag) if failed < len(sent) else 0
        raise _StatementFailed(self._failure(e, step, src, rel, tag)) from None

    def _failure(self, e: Exception, step: _Step, src: SourceText, rel: str, tag: int = 0) -> ApplyFailure:
        msg, state = _error_message(e)
        if state == "57014" and (self._timed_out or "statement timeout" in msg):
            # Our watchdog and the server's statement_timeout (set to the same limit) race; the
            # user reads one message whichever wins. Only a limit the file set itself differs.
            own = self._own_timeout_from is not None and step.stmt.index >= self._own_timeout_from
            if self._timed_out or not own and self.statement_timeout:
                limit = _seconds(self.statement_timeout)
            else:
                limit = "the statement_timeout this migration set"
            msg = (f"the statement did not finish within {limit} and was cancelled (raise the limit with "
                   "--statement-timeout or the statement_timeout setting; see docs/configuration.md)")
        where = _error_location(e, step.stmt, src, rel, tag) if len(step.sql) == len(step.stmt.text) else step.loc
        return ApplyFailure(rel, where, msg, state)

    def _run_one(self, stmt: Statement, loc: Location, src: SourceText, rel: str) -> None:
        import psycopg

        conn = self.conn
        standalone = runs_standalone(stmt)
        step = self._step(stmt, loc, rel)
        if step is None:
            return
        try:
            if standalone:
                conn.execute("commit")
            if step.lend:
                conn.execute(_LEND, (step.lend, True))
            with self._watchdog(1):
                conn.execute(step.sql)
            if step.lend:
                conn.execute(_LEND, (step.lend, False))
            if standalone:
                conn.execute("begin")
        except psycopg.Error as e:
            self._check_connection(e, loc)
            raise _StatementFailed(self._failure(e, step, src, rel)) from None
        except UnicodeError:
            raise _StatementFailed(_session_changed(rel, loc, "the text cannot be sent in the client_encoding "
                                                    "an earlier statement set")) from None
        self.result.statements += 1
        try:
            self._collect_events(stmt, loc)
        except psycopg.Error as e:
            self._check_connection(e, loc)
            raise _StatementFailed(_session_changed(rel, loc, _error_message(e)[0])) from None
        except UnicodeError:
            raise _StatementFailed(_session_changed(rel, loc, "its client_encoding cannot carry the "
                                                    "file's text")) from None

    @contextlib.contextmanager
    def _watchdog(self, statements: int) -> Iterator[None]:
        """Cancel a round trip that outlives the timeout (a pipeline of n statements gets n times
        it). The server's own statement_timeout is set too, but a migration may turn that off
        (`pg_dump` output starts with `SET statement_timeout = 0`); this one it cannot."""
        self._timed_out = False
        if not self.statement_timeout:
            yield
            return
        import threading

        from toolkit.engine.cleanup import leave_signals_to_main

        done, limit = threading.Event(), self.statement_timeout * statements

        def watch() -> None:
            leave_signals_to_main()
            if done.wait(limit):
                return
            self._timed_out = True
            with contextlib.suppress(Exception):
                self.conn.cancel_safe(timeout=5)

        threading.Thread(target=watch, name="supakit-timeout", daemon=True).start()
        try:
            yield
        finally:
            done.set()

    def _check_connection(self, e: Exception, loc: Location) -> None:
        """A lost connection ends the run: say whether the server died or only dropped us."""
        import psycopg

        conn = self.conn
        if not (conn.closed or isinstance(e, psycopg.OperationalError) and conn.broken):
            return
        alive = getattr(self.db, "alive", None)
        # the connection can drop a moment before a killed postmaster is reaped
        if alive is not None and alive(grace=0.5):
            raise EngineError(f"{loc}: the database closed the connection while running this statement "
                              "(a session timeout or pg_terminate_backend?)") from None
        raise EngineError(f"{loc}: the database server stopped unexpectedly while running this statement") from None

    def apply_file(self, mf: MigrationFile) -> ApplyFailure | None:
        def record(stmts: list[Statement], _text: str) -> None:
            self._record(mf.rel, "insert into supabase_migrations.schema_migrations (version, name, statements) "
                         "values (%s, %s, %s)", (mf.version, mf.name, [s.text for s in stmts]))

        failure = self._apply_text(mf.read(), mf.rel, record, ahead=True)
        if failure is None:
            self.result.applied.append(mf.version)
        return failure

    def apply_seed(self, path: Path, rel: str) -> ApplyFailure | None:
        def record(_stmts: list[Statement], text: str) -> None:
            self._record(rel, "insert into supabase_migrations.seed_files (path, hash) values (%s, %s) "
                         "on conflict (path) do update set hash = excluded.hash",
                         (rel, hashlib.sha256(text.encode()).hexdigest()))

        failure = self._apply_text(read_sql_file(path, rel), rel, record, ahead=True)
        if failure is None:
            self.result.seed_applied = True
        return failure

    def apply_unrecorded(self, text: str, rel: str) -> ApplyFailure | None:
        """SQL that is not a migration file yet (one `supakit diff` is writing): run and traced
        like one, without a history row."""
        def commit(_stmts: list[Statement], _text: str) -> None:
            self.conn.execute("commit")

        return self._apply_text(text, rel, commit)

    def _apply_text(self, text: str, rel: str, record: Callable[[list[Statement], str], None], *,
                    ahead: bool = False) -> ApplyFailure | None:
        """One file in one transaction, like the CLI: its statements, then its history row.
        `ahead`: the read-ahead may have split it already."""
        src = SourceText(text)
        stmts = self.read_ahead.statements(rel, text) if ahead and self.read_ahead is not None else None
        try:
            if stmts is None:
                stmts = split_statements(text)
        except SqlSyntaxError as e:
            return ApplyFailure(rel, Location(rel, e.line, e.column), e.message, "42601")
        self.progress(Step("apply", self.files_done, self.files_total,
                           f"applying {rel} ({len(stmts)} statements)"))
        self.gate.prepare(stmts)
        self.privileges.prepare(stmts)
        self._own_timeout_from = next((s.index for s in stmts if "statement_timeout" in s.text.lower()), None)
        conn = self.conn
        conn.execute("reset all")
        if self.statement_timeout:
            conn.execute(f"set statement_timeout = {int(self.statement_timeout * 1000)}")
        conn.execute("begin")
        try:
            self._run_statements(stmts, src, rel)
            record(stmts, text)
        except _StatementFailed as f:
            self._rollback()
            self._finish_file(False)
            return f.failure
        except BaseException:
            self._rollback()
            raise
        self._finish_file(True)
        return None

    def _record(self, rel: str, sql: str, params: tuple[Any, ...]) -> None:
        """Write the history row and commit, as the CLI does after the file's statements."""
        import psycopg

        where = Location(rel, 1, 1)
        try:
            self.conn.execute(sql, params)
            self.conn.execute("commit")
        except psycopg.Error as e:
            self._check_connection(e, where)
            raise _StatementFailed(ApplyFailure(
                rel, where, f"the statements ran but recording the file failed: {_error_message(e)[0]} "
                "(a statement left the session changed: role, read-only transaction, timeout; "
                "the Supabase CLI would fail the same way)", getattr(e, "sqlstate", None))) from None
        except UnicodeError:
            raise _StatementFailed(_session_changed(rel, where, "its client_encoding cannot carry the "
                                                    "file's text")) from None

    def _rollback(self) -> None:
        import psycopg

        if self.conn.closed or self.conn.broken:
            return
        with contextlib.suppress(psycopg.Error):
            self.conn.execute("rollback")


def _session_changed(rel: str, loc: Location, why: str) -> ApplyFailure:
    return ApplyFailure(rel, loc, f"supakit cannot follow this statement: {why} (did it change the "
                        "session, e.g. client_encoding, statement_timeout or a read-only transaction?)")


class MigrationFailed(MigrationError):
    """A file did not apply and the run does not go on past it: what applied before it, and
    where it failed, so a report can still be written."""

    def __init__(self, failure: ApplyFailure, result: ApplyResult) -> None:
        super().__init__(str(failure))
        self.failure = failure
        self.result = result


class _StatementFailed(Exception):
    def __init__(self, failure: ApplyFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def apply_migrations(
    db: Database,
    files: list[MigrationFile],
    *,
    seed: tuple[Path, str] | None = None,
    keep_going: bool = False,
    progress: Progress | None = None,
    absent_extensions: Iterable[str] = (),
    statement_timeout: float | None = DEFAULT_STATEMENT_TIMEOUT,
    read_ahead: ReadAhead | None = None,
) -> ApplyResult:
    """Apply `files` in order, then the seed. Without keep_going the first failure raises."""
    total = len(files) + (seed is not None)
    with Applier(db, progress=progress, absent_extensions=absent_extensions, files=total,
                 statement_timeout=statement_timeout, read_ahead=read_ahead) as ap:
        for mf in files:
            failure = ap.apply_file(mf)
            ap.files_done += 1
            if failure is not None:
                ap.result.failures.append(failure)
                if not keep_going:
                    raise MigrationFailed(failure, ap.result)
        if seed is not None and not ap.result.failures:
            failure = ap.apply_seed(*seed)
            ap.files_done += 1
            if failure is not None:
                ap.result.failures.append(failure)
                if not keep_going:
                    raise MigrationFailed(failure, ap.result)
        ap.progress(Step("apply", total, total))
        return ap.result


def project_files(project: Project, *, seed: bool = True) -> tuple[list[MigrationFile], tuple[Path, str] | None]:
    """The migration files apply runs, in order, and the seed (path, relative name) if it runs."""
    from toolkit.migrations import discover

    seed_arg = (project.seed_file, project.rel(project.seed_file)) if seed and project.seed_file.is_file() else None
    return discover(project.migrations_dir, project.root).files, seed_arg


def read_ahead(project: Project, *, seed: bool = True) -> ReadAhead:
    """Start splitting the project's files (see ReadAhead); stop() it once apply is done. A folder
    that cannot be listed is apply's error to report, where it always was."""
    try:
        files, seed_arg = project_files(project, seed=seed)
    except MigrationError:
        return ReadAhead([])
    return ReadAhead([(mf.path, mf.rel) for mf in files] + ([seed_arg] if seed_arg else []))


def apply_project(db: Database, project: Project, *, seed: bool = True, keep_going: bool = False,
                  progress: Progress | None = None,
                  statement_timeout: float | None = None, ahead: ReadAhead | None = None) -> ApplyResult:
    """The project's migrations (and seed), with its settings: absent_extensions, and the
    statement_timeout unless `statement_timeout` overrides it. `ahead`: their statements split
    on a thread (read_ahead) since before the server started."""
    from toolkit.extensions import absent_extensions_setting
    from toolkit.project import statement_timeout_setting

    absent = absent_extensions_setting(project.settings.get("absent_extensions"), project.settings_file)
    if statement_timeout is None:
        statement_timeout = statement_timeout_setting(project.settings.get("statement_timeout"),
                                                      project.settings_file)
    files, seed_arg = project_files(project, seed=seed)
    return apply_migrations(db, files, seed=seed_arg, keep_going=keep_going, progress=progress,
                            absent_extensions=absent, statement_timeout=statement_timeout, read_ahead=ahead)
