"""Audit budgets on a generated 1,000-table / 4,000-policy schema: the catalog snapshot
(< 1 s, fixed number of queries) and all rules plus the coverage matrix (< 0.5 s).

Run: `python -m tests.bench.audit_bench [TABLES]`; prints one JSON object.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

from tests.bench.gen_schema import generate_schema

SNAPSHOT_BUDGET_S = 1.0
RULES_BUDGET_S = 0.5


def run(tables: int = 1000, repeats: int = 3) -> dict[str, Any]:
    from toolkit.audit import audit_snapshot
    from toolkit.catalog import take_snapshot
    from toolkit.engine.local import LocalEngine

    with LocalEngine().start(exposure="legacy") as db, db.connect() as conn:
        conn.execute(generate_schema(tables))
        policies = conn.execute("select count(*) from pg_policy").fetchone()[0]  # type: ignore[index]
        snap_times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            snapshot = take_snapshot(conn, ("public", "graphql_public"))
            snap_times.append(time.perf_counter() - t0)
    rule_times, rule_cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = audit_snapshot(snapshot, None, {})  # a fresh analysis cache each time
        rule_times.append(time.perf_counter() - t0)
        rule_cpu.append(time.process_time() - c0)
    snap, rules = min(snap_times), min(rule_times)
    return {
        "tables": tables,
        "policies": policies,
        "snapshot_s": round(snap, 3),
        "snapshot_queries": snapshot.query_count,
        "rules_s": round(rules, 3),
        "rules_cpu_s": round(statistics.median(rule_cpu), 3),  # steadier on a busy machine
        "findings": len(result.findings),
        "coverage_cells": len(result.coverage),
        "within_budget": snap < SNAPSHOT_BUDGET_S and rules < RULES_BUDGET_S,
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)))
