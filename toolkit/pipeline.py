"""The audit pipeline: files → engine → apply → snapshot → rules (→ probe) → report."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from toolkit import heap, preload
from toolkit.engine.base import database_errors
from toolkit.engine.cleanup import leave_signals_to_main
from toolkit.errors import MigrationError
from toolkit.migrations import discover
from toolkit.model import Finding, RunResult, Stage
from toolkit.pause import pause_point
from toolkit.pipeline_rules import failed_migration, platform_findings
from toolkit.progress import Progress

if TYPE_CHECKING:
    import psycopg

    from toolkit.apply import ApplyResult
    from toolkit.audit import AuditResult
    from toolkit.drift import History
    from toolkit.engine.base import Database
    from toolkit.migrations import MigrationFile
    from toolkit.project import Project

T = TypeVar("T")


@dataclass
class AuditOptions:
    engine: str = "auto"
    exposure: str | None = None
    keep_going: bool = False
    probe: bool = True
    db_url: str | None = None
    pending_only: bool = False  # with db_url: lint only the migrations the database has not applied
    seed: bool = True
    statement_timeout: float | None = None  # seconds; None: the statement_timeout setting
    jobs: int | None = None  # connections the probe sends its requests over; None: one per core
    # The throwaway cluster's folder is removed beside the report (Database.close_later); the
    # process's exit waits for it. For a caller that exits after the report, as the CLI does.
    remove_later: bool = False

    def probe_jobs(self) -> int:
        from toolkit.probe.lanes import default_jobs

        return self.jobs or default_jobs()


def _folder_findings(project: Project) -> list[Finding]:
    """What `check` and `lint` say of the migrations folder (skipped files, stray files, versions),
    so a file the CLI skips is the same finding at the same level whichever command runs."""
    from toolkit.checks.folder import check_folder

    return check_folder(project) if project.migrations_dir.is_dir() else []


def start_and_apply(project: Project, opts: AuditOptions, progress: Progress,
                    run: RunResult | None = None) -> tuple[Database, ApplyResult]:
    """A throwaway database with the project applied. The caller closes the database. `run`
    collects the engine and apply facts and timings; when a migration fails (without
    keep_going) it also gets the failure as a finding, before the error goes up."""
    from toolkit.apply import MigrationFailed, apply_project, read_ahead
    from toolkit.engine import get_engine

    run = run if run is not None else RunResult()
    exposure = project.exposure_mode(opts.exposure)
    # The files are split on a thread while the template is copied and the server starts.
    ahead = read_ahead(project, seed=opts.seed)
    try:
        with run.timed("engine"):
            db = get_engine(opts.engine, major=project.config.major_version).start(exposure=exposure)
    except BaseException:
        ahead.stop()
        raise
    run.info.update(engine=db.kind, throwaway=True, exposure=db.exposure)
    run.ran(Stage.APPLY)
    try:
        with run.timed("apply"):
            result = apply_project(db, project, seed=opts.seed, keep_going=opts.keep_going,
                                   progress=progress, statement_timeout=opts.statement_timeout, ahead=ahead)
    except MigrationFailed as e:
        db.close()
        _record_apply(run, e.result)
        run.findings.append(failed_migration(e.failure))
        run.info["failures"] = [str(e.failure)]
        run.incomplete = True
        raise
    except BaseException:
        db.close()
        raise
    finally:
        ahead.stop()
    _record_apply(run, result)
    return db, result


def _record_apply(run: RunResult, applied: ApplyResult) -> None:
    run.incomplete = not applied.complete
    run.info.update(
        applied=len(applied.applied),
        statements=applied.statements,
        failures=[str(f) for f in applied.failures],
        stubbed_extensions=list(applied.stubbed_extensions),
        skipped_statements=list(applied.skipped_statements),
    )


@database_errors()
def audit(project: Project, opts: AuditOptions, progress: Progress, run: RunResult | None = None) -> RunResult:
    """Run the whole audit into `run` (findings not yet filtered by suppressions). What it got
    to stays in `run` when it stops with an error, for the report."""
    run = run if run is not None else RunResult()
    if opts.db_url:
        return audit_url(project, opts, progress, run)
    run.info.update(project=str(project.root), exposed_schemas=list(project.exposed_schemas))
    require_migrations(project)
    if Stage.CHECK not in run.stages:  # `check` has looked at the folder more closely already
        run.findings += _folder_findings(project)
        # CHECK: suppressions of folder rules are judged here too, as they always were.
        run.ran(Stage.CHECK)
    db, applied = start_and_apply(project, opts, progress, run)
    run.findings += platform_findings(applied)
    with _closing(db, later=opts.remove_later):
        from toolkit.catalog import take_snapshot

        with run.timed("snapshot"), db.connect() as conn:
            pause_point("snapshot")
            snapshot = take_snapshot(conn, exposed_schemas=project.exposed_schemas,
                                     extra_search_path=project.config.extra_search_path)
        heap.settle()
        preload.wait()
        from toolkit.audit import audit_snapshot
        from toolkit.facts import Facts

        def rules() -> AuditResult:
            t0 = time.perf_counter()
            try:
                return audit_snapshot(snapshot, settings=project.settings,
                                      facts=Facts(snapshot, applied.source_map))
            finally:
                rules_s.append(time.perf_counter() - t0)

        rules_s: list[float] = []
        if opts.probe and db.throwaway and applied.complete:
            # The rules (our CPU alone) run on a thread while the probe makes its users and rows,
            # which is mostly the server's work. Each side has Facts of its own: their caches
            # are filled lazily, and a table whose scope is being worked out reads as a cycle.
            from toolkit.probe import run_probe

            rules_done = _Background(rules)
            run.timings["rules"] = 0.0  # keeps its place before the probe's
            try:
                with run.timed("probe"):
                    pause_point("probe")
                    probe_result = run_probe(db, snapshot, settings=project.settings,
                                             facts=Facts(snapshot, applied.source_map),
                                             progress=progress, jobs=opts.probe_jobs())
            finally:
                result = rules_done.result()  # its error first: without the probe it came first
            _rules_found(run, result, rules_s[0])
            run.findings += probe_result.findings
            run.info["probe"] = probe_result.summary
            run.ran(Stage.PROBE)
        else:
            try:
                result = rules()
            finally:
                run.timings["rules"] = rules_s[0]
            _rules_found(run, result, rules_s[0])
    run.findings += [failed_migration(failure) for failure in applied.failures]
    return run


@contextlib.contextmanager
def _closing(db: Database, *, later: bool) -> Iterator[Database]:
    """db.close() at the end; with `later`, close_later() when the block ended without an error."""
    try:
        yield db
    except BaseException:
        db.close()
        raise
    if later:
        db.close_later()
    else:
        db.close()


class _Background:
    """fn() on a thread of its own; `result()` waits for it and returns or raises what it did."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._out: list[Any] = []
        # A daemon: after Ctrl-C the process does not wait for it.
        self._thread = threading.Thread(target=self._run, name="supakit-rules", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        leave_signals_to_main()
        try:
            self._out.append((True, self._fn()))
        except BaseException as e:  # noqa: BLE001 - raised on the caller's thread by result()
            self._out.append((False, e))

    def result(self) -> Any:
        self._thread.join()
        ok, value = self._out[0]
        if not ok:
            raise value
        return value


def _rules_found(run: RunResult, result: AuditResult, seconds: float) -> None:
    run.timings["rules"] = seconds
    run.findings += result.findings
    run.coverage = result.coverage
    run.info.update(result.info)
    run.ran(Stage.AUDIT)


def require_migrations(project: Project) -> None:
    """A throwaway database needs migrations to apply: without the folder there is nothing to
    audit, and "No findings." would read like a pass."""
    if not project.migrations_dir.is_dir():
        raise MigrationError(f"{project.rel(project.migrations_dir)}: no such folder (create it with "
                             "`supabase init` or `supakit new NAME`)")


def exposed_schemas_for(project: Project, deployed: tuple[str, ...] | None) -> tuple[tuple[str, ...], str]:
    """An explicit `schemas` setting wins, then what PostgREST is configured with in the database,
    then config.toml's `[api] schemas`."""
    if project.settings.get("schemas"):
        return tuple(project.settings["schemas"]), "settings"
    if deployed is not None:
        return deployed, "pgrst.db_schemas"
    return project.config.api_schemas, "config.toml"


@database_errors()
def audit_url(project: Project, opts: AuditOptions, progress: Progress, run: RunResult | None = None) -> RunResult:
    """A deployed database: read only, no shim, no apply, no probe. Adds the migration drift; with
    `pending_only` the catalog is not audited and only the pending files are linted."""
    from toolkit.drift import compare, read_history
    from toolkit.engine.url import UrlDatabase, redact
    from toolkit.live import read_deployment

    assert opts.db_url is not None
    run = run if run is not None else RunResult()
    files = discover(project.migrations_dir, project.root).files
    db = UrlDatabase(opts.db_url)
    run.findings += _folder_findings(project)
    run.info.update(project=str(project.root), engine="url", database=redact(opts.db_url), throwaway=False)
    progress(f"connecting to {redact(opts.db_url)}")
    with db, db.connect() as conn:
        t0 = time.perf_counter()
        deployed = read_deployment(conn)
        exposed, source = exposed_schemas_for(project, deployed.db_schemas)
        run.info.update(exposure=deployed.exposure, exposed_schemas=list(exposed),
                        exposed_schemas_from=source, server_version=deployed.server_version,
                        user=deployed.user)
        progress(f"exposed schemas {', '.join(exposed)} (from {source}); behaves like exposure "
                 f"{deployed.exposure}")
        history = read_history(conn) if project.has_folder else None
        # Which stages ran decides which suppressions can be called unused.
        drift_stage = (Stage.DRIFT,) if history is None or history.applied is not None else ()
        if opts.pending_only and history is not None:
            drift = compare(history, files)
            run.timings["drift"] = time.perf_counter() - t0
            run.findings += drift.findings
            run.info.update(drift.info, command="audit --pending-only")
            run.ran(Stage.CHECK, Stage.LINT, *drift_stage)
            if drift.pending:
                from toolkit.lint import lint_paths

                with run.timed("lint"):
                    run.findings += lint_paths([mf.path for mf in drift.pending], project)
            progress(f"{len(drift.pending)} pending migrations would be applied")
        else:
            run.info["command"] = "audit --db-url"
            run.ran(Stage.CHECK, Stage.AUDIT, *drift_stage)
            extra = deployed.db_extra_search_path or project.config.extra_search_path
            _audit_catalog_beside_drift(conn, project, exposed, extra, history, files, run)
    return run


def _audit_catalog_beside_drift(conn: psycopg.Connection, project: Project, exposed: tuple[str, ...],
                                extra_search_path: tuple[str, ...], history: History | None,
                                files: list[MigrationFile], run: RunResult) -> None:
    """Drift findings, then the catalog's, with the runtime statistics only a live database has.
    The drift comparison (mostly libpg_query, which runs without the GIL) goes on a thread while
    the snapshot waits on the server and the rules run: on 1,000 tables that hides most of its
    half second. Without a project (`history` None) the drift is only said not to be checked."""
    from concurrent.futures import ThreadPoolExecutor

    from toolkit.catalog import take_snapshot
    from toolkit.drift import Drift, compare, not_checked

    def timed_compare() -> Drift:
        if history is None:
            return Drift([not_checked(project.root)])
        with run.timed("drift"):
            return compare(history, files)

    with ThreadPoolExecutor(max_workers=1, initializer=leave_signals_to_main) as pool:
        pending = pool.submit(timed_compare)
        with run.timed("snapshot"):
            snapshot = take_snapshot(conn, exposed_schemas=exposed, extra_search_path=extra_search_path,
                                     statistics=True)
        heap.settle()
        preload.wait()
        from toolkit.audit import audit_snapshot

        with run.timed("rules"):
            result = audit_snapshot(snapshot, source_map=None, settings=project.settings)
        drift = pending.result()
    run.info.update(drift.info)
    run.info.update(result.info)
    run.findings += drift.findings + result.findings
    run.coverage = result.coverage


__all__ = ["AuditOptions", "MigrationError", "audit", "audit_url", "exposed_schemas_for", "start_and_apply"]
