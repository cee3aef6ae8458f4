"""Whole projects: the example project is fully probed and clean; a schema built to be hard to
fill (enums, domains, checks, composite and self-referencing keys, partitions, a key cycle) is
fully probed; the probe leaves the database as it found it and refuses other databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.probe.conftest import applied_project
from toolkit.apply import ApplyResult
from toolkit.engine.base import Database
from toolkit.errors import SupakitError
from toolkit.model import Snapshot
from toolkit.probe import ProbeResult, run_probe
from toolkit.project import Project

SHAPES = REPO / "tests" / "fixtures" / "probe_shapes"


@pytest.fixture(scope="module")
def example(engine) -> Iterator[tuple[Project, Database, ApplyResult, Snapshot]]:  # type: ignore[no-untyped-def]
    with applied_project(REPO) as world:
        yield world


def probe(project: Project, db: Database, applied: ApplyResult, snapshot: Snapshot) -> ProbeResult:
    return run_probe(db, snapshot, source_map=applied.source_map, settings=project.settings)


def test_example_project_is_fully_probed_and_clean(example) -> None:  # type: ignore[no-untyped-def]
    result = probe(*example)
    assert result.findings == [], [f.message for f in result.findings]
    s = result.summary
    assert s["tables_exposed"] == s["tables_probed"] == 30 and s["tables_skipped"] == 0
    assert s["buckets_probed"] == 1  # the private stage-plots bucket
    # its one RPC function (event_crew_cost, invoker) was called by B with A's event: quiet
    assert s["functions_exposed"] == s["functions_probed"] == 1 and s["functions_skipped"] == 0
    (crew_cost,) = result.functions
    assert crew_cost.given == {"event_id": "user A's public.events.id"}
    assert [(c.caller, c.outcome, c.response) for c in crew_cost.calls] == [("B", "returned", "[0]")]
    assert s["share_probed"] == 1.0
    assert s["seconds"] < 5, s  # well under a second on an idle machine; generous for CI
    print(f"\nexample project: {s['tables_probed']}/{s['tables_exposed']} tables, "
          f"{s['requests']} requests, {s['seconds']} s, {s['timings']}")
    kinds = {r.table.name: r.filled.scope.kind for r in result.tables if r.bucket is None}
    assert kinds["profiles"] == "user"
    assert kinds["organisations"] == kinds["organisation_members"] == kinds["event_crew"] == "tenant"
    assert kinds["notifications"] == kinds["user_preferences"] == "owner"
    # every exposed table got B's read, update, delete and insert attempts
    for r in result.tables:
        asked = {(a.caller, a.command) for a in r.attempts}
        assert {("B", "select"), ("B", "update"), ("B", "delete"), ("B", "insert")} <= asked, r.table


def test_example_rows_made_by_triggers_are_reused(example) -> None:  # type: ignore[no-untyped-def]
    result = probe(*example)
    by_name = {r.table.name: r for r in result.tables if r.bucket is None}
    profile = by_name["profiles"].filled.rows["A"]
    assert not profile.created  # on_auth_user_created made it
    membership = by_name["organisation_members"].filled.rows["A"]
    assert not membership.created and membership.values["role"] == "owner"
    colleague = by_name["organisation_members"].filled.rows["C"]
    assert colleague.values["org_id"] == membership.values["org_id"]


def counts(db: Database, snapshot: Snapshot) -> dict[str, int]:
    tables = [t.identity for t in snapshot.tables if t.kind in ("r", "p") and not t.partition_of
              and t.schema in ("public", "auth", "storage")]
    with db.connect() as conn:
        return {t: int(conn.execute(f"select count(*) from {t}").fetchone()[0])  # type: ignore[index]
                for t in tables}


def test_probe_leaves_the_database_as_it_was(example) -> None:  # type: ignore[no-untyped-def]
    project, db, applied, snapshot = example
    before = counts(db, snapshot)
    assert before["auth.users"] == 2  # the seed's two users
    probe(project, db, applied, snapshot)
    probe(project, db, applied, snapshot)  # and it can run again
    assert counts(db, snapshot) == before
    with db.connect() as conn:
        row = conn.execute("select count(*) from auth.users where email like 'supakit-probe-%'").fetchone()
        assert row is not None and row[0] == 0


def test_probe_refuses_a_database_that_is_not_throwaway(example) -> None:  # type: ignore[no-untyped-def]
    project, db, applied, snapshot = example
    live = Database(dsn=db.dsn, superuser_dsn=None, kind="url", throwaway=False)
    with pytest.raises(SupakitError, match="refusing to probe"):
        run_probe(live, snapshot, source_map=applied.source_map, settings=project.settings)


def test_hard_to_fill_schema_is_fully_probed(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with applied_project(SHAPES) as world:
        result = probe(*world)
    s = result.summary
    print(f"\nshapes fixture: {s['tables_probed']}/{s['tables_exposed']} tables probed "
          f"({s['share_probed']:.0%}), {s['seconds']} s")
    assert s["tables_exposed"] == 12  # the two partitions are probed through their parent
    assert s["share_probed"] == 1.0, [f.message for f in result.findings]
    assert result.findings == [], [f.message for f in result.findings]
    rows = {r.table.name: r.filled.rows for r in result.tables}
    people = rows["people"]["A"].values
    assert people["manager_id"] == people["id"]  # a NOT NULL self-reference points at itself
    assert rows["events"]["A"].values["region"] in ("eu", "us")  # partition bounds respected
    assert rows["projects"]["A"].values["code"] != rows["projects"]["B"].values["code"] or (
        rows["projects"]["A"].values["workspace_id"] != rows["projects"]["B"].values["workspace_id"])
    assert rows["teams"]["A"].values["lead_id"] is None  # the cycle is broken at the nullable key
