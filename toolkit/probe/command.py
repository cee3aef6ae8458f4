"""`supakit probe`: apply the project to a throwaway database and probe it, nothing else."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from toolkit.errors import MigrationError
from toolkit.model import RunResult, Stage
from toolkit.progress import Progress

if TYPE_CHECKING:
    from toolkit.pipeline import AuditOptions
    from toolkit.project import Project


def probe_report(project: Project, opts: AuditOptions, progress: Progress, run: RunResult | None = None) -> RunResult:
    """The probe's findings and summary as a report. A migration that does not apply is an
    error (exit 2): probing half a schema would prove nothing."""
    from toolkit.catalog import take_snapshot
    from toolkit.pipeline import require_migrations, start_and_apply
    from toolkit.probe import run_probe

    run = run if run is not None else RunResult()
    run.info.update(command="probe", project=str(project.root), exposed_schemas=list(project.exposed_schemas))
    require_migrations(project)
    db, applied = start_and_apply(project, opts, progress, run)
    with db:
        if not applied.complete:
            raise MigrationError(f"{applied.failures[0]} (nothing was probed; fix the migration "
                                 "and run again)")
        with run.timed("snapshot"), db.connect() as conn:
            snapshot = take_snapshot(conn, exposed_schemas=project.exposed_schemas,
                                     extra_search_path=project.config.extra_search_path)
        progress("probing the exposed tables as anon, user A and user B")
        with run.timed("probe"):
            result = run_probe(db, snapshot, source_map=applied.source_map, settings=project.settings,
                               progress=progress, jobs=opts.probe_jobs())
        run.findings += result.findings
        run.info["probe"] = result.summary
        run.ran(Stage.PROBE)
    return run


def summary_line(summary: dict[str, Any]) -> str:
    """One line for stderr: how much of the schema the probe covered."""
    if summary.get("disabled"):
        return "probe disabled by [tool.supakit.probe] enabled = false"
    parts = [f"probed {summary.get('tables_probed', 0)} of {summary.get('tables_exposed', 0)} "
             "exposed tables"]
    if summary.get("functions_exposed"):
        parts.append(f"{summary.get('functions_probed', 0)} of {summary['functions_exposed']} "
                     "exposed functions")
    if summary.get("buckets_probed"):
        parts.append(f"{summary['buckets_probed']} bucket(s)")
    if summary.get("requests"):
        part = f"{summary['requests']} requests"
        if summary.get("requests_answered_by_catalog"):
            part += f" ({summary['requests_answered_by_catalog']} answered from the catalog, not sent)"
        parts.append(part)
    if summary.get("seconds") is not None:
        parts.append(f"{summary['seconds']:.2f} s")
    return "supakit: " + ", ".join(parts)
