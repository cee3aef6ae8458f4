"""Stage-by-stage timings of the audit pipeline on generated projects of N tables.

Each stage runs the real code the CLI runs, on a real cluster from our engine; only the
clock around it is ours.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.bench.gen_schema import generate_schema
from tests.bench.timing import Timing, repeat, run_process

if TYPE_CHECKING:
    import psycopg

    from toolkit.engine.local import LocalEngine
    from toolkit.project import Project

TABLES_PER_FILE = 25
PROBE_KEYS = ("tables_probed", "tables_skipped", "functions_probed", "rpc_calls", "requests",
              "rows_synthesised", "timings")
SUPAKIT = str(Path(sys.executable).with_name("supakit"))


def write_project(root: Path, n: int, *, functions: bool = False) -> Project:
    """A Supabase project whose migrations create the generated schema, 25 tables a file (and,
    with `functions`, one RPC function per table)."""
    from toolkit.project import find_project

    mdir = root / "supabase" / "migrations"
    mdir.mkdir(parents=True, exist_ok=True)
    (root / "supabase" / "config.toml").write_text('project_id = "bench"\n[db]\nmajor_version = 15\n')
    chunks: list[list[str]] = [[]]
    tables = 0
    for line in generate_schema(n, functions=functions).splitlines():
        if line.startswith("create table public.t"):
            if tables and tables % TABLES_PER_FILE == 0:
                chunks.append([])
            tables += 1
        chunks[-1].append(line)
    for i, chunk in enumerate(chunks):
        (mdir / f"2024010100{i:04d}_tables_{i}.sql").write_text("\n".join(chunk) + "\n", encoding="utf-8")
    os.chmod(root, 0o755)
    return find_project(root)


def cluster_stages(engine: LocalEngine, repeats: int) -> dict[str, Timing]:
    """Cold cluster (initdb + start), shim load, and warm cluster (template copy + start)."""
    from toolkit.engine.local import _load_shim

    cold, shim = Timing(), Timing()
    for _ in range(repeats):
        cluster = engine._new_cluster(None)
        try:
            t0 = time.perf_counter()
            cluster.initdb()
            cluster.start()
            t1 = time.perf_counter()
            _load_shim(cluster)
            t2 = time.perf_counter()
        finally:
            cluster.destroy()
        cold.samples.append(t1 - t0)
        shim.samples.append(t2 - t1)
    engine._template()  # built once, outside the clock

    closes = Timing()
    warm_t = Timing()
    for _ in range(repeats):
        t0 = time.perf_counter()
        db = engine.start(exposure="legacy")
        t1 = time.perf_counter()
        db.close()
        warm_t.samples.append(t1 - t0)
        closes.samples.append(time.perf_counter() - t1)
    return {"cold": cold, "shim": shim, "warm": warm_t, "stop": closes}


class RoundTrips:
    """Counts client→server round trips from libpq's own protocol trace (Query or Sync messages)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.count = 0

    def __enter__(self) -> RoundTrips:
        self._file = tempfile.TemporaryFile("w+")
        self.conn.pgconn.trace(self._file.fileno())
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.pgconn.untrace()
        self._file.seek(0)
        for line in self._file:
            parts = line.rstrip("\n").split("\t")
            if len(parts) > 3 and parts[1] == "F" and parts[3] in ("Query", "Sync"):
                self.count += 1
        self._file.close()


@dataclass
class SizeResult:
    n: int
    files: int = 0
    statements: int = 0
    policies: int = 0
    snapshot_queries: int = 0
    snapshot_round_trips: int = 0
    findings: int = 0
    coverage_cells: int = 0
    probe: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, Timing] = field(default_factory=dict)
    html_bytes: int = 0


@dataclass
class Repeats:
    apply: int = 5
    snapshot: int = 5
    rules: int = 5
    probe: int = 5
    report: int = 5
    process: int = 5


def size_stages(engine: LocalEngine, n: int, reps: Repeats, root: Path,
                keep_db: bool = False, functions: bool = False) -> tuple[SizeResult, Any]:
    """Apply, snapshot, rules, probe, report and the whole `supakit audit` process at N tables.

    Returns the result and, with keep_db, the last applied database (the caller closes it)."""
    from toolkit.apply import apply_migrations
    from toolkit.audit import audit_snapshot
    from toolkit.catalog import take_snapshot
    from toolkit.migrations import discover
    from toolkit.model import RunResult, Stage
    from toolkit.probe import run_probe
    from toolkit.report import render
    from toolkit.suppress import apply_suppressions

    project = write_project(root, n, functions=functions)
    files = discover(project.migrations_dir, project.root).files
    out = SizeResult(n, files=len(files))
    apply_t = Timing()
    db = None
    for i in range(reps.apply):
        if db is not None:
            db.close()
        db = engine.start(exposure="legacy")
        t0 = time.perf_counter()
        applied = apply_migrations(db, files)
        apply_t.samples.append(time.perf_counter() - t0)
        out.statements = applied.statements
        if i == 0 and not applied.complete:
            raise RuntimeError(f"the generated schema did not apply: {applied.failures[0]}")
    assert db is not None
    out.timings["apply"] = apply_t
    try:
        with db.connect() as conn:
            out.policies = conn.execute("select count(*) from pg_policy").fetchone()[0]  # type: ignore[index]
            exposed = tuple(project.exposed_schemas)
            out.timings["snapshot"], snapshot = repeat(lambda: take_snapshot(conn, exposed), reps.snapshot)
        with db.connect() as fresh, RoundTrips(fresh) as trips:  # as in one CLI run: nothing prepared yet
            take_snapshot(fresh, exposed)
        out.snapshot_round_trips = trips.count
        out.snapshot_queries = snapshot.query_count
        source_map = applied.source_map
        out.timings["rules"], result = repeat(
            lambda: audit_snapshot(snapshot, source_map=source_map, settings=project.settings), reps.rules)
        out.findings, out.coverage_cells = len(result.findings), len(result.coverage)
        findings = list(result.findings)
        if reps.probe:
            out.timings["probe"], probe = repeat(
                lambda: run_probe(db, snapshot, source_map=source_map, settings=project.settings), reps.probe)
            out.probe = {k: probe.summary.get(k) for k in PROBE_KEYS}
            findings += probe.findings
        report = RunResult(findings=findings, coverage=result.coverage, info=dict(result.info),
                           stages=(Stage.CHECK, Stage.APPLY, Stage.AUDIT, Stage.PROBE))

        fresh = iter([copy.deepcopy(report) for _ in range(reps.report)])

        def render_report() -> int:
            one = next(fresh)
            apply_suppressions(one, project, baseline=None)
            return len(render(one, "text")) + len(render(one, "json"))

        out.timings["report"], _ = repeat(render_report, reps.report)
        # The HTML report reads the migrations for its source lines, so it is given the project.
        html_report = copy.deepcopy(report)
        html_report.info["project"] = str(project.root)
        apply_suppressions(html_report, project, baseline=None)
        out.timings["html"], page = repeat(lambda: render(html_report, "html"), reps.report)
        out.html_bytes = len(page.encode())
    except BaseException:
        db.close()
        raise
    if not keep_db:
        db.close()
        db = None
    if reps.process:
        report_file = root / "report.json"
        args = [SUPAKIT, "audit", "--project-dir", str(project.root), "--format", "json",
                "--output", str(report_file), "--fail-on", "never"]
        probe_inside = Timing()

        def whole() -> None:
            run_process(args)
            info = json.loads(report_file.read_text())["info"]
            if "probe" in info.get("timings", {}):
                probe_inside.samples.append(info["timings"]["probe"])
                out.probe = out.probe or {k: info["probe"].get(k) for k in PROBE_KEYS}

        out.timings["process"], _ = repeat(whole, reps.process)
        if "probe" not in out.timings and probe_inside.samples:
            out.timings["probe"] = probe_inside
    return out, db
