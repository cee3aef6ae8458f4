"""`supakit check`: the CI gate. Folder checks, immutability, lint, then apply + audit (+ probe)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit.checks import DUPLICATE_MIGRATION_VERSION
from toolkit.checks.folder import check_folder
from toolkit.checks.lockfile import check_lock, lock_path
from toolkit.errors import MigrationError
from toolkit.model import Finding, RunResult, Stage
from toolkit.pipeline_rules import MIGRATION_FILE_SKIPPED
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
    statement_timeout: float | None = None  # seconds; None: the statement_timeout setting


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in findings:
        key = (f.rule, str(f.object), str(f.location) if f.location else "")
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def run_check(project: Project, opts: CheckOptions, progress: Progress) -> RunResult:
    from toolkit.checks.immutability import compare_with_base
    from toolkit.lint import lint_project
    from toolkit.pipeline import AuditOptions, audit

    t0 = time.perf_counter()
    static = check_folder(project)
    changed: frozenset[str] = frozenset()
    if opts.base:
        progress(f"comparing migrations with {opts.base}")
        history, changed = compare_with_base(project, opts.base)
        static += history
    static += check_lock(project)
    folder_and_history = time.perf_counter() - t0
    progress("linting migrations")
    # The change itself is judged at full strength; merged history in the light of what followed.
    lint = lint_project(project, squawk=opts.squawk, strict=changed)
    static += lint.findings
    blocking = sum(1 for f in static if f.level.rank >= 3 and not f.suppressed_by)
    duplicate = next((f for f in static if f.rule == DUPLICATE_MIGRATION_VERSION.id), None)
    if duplicate is not None:
        raise MigrationError(f"cannot apply the migrations: {duplicate.message}"
                             + (f" ({blocking - 1} more error(s) from the static checks)" if blocking > 1 else ""))
    progress("applying migrations to a throwaway database and auditing")
    audit_opts = AuditOptions(engine=opts.engine, exposure=opts.exposure, probe=opts.probe, seed=opts.seed,
                              statement_timeout=opts.statement_timeout)
    try:
        report = audit(project, audit_opts, progress)
    except MigrationError as e:
        more = f" ({blocking} error(s) from the static checks too; see `supakit lint`)" if blocking else ""
        raise MigrationError(f"{e}{more}") from None
    # The folder check names skipped entries more precisely (stray file, seed, ...) than the apply.
    already = {f.object.name for f in static}
    from_audit = [f for f in report.findings
                  if not (f.rule == MIGRATION_FILE_SKIPPED.id and f.object.name in already)]
    report.findings = _dedupe(static + from_audit)
    report.stages = (Stage.CHECK, Stage.LINT, Stage.APPLY, Stage.AUDIT) + (
        (Stage.PROBE,) if Stage.PROBE in report.stages else ())
    report.info.update(
        command="check",
        base=opts.base,
        lock_file=project.rel(lock_path(project)) if lock_path(project).is_file() else None,
        lint=lint.info,
    )
    report.timings["folder_and_history"] = folder_and_history
    return report
