"""The scaffolded table passes our own lint and audit with zero warn/error findings, on a real
throwaway database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from toolkit.lint import lint_project
from toolkit.merge import merge_findings
from toolkit.model import Finding
from toolkit.pipeline import AuditOptions, audit
from toolkit.project import find_project
from toolkit.scaffold import build_content, new_migration
from toolkit.suppress import apply_suppressions

NOW = dt.datetime(2026, 1, 2, 3, 4, 5)

ORGS: dict[str, Any] = {"table": "organisations", "owner_column": None, "columns": ["name:text!"]}
COMBOS: dict[str, list[dict[str, Any]]] = {
    "owner_default": [{"table": "notes", "columns": ["title:text!", "body:text"]}],
    "owner_with_fk_and_public_read": [ORGS, {"table": "projects", "public_read": True,
                                             "columns": ["org_id:uuid!->organisations", "title:text!"]}],
    "no_owner": [{"table": "countries", "owner_column": None, "columns": ["code:text!", "name:text!"]}],
    "no_owner_public_read": [{"table": "prices", "owner_column": None, "public_read": True,
                              "columns": ["amount:numeric(10,2)!"]}],
    "keyword_table_custom_owner": [{"table": "order", "owner_column": "buyer_id",
                                    "columns": ["total:numeric!", "placed_at:timestamptz"]}],
    "task_in_own_project": [{"table": "projects", "columns": ["name:text!"]},
                            {"table": "tasks", "columns": ["project_id:uuid!->projects", "title:text!"]}],
    "two_fks": [ORGS, {"table": "teams", "owner_column": None, "columns": ["org_id:uuid!->organisations"]},
                {"table": "tasks", "columns": ["team_id:uuid!->teams", "org_id:uuid->organisations",
                                               "done:boolean!"]}],
}


def _scaffold(root: Path, tables: list[dict[str, Any]], *, config: str | None = None) -> Any:
    (root / "supabase").mkdir(parents=True)
    if config:
        (root / "supabase" / "config.toml").write_text(config)
    mdir = root / "supabase" / "migrations"
    for i, t in enumerate(tables):
        opts = {"schema": "public", "owner_column": "user_id", "columns": [], "public_read": False, **t}
        content = build_content(t["table"], sql=None, project=find_project(root), **opts)
        new_migration(mdir, f"create {t['table']}", content, now=NOW + dt.timedelta(minutes=i))
    return find_project(root)


def _loud(findings: list[Finding]) -> list[str]:
    return [f"{f.rule} {f.location} {f.message}" for f in findings
            if f.level.rank >= 2 and not f.suppressed_by]


@pytest.mark.parametrize("combo", sorted(COMBOS))
def test_scaffold_lints_clean(tmp_path: Path, combo: str) -> None:
    project = _scaffold(tmp_path, COMBOS[combo])
    result = lint_project(project)
    assert result.files == len(COMBOS[combo])
    assert _loud(result.findings) == []


@pytest.mark.parametrize("combo", sorted(COMBOS))
def test_scaffold_audits_clean(engine: Any, tmp_path: Path, combo: str) -> None:
    project = _scaffold(tmp_path, COMBOS[combo])
    report = audit(project, AuditOptions(engine="local", seed=False), lambda _msg: None)
    assert report.info["applied"] == len(COMBOS[combo]) and not report.incomplete
    apply_suppressions(report, project, baseline=None)  # as the CLI does before it reports
    assert _loud(report.findings) == []
    assert not [f for f in report.findings if f.rule == "unused_suppression"]
    table = COMBOS[combo][-1]["table"]
    cells = {(c.role, c.command): c.status for c in report.coverage if c.table == table}
    owner = COMBOS[combo][-1].get("owner_column", "user_id")
    public = COMBOS[combo][-1].get("public_read", False)
    assert cells[("anon", "select")] == ("open" if public else "no grant")
    assert report.info.get("probe"), "the probe did not run"
    intended = [f for f in report.findings if f.rule == "probe_anon_read"]
    assert bool(intended) == public and all(f.suppressed_by == "inline" for f in intended)
    assert cells[("anon", "insert")] == "no grant"
    if owner:
        assert cells[("authenticated", "update")] == "row-scoped"
        assert cells[("authenticated", "delete")] == "row-scoped"
    else:
        assert cells[("authenticated", "insert")] == "no grant"


def test_scaffold_audits_clean_with_explicit_exposure_and_another_schema(engine: Any, tmp_path: Path) -> None:
    config = '[api]\nschemas = ["public", "graphql_public", "app"]\nauto_expose_new_tables = false\n'
    project = _scaffold(tmp_path, [], config=config)
    new_migration(project.migrations_dir, "app schema",
                  "create schema app;\ngrant usage on schema app to anon, authenticated, service_role;\n", now=NOW)
    content = build_content("notes", table="notes", schema="app", owner_column="user_id",
                            columns=["title:text!"], public_read=False, sql=None)
    new_migration(project.migrations_dir, "app notes", content, now=NOW + dt.timedelta(minutes=1))
    assert _loud(lint_project(project).findings) == []
    report = audit(project, AuditOptions(engine="local", seed=False), lambda _msg: None)
    apply_suppressions(report, project, baseline=None)
    assert report.info["exposure"] == "explicit"
    assert _loud(report.findings) == []
    cells = {(c.role, c.command): c.status for c in report.coverage if (c.schema, c.table) == ("app", "notes")}
    assert cells[("authenticated", "select")] == "row-scoped"


def test_a_key_to_an_organisations_parent_is_pinned_by_what_the_caller_can_read(engine: Any, tmp_path: Path) -> None:
    """In the example project, events belong to organisations (members read them through
    private.user_org_ids()). An invoice under an event must sit under an event its author can
    read; without that pin user B files an invoice under user A's organisation's event."""
    import shutil

    from toolkit.scaffold.parents import read_parents
    from toolkit.scaffold.table import TableSpec, parse_column, render_table

    repo = Path(__file__).resolve().parents[2]
    (tmp_path / "supabase").mkdir()
    shutil.copytree(repo / "supabase" / "migrations", tmp_path / "supabase" / "migrations")
    shutil.copy(repo / "supabase" / "config.toml", tmp_path / "supabase" / "config.toml")
    project = find_project(tmp_path)
    parents = read_parents(project.migrations_dir, project.root)
    assert ("public", "events") in parents.private and ("public", "events") not in parents.owners

    cols = ["amount:numeric!", "event_id:uuid!->events"]
    unpinned = render_table(TableSpec("invoices", columns=[parse_column(c, "public") for c in cols]))
    made = new_migration(project.migrations_dir, "add invoices", unpinned, now=NOW)
    report = audit(project, AuditOptions(engine="local", seed=False), lambda _msg: None)
    [hole] = [f for f in report.findings if f.rule == "parent_key_not_checked" and "insert" in f.object.name]
    assert "only its owner or organisation can read" in hole.message
    assert hole.remediation.endswith(
        "and exists (select 1 from public.events p where p.id = invoices.event_id));"), hole.remediation
    # The probe's B filing an invoice under A's organisation's event is the same hole: one finding.
    loud = [f for f in merge_findings(report.findings) if f.level.rank >= 2]
    assert [f.rules for f in loud] == [["parent_key_not_checked", "parent_key_not_checked", "probe_owner_spoof"]]
    made.path.unlink()

    content = build_content("invoices", table="invoices", schema="public", owner_column="user_id", sql=None,
                            columns=cols, public_read=False, project=project)
    assert "exists (select 1 from public.events p where p.id = invoices.event_id)" in content
    new_migration(project.migrations_dir, "add invoices", content, now=NOW)
    report = audit(project, AuditOptions(engine="local", seed=False), lambda _msg: None)
    apply_suppressions(report, project, baseline=None)
    assert _loud(report.findings) == []
