"""The audit pipeline: files → engine → apply → snapshot → rules (→ probe) → report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.errors import MigrationError
from toolkit.migrations import discover
from toolkit.model import AuditReport, Category, CoverageCell, Finding, Level, Location, ObjectRef
from toolkit.pause import pause_point
from toolkit.progress import Progress

if TYPE_CHECKING:
    import psycopg

    from toolkit.apply import ApplyResult
    from toolkit.drift import History
    from toolkit.engine.base import Database
    from toolkit.migrations import MigrationFile
    from toolkit.project import Project


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
    timings: dict[str, float] = field(default_factory=dict)


def _skipped_findings(project: Project) -> list[Finding]:
    disc = discover(project.migrations_dir, project.root)
    return [
        Finding(
            rule="migration_file_skipped",
            level=Level.WARN,
            category=Category.HYGIENE,
            object=ObjectRef("file", None, rel),
            message=f"{rel}: {why}",
            remediation="Rename it to <14-digit UTC timestamp>_<snake_case_name>.sql or move it out of supabase/migrations/.",
            location=Location(rel, 1, 1),
        )
        for rel, why in disc.skipped
    ]


def start_and_apply(
    project: Project,
    opts: AuditOptions,
    progress: Progress,
) -> tuple[Database, ApplyResult]:
    """A throwaway database with the project applied. The caller closes the database."""
    from toolkit.apply import apply_project
    from toolkit.engine import get_engine

    exposure = project.exposure_mode(opts.exposure)
    t0 = time.perf_counter()
    engine = get_engine(opts.engine, major=project.config.major_version)
    db = engine.start(exposure=exposure)
    opts.timings["engine"] = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        result = apply_project(db, project, seed=opts.seed, keep_going=opts.keep_going, progress=progress,
                               statement_timeout=opts.statement_timeout)
        opts.timings["apply"] = time.perf_counter() - t0
    except BaseException:
        db.close()
        raise
    return db, result


def audit(project: Project, opts: AuditOptions, progress: Progress) -> AuditReport:
    """Run the whole audit and return the report (findings not yet filtered by suppressions)."""
    if opts.db_url:
        return audit_url(project, opts, progress)
    info: dict[str, Any] = {"project": str(project.root), "exposed_schemas": list(project.exposed_schemas)}
    findings = _skipped_findings(project)
    db, apply_result = start_and_apply(project, opts, progress)
    info.update(
        engine=db.kind,
        throwaway=True,
        exposure=db.exposure,
        applied=len(apply_result.applied),
        statements=apply_result.statements,
        failures=[str(f) for f in apply_result.failures],
        incomplete=not apply_result.complete,
        stubbed_extensions=list(apply_result.stubbed_extensions),
        skipped_statements=list(apply_result.skipped_statements),
    )
    with db:
        from toolkit.audit import audit_snapshot
        from toolkit.catalog import take_snapshot

        t0 = time.perf_counter()
        with db.connect() as conn:
            pause_point("snapshot")
            snapshot = take_snapshot(conn, exposed_schemas=project.exposed_schemas,
                                     extra_search_path=project.config.extra_search_path)
        opts.timings["snapshot"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        source_map = apply_result.source_map
        result = audit_snapshot(snapshot, source_map=source_map, settings=project.settings)
        findings += result.findings
        opts.timings["rules"] = time.perf_counter() - t0
        if opts.probe and db.throwaway and apply_result.complete:
            try:
                from toolkit.probe import run_probe
            except ImportError:
                run_probe = None  # type: ignore[assignment]
            if run_probe is not None:
                t0 = time.perf_counter()
                pause_point("probe")
                probe_result = run_probe(db, snapshot, source_map=source_map, settings=project.settings,
                                         progress=progress)
                findings += probe_result.findings
                info["probe"] = probe_result.summary
                opts.timings["probe"] = time.perf_counter() - t0
    findings += platform_findings(apply_result)
    for failure in apply_result.failures:
        findings.append(
            Finding(
                rule="migration_failed",
                level=Level.ERROR,
                category=Category.HYGIENE,
                object=ObjectRef("file", None, failure.file),
                message=f"migration did not apply: {failure.message}",
                remediation="Fix the statement; everything after it in this file was not applied, so the audit is incomplete.",
                location=failure.location,
            )
        )
    info["timings"] = {k: round(v, 4) for k, v in opts.timings.items()}
    info.update(result.info)
    return AuditReport(findings=findings, coverage=result.coverage, info=info)


def platform_findings(result: ApplyResult) -> list[Finding]:
    """platform_schema_modified, one per statement a hosted project refuses in auth/storage/realtime."""
    out = []
    for change in result.platform_changes:
        t = change.target
        out.append(Finding(
            rule="platform_schema_modified",
            level=Level.WARN if change.action == "no_effect" else Level.ERROR,
            category=Category.HYGIENE,
            object=ObjectRef("table" if t.kind in ("index", "policy", "trigger") else t.kind, t.schema, t.name),
            message=change.message,
            remediation=change.remediation,
            location=change.location,
            evidence={"operation": t.op, "supakit": change.action, "owner": change.owner},
        ))
    return out


def exposed_schemas_for(project: Project, deployed: tuple[str, ...] | None) -> tuple[tuple[str, ...], str]:
    """An explicit `schemas` setting wins, then what PostgREST is configured with in the database,
    then config.toml's `[api] schemas`."""
    if project.settings.get("schemas"):
        return tuple(project.settings["schemas"]), "settings"
    if deployed is not None:
        return deployed, "pgrst.db_schemas"
    return project.config.api_schemas, "config.toml"


def audit_url(project: Project, opts: AuditOptions, progress: Progress) -> AuditReport:
    """A deployed database: read only, no shim, no apply, no probe. Adds the migration drift; with
    `pending_only` the catalog is not audited and only the pending files are linted."""
    from toolkit.drift import compare, read_history
    from toolkit.engine.url import UrlDatabase, redact
    from toolkit.live import read_deployment

    assert opts.db_url is not None
    findings = _skipped_findings(project)
    files = discover(project.migrations_dir, project.root).files
    db = UrlDatabase(opts.db_url)
    info: dict[str, Any] = {"project": str(project.root), "engine": "url", "database": redact(opts.db_url),
                            "throwaway": False}
    coverage: list[CoverageCell] = []
    progress(f"connecting to {redact(opts.db_url)}")
    with db, db.connect() as conn:
        t0 = time.perf_counter()
        deployed = read_deployment(conn)
        exposed, source = exposed_schemas_for(project, deployed.db_schemas)
        info.update(exposure=deployed.exposure, exposed_schemas=list(exposed), exposed_schemas_from=source,
                    server_version=deployed.server_version, user=deployed.user)
        progress(f"exposed schemas {', '.join(exposed)} (from {source}); behaves like exposure {deployed.exposure}")
        history = read_history(conn)
        # Which stages ran decides which suppressions can be called unused.
        drift_stage = ["drift"] if history.applied is not None else []
        if opts.pending_only:
            drift = compare(history, files)
            findings += drift.findings
            info.update(drift.info)
            opts.timings["drift"] = time.perf_counter() - t0
            info.update(command="audit --pending-only", stages=["check", "lint", *drift_stage])
            if drift.pending:
                from toolkit.lint import lint_paths

                t0 = time.perf_counter()
                findings += lint_paths([mf.path for mf in drift.pending], project)
                opts.timings["lint"] = time.perf_counter() - t0
            progress(f"{len(drift.pending)} pending migrations would be applied")
        else:
            info.update(command="audit --db-url", stages=["check", "audit", *drift_stage])
            extra = deployed.db_extra_search_path or project.config.extra_search_path
            found, coverage = _audit_catalog_beside_drift(conn, project, exposed, extra, history, files,
                                                          info, opts)
            findings += found
    info["timings"] = {k: round(v, 4) for k, v in opts.timings.items()}
    return AuditReport(findings=findings, coverage=coverage, info=info)


def _audit_catalog_beside_drift(conn: psycopg.Connection, project: Project, exposed: tuple[str, ...],
                                extra_search_path: tuple[str, ...], history: History,
                                files: list[MigrationFile], info: dict[str, Any],
                                opts: AuditOptions) -> tuple[list[Finding], list[CoverageCell]]:
    """Drift findings, then the catalog's, with the runtime statistics only a live database has.
    The drift comparison (mostly libpg_query, which runs without the GIL) goes on a thread while
    the snapshot waits on the server and the rules run: on 1,000 tables that hides most of its
    half second."""
    from concurrent.futures import ThreadPoolExecutor

    from toolkit.audit import audit_snapshot
    from toolkit.catalog import take_snapshot
    from toolkit.drift import Drift, compare

    def timed_compare() -> Drift:
        t0 = time.perf_counter()
        drift = compare(history, files)
        opts.timings["drift"] = time.perf_counter() - t0
        return drift

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(timed_compare)
        t0 = time.perf_counter()
        snapshot = take_snapshot(conn, exposed_schemas=exposed, extra_search_path=extra_search_path,
                                 statistics=True)
        opts.timings["snapshot"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = audit_snapshot(snapshot, source_map=None, settings=project.settings)
        opts.timings["rules"] = time.perf_counter() - t0
        drift = pending.result()
    info.update(drift.info)
    info.update(result.info)
    return drift.findings + result.findings, result.coverage


__all__ = ["AuditOptions", "MigrationError", "audit", "audit_url", "exposed_schemas_for", "start_and_apply"]
