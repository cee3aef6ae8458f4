"""The audit pipeline: files → engine → apply → snapshot → rules (→ probe) → report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.errors import MigrationError
from toolkit.migrations import discover
from toolkit.model import AuditReport, Category, Finding, Level, Location, ObjectRef

if TYPE_CHECKING:
    from toolkit.apply import ApplyResult
    from toolkit.engine.base import Database
    from toolkit.project import Project


@dataclass
class AuditOptions:
    engine: str = "auto"
    exposure: str | None = None
    keep_going: bool = False
    probe: bool = True
    db_url: str | None = None
    seed: bool = True
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
    progress: Callable[[str], None],
) -> tuple[Database, ApplyResult]:
    """A throwaway database with the project applied. The caller closes the database."""
    from toolkit.apply import apply_migrations
    from toolkit.engine import get_engine

    disc = discover(project.migrations_dir, project.root)
    exposure = project.exposure_mode(opts.exposure)
    t0 = time.perf_counter()
    engine = get_engine(opts.engine, major=project.config.major_version)
    db = engine.start(exposure=exposure)
    opts.timings["engine"] = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        seed = None
        if opts.seed and project.seed_file.is_file():
            seed = (project.seed_file, project.rel(project.seed_file))
        result = apply_migrations(db, disc.files, seed=seed, keep_going=opts.keep_going, progress=progress)
        opts.timings["apply"] = time.perf_counter() - t0
    except BaseException:
        db.close()
        raise
    return db, result


def audit(project: Project, opts: AuditOptions, progress: Callable[[str], None]) -> AuditReport:
    """Run the whole audit and return the report (findings not yet filtered by suppressions)."""
    info: dict[str, Any] = {"project": str(project.root), "exposed_schemas": list(project.exposed_schemas)}
    findings = _skipped_findings(project)
    if opts.db_url:
        from toolkit.engine.url import UrlDatabase, redact

        db: Database = UrlDatabase(opts.db_url)
        info.update(engine="url", database=redact(opts.db_url), throwaway=False)
        apply_result = None
    else:
        db, apply_result = start_and_apply(project, opts, progress)
        info.update(
            engine=db.kind,
            throwaway=True,
            exposure=db.exposure,
            applied=len(apply_result.applied),
            statements=apply_result.statements,
            failures=[str(f) for f in apply_result.failures],
            incomplete=not apply_result.complete,
        )
    with db:
        from toolkit.audit import audit_snapshot
        from toolkit.catalog import take_snapshot

        t0 = time.perf_counter()
        with db.connect() as conn:
            snapshot = take_snapshot(conn, exposed_schemas=project.exposed_schemas)
        opts.timings["snapshot"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        source_map = apply_result.source_map if apply_result else None
        result = audit_snapshot(snapshot, source_map=source_map, settings=project.settings)
        findings += result.findings
        opts.timings["rules"] = time.perf_counter() - t0
        if opts.probe and db.throwaway and apply_result is not None and apply_result.complete:
            try:
                from toolkit.probe import run_probe
            except ImportError:
                run_probe = None  # type: ignore[assignment]
            if run_probe is not None:
                t0 = time.perf_counter()
                probe_result = run_probe(db, snapshot, source_map=source_map, settings=project.settings)
                findings += probe_result.findings
                info["probe"] = probe_result.summary
                opts.timings["probe"] = time.perf_counter() - t0
    if apply_result is not None:
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


__all__ = ["AuditOptions", "MigrationError", "audit", "start_and_apply"]
