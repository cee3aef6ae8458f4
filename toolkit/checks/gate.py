"""`supakit check`: the CI gate. Folder checks, immutability, lint, then apply + audit (+ probe)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit.checks import DUPLICATE_MIGRATION_VERSION
from toolkit.checks.folder import check_folder
from toolkit.checks.lockfile import check_lock, lock_path
from toolkit.errors import MigrationError
from toolkit.model import RunResult, Stage
from toolkit.progress import Progress

if TYPE_CHECKING:
    from toolkit.project import Project


@dataclass
class CheckOptions:
    base: str | None = None
    engine: str = "auto"
    exposure: str | None = None
    probe: bool = True
    seed: bool = True
    squawk: bool | None = None
    keep_going: bool = False
    statement_timeout: float | None = None  # seconds; None: the statement_timeout setting
    jobs: int | None = None  # the probe's connections; None: one per core


def run_check(project: Project, opts: CheckOptions, progress: Progress, run: RunResult | None = None) -> RunResult:
    """The gate's findings in `run`; when it stops early (a migration that does not apply), `run`
    keeps everything found until then, for the report."""
    from toolkit.checks.immutability import check_history
    from toolkit.lint import lint_project
    from toolkit.pipeline import AuditOptions, audit

    run = run if run is not None else RunResult()
    run.info.update(command="check", project=str(project.root), base=opts.base,
                    lock_file=project.rel(lock_path(project)) if lock_path(project).is_file() else None)
    with run.timed("folder_and_history"):
        run.findings += check_folder(project)
        run.ran(Stage.CHECK)
        history = check_history(project, opts.base, progress)
        run.findings += history.findings
        run.info.update(history.info)
        if history.warnings:
            run.info.setdefault("warnings", []).extend(history.warnings)
        run.findings += check_lock(project)
    progress("linting migrations")
    # The change itself is judged at full strength; merged history in the light of what followed.
    with run.timed("lint"):
        lint = lint_project(project, squawk=opts.squawk, strict=history.changed)
    run.findings += lint.findings
    run.ran(Stage.LINT)
    run.info["lint"] = lint.info
    duplicate = next((f for f in run.findings if f.rule == DUPLICATE_MIGRATION_VERSION.id), None)
    if duplicate is not None:
        raise MigrationError(f"cannot apply the migrations: {duplicate.message}")
    progress("applying migrations to a throwaway database and auditing")
    audit_opts = AuditOptions(engine=opts.engine, exposure=opts.exposure, probe=opts.probe, seed=opts.seed,
                              keep_going=opts.keep_going, statement_timeout=opts.statement_timeout,
                              jobs=opts.jobs)
    audit(project, audit_opts, progress, run)
    return run
