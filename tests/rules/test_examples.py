"""Every registered rule's page is true: its failing example makes the rule fire and its passing
example keeps it quiet, run through the stage that reports the rule (lint, folder and history
checks, apply, audit, probe, drift, suppressions).

How a page's examples are read (docs/contributing.md says the same for writers):
- the ```sql block(s) of "## Failing example" and "## Passing example" are migration files: a line
  `-- supabase/<path>` or `-- <version>_<name>.sql` starts the file of that name, text before any
  such line is `supabase/migrations/20240101000000_example.sql`; a header that says "Latin-1"
  saves its file in Latin-1;
- with two ```sql blocks, the first is the state before (merged and locked for the history
  checks, applied to the database for drift) and the second the files now;
- a ```toml block is the project's pyproject.toml (`[tool.supakit...]`).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from toolkit.apply import ApplyResult, apply_migrations
from toolkit.catalog import take_snapshot
from toolkit.engine.base import Database
from toolkit.migrations import discover
from toolkit.model import Finding, RunResult, Snapshot, Stage
from toolkit.project import Project, find_project
from toolkit.registry import RuleInfo, all_rules

REPO = Path(__file__).resolve().parents[2]
PAGES = REPO / "docs" / "rules"
DEFAULT_FILE = "supabase/migrations/20240101000000_example.sql"
HEADER = re.compile(r"^-- (?:(?P<path>supabase/\S+?)|(?P<name>\d{8,}_\w+\.sql))(?=$|[ ,:(])(?P<rest>.*)$")
EXPOSED = ("public", "graphql_public")
# Superuser setup an example needs before its migration can run.
SETUP = {
    "foreign_table_exposed": "create extension if not exists postgres_fdw; "
                             "create server billing foreign data wrapper postgres_fdw; "
                             "grant usage on foreign server billing to postgres;",
}
# Rules whose example cannot be a migration, and the test that covers them instead.
NOT_RUNNABLE = {
    "migration_history_unavailable": "needs a database whose history table the auditing role cannot "
                                     "read (tests/live/test_live_audit.py)",
    "drift_not_checked": "needs a live audit run outside any project folder "
                         "(tests/live/test_live_audit.py)",
    "diff_not_expressed": "needs the optional diff extra (migra) and a migrations and a declared-schemas "
                          "side (tests/diff/test_units.py, tests/diff/test_caveats.py)",
}
# Exposed schemas an example needs beyond the default ones.
EXTRA_EXPOSED = {"queue_exposed": ("pgmq_public",)}
# Rules that read runtime statistics, which only a live database's snapshot carries.
LIVE_ONLY = ("unused_index", "table_bloat", "extension_outdated")
RULES = [r for r in all_rules() if not r.id.startswith("squawk/") and r.id not in NOT_RUNNABLE]


@dataclass
class Example:
    files: dict[str, bytes]  # path under the project root -> content
    before: dict[str, bytes] | None = None  # merged / locked / applied state
    settings: str | None = None  # pyproject.toml

    def write(self, root: Path, files: dict[str, bytes] | None = None) -> Project:
        migrations = root / "supabase" / "migrations"
        if migrations.exists():
            shutil.rmtree(migrations)
        migrations.mkdir(parents=True)
        for rel, data in (self.files if files is None else files).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if self.settings is not None:
            (root / "pyproject.toml").write_text(self.settings, encoding="utf-8")
        return find_project(root)


def _section(text: str, title: str) -> str:
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _files(sql: str) -> dict[str, bytes]:
    files: dict[str, list[str]] = {}
    encodings: dict[str, str] = {}
    current = DEFAULT_FILE
    for line in sql.splitlines():
        m = HEADER.match(line)
        if m:
            current = m["path"] or f"supabase/migrations/{m['name']}"
            files.setdefault(current, [])
            if "latin-1" in m["rest"].lower():
                encodings[current] = "latin-1"
            continue
        files.setdefault(current, []).append(line)
    return {rel: ("\n".join(lines).strip("\n") + "\n").encode(encodings.get(rel, "utf-8"))
            for rel, lines in files.items() if lines or rel != DEFAULT_FILE}


def example(page: str, title: str) -> Example:
    body = _section(page, title)
    sql = re.findall(r"```sql\n(.*?)```", body, re.S)
    toml = re.findall(r"```toml\n(.*?)```", body, re.S)
    assert 1 <= len(sql) <= 2, f"{title}: one ```sql block, or two (before and now)"
    return Example(files=_files(sql[-1]), before=_files(sql[0]) if len(sql) == 2 else None,
                   settings=toml[0] if toml else None)


# --- one runner per stage ------------------------------------------------------------------------
Runner = Callable[[Example, Path, Callable[[], Database], str], list[Finding]]


def run_lint(ex: Example, root: Path, fresh_db: Callable[[], Database], rule_id: str) -> list[Finding]:
    from toolkit.lint import lint_project

    return lint_project(ex.write(root), squawk=rule_id.startswith("squawk/")).findings


def run_check(ex: Example, root: Path, fresh_db: Callable[[], Database], rule_id: str) -> list[Finding]:
    """The history rules compare with the lock file written on the state before; git's --base
    compares the same way (checks/history.py)."""
    from toolkit.checks.folder import check_folder
    from toolkit.checks.lockfile import check_lock, write_lock

    if ex.before is not None:
        write_lock(ex.write(root, ex.before))
    project = ex.write(root)
    return check_folder(project) + check_lock(project)


def _applied(ex: Example, db: Database, project: Project, rule_id: str, *, keep_going: bool = False
             ) -> ApplyResult:
    if rule_id in SETUP:
        with db.connect(superuser=True) as conn:
            conn.execute(SETUP[rule_id])
    return apply_migrations(db, discover(project.migrations_dir, project.root).files,
                            keep_going=keep_going)


def run_apply(ex: Example, root: Path, fresh_db: Callable[[], Database], rule_id: str) -> list[Finding]:
    from toolkit.pipeline_rules import failed_migration, platform_findings, skipped_files

    project = ex.write(root)
    with fresh_db() as db:
        applied = _applied(ex, db, project, rule_id, keep_going=True)
    return (skipped_files(discover(project.migrations_dir, project.root)) + platform_findings(applied)
            + [failed_migration(f) for f in applied.failures])


def _migrated(ex: Example, db: Database, project: Project, rule_id: str) -> tuple[ApplyResult, Snapshot]:
    applied = _applied(ex, db, project, rule_id)
    assert applied.complete, [str(f) for f in applied.failures]
    with db.connect() as conn:
        return applied, take_snapshot(conn, (*EXPOSED, *EXTRA_EXPOSED.get(rule_id, ())),
                                      statistics=rule_id in LIVE_ONLY)


def run_audit(ex: Example, root: Path, fresh_db: Callable[[], Database], rule_id: str) -> list[Finding]:
    from toolkit.audit import audit_snapshot

    project = ex.write(root)
    with fresh_db() as db:
        applied, snapshot = _migrated(ex, db, project, rule_id)
    return audit_snapshot(snapshot, applied.source_map, project.settings).findings


def run_probe(ex: Example, root: Path, fresh_db: Callable[[], Database], rule_id: str) -> list[Finding]:
    from toolkit.probe import run_probe as probe

    project = ex.write(root)
    with fresh_db() as db:
        applied, snapshot = _migrated(ex, db, project, rule_id)
        return probe(db, snapshot, source_map=applied.source_map, settings=project.settings).findings


def run_drift(ex: Example, root: Path, fresh_db: Callable[[], Database], rule_id: str) -> list[Finding]:
    """The state before is what the database applied (and recorded, as the Supabase CLI does)."""
    from toolkit.drift import compare, read_history

    assert ex.before is not None, "a drift example has two ```sql blocks: applied, then the files now"
    with fresh_db() as db:
        applied = _applied(ex, db, ex.write(root, ex.before), rule_id)
        assert applied.complete, [str(f) for f in applied.failures]
        project = ex.write(root)
        with db.connect() as conn:
            history = read_history(conn)
    return compare(history, discover(project.migrations_dir, project.root).files).findings


def run_suppression(ex: Example, root: Path, fresh_db: Callable[[], Database], rule_id: str
                    ) -> list[Finding]:
    """What `supakit check --no-probe` reports about its suppressions."""
    from toolkit.suppress import apply_suppressions

    project = ex.write(root)
    found = run_lint(ex, root, fresh_db, rule_id) + run_audit(ex, root, fresh_db, rule_id)
    result = RunResult(findings=found, stages=(Stage.CHECK, Stage.LINT, Stage.APPLY, Stage.AUDIT))
    apply_suppressions(result, project, None)
    return result.findings


RUNNERS: dict[Stage, Runner] = {
    Stage.LINT: run_lint, Stage.CHECK: run_check, Stage.APPLY: run_apply, Stage.AUDIT: run_audit,
    Stage.PROBE: run_probe, Stage.DRIFT: run_drift, Stage.SUPPRESSION: run_suppression,
}


def test_every_rule_has_a_runner_or_a_reason() -> None:
    assert {r.stage for r in RULES} <= set(RUNNERS)
    assert set(NOT_RUNNABLE) <= {r.id for r in all_rules()}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_examples_fire_and_stay_quiet(rule: RuleInfo, fresh_db: Callable[[], Database],
                                      tmp_path: Path) -> None:
    text = (REPO / rule.doc_path).read_text(encoding="utf-8")
    runner = RUNNERS[rule.stage]
    fired = [f for f in runner(example(text, "Failing example"), tmp_path / "failing", fresh_db, rule.id)
             if f.rule == rule.id]
    assert fired, f"{rule.id}: the failing example does not make the rule fire"
    if rule.stage in (Stage.AUDIT, Stage.PROBE):
        documented = re.search(r'object = "([^"]+)"', text)
        assert documented, "the page's [[ignore]] example names the object the failing example reports"
        assert [str(f.object) for f in fired] == [documented.group(1)], [f.message for f in fired]
        assert fired[0].location is not None and fired[0].location.file == DEFAULT_FILE
    quiet = [f for f in runner(example(text, "Passing example"), tmp_path / "passing", fresh_db, rule.id)
             if f.rule == rule.id]
    assert quiet == [], [f.message for f in quiet]


def test_the_squawk_page_examples(tmp_path: Path) -> None:
    """All `squawk/*` rules share one page; its failing example names the rules it trips."""
    text = (PAGES / "squawk.md").read_text(encoding="utf-8")
    failing = example(text, "Failing example")
    named = set(re.findall(r"-- (squawk/[a-z-]+)", failing.files[DEFAULT_FILE].decode()))
    assert named
    fired = {f.rule for f in run_lint(failing, tmp_path / "failing", lambda: None, "squawk/")}  # type: ignore[arg-type, return-value]
    assert named <= fired
    quiet = {f.rule for f in run_lint(example(text, "Passing example"), tmp_path / "passing",
                                      lambda: None, "squawk/")}  # type: ignore[arg-type, return-value]
    assert not quiet & named
