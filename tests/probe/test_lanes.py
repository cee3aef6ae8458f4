"""The probe over several connections (lanes.py) finds what the one-connection probe finds: the
same requests, outcomes, attributed policies, RPC calls and findings, on the example project and
on a generated schema with RPC functions (definer writers included, so the write watch is in
place). The parallel run commits its rows, so it runs on a copy of the database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bench.gen_schema import generate_schema
from tests.conftest import REPO
from tests.probe.conftest import applied_project
from tests.probe.test_parents import OWNER_ONLY, TABLES
from tests.probe.test_policy_errors import RECURSIVE_MEMBERS
from toolkit.apply import ApplyResult
from toolkit.engine.base import Database
from toolkit.model import Snapshot
from toolkit.probe import ProbeResult, run_probe
from toolkit.probe.lanes import Lanes
from toolkit.project import Project

# Keys made by gen_random_uuid() and times made by now() differ from one database to the next.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT?\s?\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d(:\d\d)?)?")
_VARIES = ("seconds", "timings")


def _plain(value: Any) -> str:
    return _TIME.sub("<time>", _UUID.sub("<uuid>", json.dumps(value, sort_keys=True, default=str)))


def observed(result: ProbeResult) -> dict[str, str]:
    """Everything the probe saw and concluded, without what differs between two databases."""
    tables = [(r.table.identity, r.bucket, r.skipped,
               [(a.caller, a.command, a.purpose, a.outcome, a.rows, a.targeted, a.sqlstate, a.detail,
                 a.sql, a.policies, a.fakes, a.in_policy, a.shown, str(a.parent_key))
                for a in r.attempts]) for r in result.tables]
    functions = [(f.function.identity, f.skipped, f.given,
                  [(c.caller, c.outcome, c.body, c.response, c.leaked, [ch.evidence() for ch in c.changed],
                    c.sqlstate, c.detail) for c in f.calls]) for f in result.functions]
    summary = {k: v for k, v in result.summary.items() if k not in _VARIES}
    return {"findings": _plain([f.to_dict() for f in result.findings]), "tables": _plain(tables),
            "functions": _plain(functions), "summary": _plain(summary)}


def serial_and_parallel(project: Project, db: Database, applied: ApplyResult,
                        snapshot: Snapshot) -> tuple[ProbeResult, ProbeResult]:
    copy = db.sibling("supakit_lanes")  # before any connection: the copy needs the source idle
    serial = run_probe(db, snapshot, source_map=applied.source_map, settings=project.settings, jobs=1)
    parallel = run_probe(copy, snapshot, source_map=applied.source_map, settings=project.settings, jobs=3)
    return serial, parallel


@pytest.fixture(scope="module")
def generated(engine, tmp_path_factory) -> Iterator[tuple[Project, Database, ApplyResult, Snapshot]]:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("lanes")
    root.chmod(0o755)
    mdir = root / "supabase" / "migrations"
    mdir.mkdir(parents=True)
    (mdir / "20240101000000_generated.sql").write_text(generate_schema(40, functions=True), encoding="utf-8")
    with applied_project(Path(root)) as world:
        yield world


def test_example_project_parallel_is_serial(engine) -> None:  # type: ignore[no-untyped-def]
    with applied_project(REPO) as world:
        serial, parallel = serial_and_parallel(*world)
    assert serial.summary["requests"] > 100 and serial.summary["buckets_probed"] == 1
    assert observed(parallel) == observed(serial)


def test_generated_schema_with_functions_parallel_is_serial(generated) -> None:  # type: ignore[no-untyped-def]
    serial, parallel = serial_and_parallel(*generated)
    s = serial.summary
    assert s["tables_probed"] == 42 and s["functions_probed"] == 40 and s["rpc_calls"] >= 80
    assert "rpc_writes_unwatched" not in s  # the definer writers ran with the watch in place
    assert "probe_rpc_cross_user_read" in {f.rule for f in serial.findings}  # getters without a check
    assert observed(parallel) == observed(serial)


def test_own_requests_and_reparenting_parallel_is_serial(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A's own requests (a recursing policy's errors, told apart with the table's RLS off) and
    B's rows attached under A's parents (with A looking for them) run in the lanes as well."""
    tmp_path.chmod(0o755)
    mdir = tmp_path / "supabase" / "migrations"
    mdir.mkdir(parents=True)
    (mdir / "20240101000000_parents.sql").write_text(RECURSIVE_MEMBERS + TABLES + OWNER_ONLY, encoding="utf-8")
    with applied_project(tmp_path) as world:
        serial, parallel = serial_and_parallel(*world)
    purposes = {a.purpose for r in serial.tables for a in r.attempts}
    assert {"own", "reparent"} <= purposes
    rules = {f.rule for f in serial.findings}
    assert {"probe_policy_error", "probe_owner_spoof"} <= rules
    assert any(not a.shown for r in serial.tables for a in r.attempts if a.parent_key)  # A looked
    assert observed(parallel) == observed(serial)


def test_lanes_spread_the_work_and_roll_each_lane_back(db: Database) -> None:
    with db.connect(autocommit=True) as conn:
        conn.execute("create table public.lane_marks (pid int)")
        with Lanes(db, conn, 3) as lanes:
            assert len(lanes.conns) == 3

            def mark(i: int) -> tuple[int, int]:
                lane = lanes.conn
                lane.execute("insert into public.lane_marks values (pg_backend_pid())")
                pid = lane.execute("select pg_backend_pid()").fetchone()[0]  # type: ignore[index]
                lane.execute("select pg_sleep(0.01)")
                return i, pid

            got = lanes.map(mark, list(range(30)))
        assert [i for i, _ in got] == list(range(30))  # results in the items' order
        assert len({pid for _, pid in got}) > 1  # more than one connection did the work
        assert conn.execute("select count(*) from public.lane_marks").fetchone()[0] == 0  # type: ignore[index]
        assert conn.closed is False


def test_a_failing_item_stops_the_lanes_and_is_raised(db: Database) -> None:
    with db.connect(autocommit=True) as conn, Lanes(db, conn, 2) as lanes:
        def work(i: int) -> int:
            if i == 3:
                raise ValueError("item 3")
            return i

        with pytest.raises(ValueError, match="item 3"):
            lanes.map(work, list(range(50)))
