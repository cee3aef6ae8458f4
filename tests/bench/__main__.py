"""`make bench`: stage timings of the audit pipeline at N = 50, 1,000 and 5,000 tables, lint
throughput, CLI start-up, the example project, and the peers' times on the same database.

Every number is the median of several runs (the count is printed next to it). Run
`python -m tests.bench --help` for a quicker subset.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import cli_stages, peers, stages
from tests.bench.stages import Repeats, SizeResult
from tests.bench.timing import Timing, fmt_s, load, repeat, run_process, table

REPO = Path(__file__).resolve().parents[2]
SIZES = (50, 1000, 5000)
PEER_SIZE = 1000

# The budgets of issue 8 (2 cores).
WARM_BUDGET_S = 0.5
COLD_BUDGET_S = 2.0
SNAPSHOT_BUDGET_S = 1.0
RULES_BUDGET_S = 0.5
HELP_BUDGET_S = 0.25
HTML_BUDGET_S = 0.3
HTML_BUDGET_BYTES = 2_000_000
EXAMPLE_BUDGET_S = 3.0
DIFF_BUDGET_S = 3.0
LINT_BUDGET_STMTS = 5000
BENCH_BUDGET_S = 300.0
PEER_RATIO = 0.5


def repeats_for(n: int, base: int) -> Repeats:
    """Five of everything up to 1,000 tables; at 5,000 the minute-long stages run fewer times."""
    if n <= 50:
        return Repeats(base, base, base, base, base, base)
    if n <= 1000:
        slow = min(base, 3)
        return Repeats(apply=slow, snapshot=base, rules=base, probe=slow, report=base, process=slow)
    few = min(base, 3)
    return Repeats(apply=1, snapshot=few, rules=few, probe=0, report=few, process=1)


def _say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def header() -> str:
    from toolkit.engine.binaries import find_binaries

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip() or "?"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"supakit bench — commit {commit}, {time.strftime('%Y-%m-%d %H:%M')}\n"
            f"{cpus} CPUs ({platform.machine()}), Python {platform.python_version()}, "
            f"PostgreSQL {find_binaries().version}; load average at start {load()}\n"
            "Times are medians; (k) = number of runs. The machine is shared, so absolute numbers move "
            "with its load.")


def size_table(results: list[SizeResult], cluster: dict[str, Timing]) -> str:
    heads = ["stage", *[f"N = {r.n:,}" for r in results]]
    once = "(independent of N)"

    def row(label: str, key: str) -> list[str]:
        return [label, *[r.timings[key].cell() if key in r.timings else "—" for r in results]]

    rows = [
        ["cold cluster (initdb + start)", cluster["cold"].cell(), *[once] * (len(results) - 1)],
        ["shim load", cluster["shim"].cell(), *[once] * (len(results) - 1)],
        ["warm cluster (template copy + start)", cluster["warm"].cell(), *[once] * (len(results) - 1)],
        row("apply migrations", "apply"),
        row("snapshot", "snapshot"),
        row("rules + coverage", "rules"),
        row("probe", "probe"),
        row("report (suppressions, text + json)", "report"),
        row("HTML report (render)", "html"),
        row("whole `supakit audit` process", "process"),
        ["— migration files / statements", *[f"{r.files} / {r.statements:,}" for r in results]],
        ["— policies", *[f"{r.policies:,}" for r in results]],
        ["— snapshot queries / round trips", *[f"{r.snapshot_queries} / {r.snapshot_round_trips}"
                                                for r in results]],
        ["— findings / coverage cells", *[f"{r.findings:,} / {r.coverage_cells:,}" for r in results]],
        ["— HTML report size", *[f"{r.html_bytes / 1e6:.2f} MB" for r in results]],
        ["— probe: tables, requests", *[f"{r.probe.get('tables_probed')}, {r.probe.get('requests')}"
                                        if r.probe else "—" for r in results]],
        ["— probe: functions, calls, rpc stage", *[
            f"{r.probe.get('functions_probed')}, {r.probe.get('rpc_calls')}, "
            f"{(r.probe.get('timings') or {}).get('rpc', 0):.2f} s" if r.probe and r.probe.get("rpc_calls")
            else "—" for r in results]],
        ["— apply: statements/s", *[f"{r.statements / r.timings['apply'].median:,.0f}" for r in results]],
        ["— probe: ms per table", *[f"{1000 * r.timings['probe'].median / max(1, r.probe.get('tables_probed') or 1):.1f}"
                                    if "probe" in r.timings else "—" for r in results]],
    ]
    return table(heads, rows)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT MET")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="table counts (default 50,1000,5000)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per stage (default 5; fewer at 5,000)")
    parser.add_argument("--peer-repeats", type=int, default=3, help="runs per tool in the peer comparison")
    parser.add_argument("--no-peers", action="store_true", help="skip the supabase / pgrls comparison")
    parser.add_argument("--save", type=Path, help="also write the output to this file")
    parser.add_argument("--functions", action="store_true",
                        help="give the generated schema one RPC function per table (the RPC probe)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    started = time.perf_counter()

    from toolkit.engine.local import LocalEngine

    out: list[str] = [header(), ""]
    notes: list[str] = []
    engine = LocalEngine()
    _say("cluster stages")
    cluster = stages.cluster_stages(engine, args.repeats)

    results: list[SizeResult] = []
    comparison: peers.Comparison | None = None
    with tempfile.TemporaryDirectory(prefix="supakit-bench-") as tmp:
        os.chmod(tmp, 0o755)
        for n in sizes:
            _say(f"N = {n:,}")
            keep = n == PEER_SIZE and not args.no_peers
            result, db = stages.size_stages(engine, n, repeats_for(n, args.repeats), Path(tmp) / f"n{n}",
                                            keep_db=keep, functions=args.functions)
            results.append(result)
            if db is not None:
                try:
                    _say(f"peers on the N = {n:,} database")
                    with db.connect(superuser=True, autocommit=True) as su:
                        su.execute("analyze")  # settled statistics, as autovacuum leaves a live database
                    comparison = peers.compare(str(db.cluster.sock), Path(tmp) / f"n{n}", args.peer_repeats)
                finally:
                    db.close()
        _say("lint throughput")
        lint = cli_stages.lint(Path(tmp) / "lint", args.repeats)
    _say("CLI start-up and the example project")
    help_t = cli_stages.startup(args.repeats)
    example_t, _ = repeat(lambda: run_process([stages.SUPAKIT, "audit", "--project-dir", str(REPO), "--format",
                                               "json", "--output", os.devnull, "--fail-on", "never"]),
                          args.repeats)
    with tempfile.TemporaryDirectory(prefix="supakit-bench-diff-") as tmp:
        from tests.diff.conftest import example_project

        declared = example_project(Path(tmp) / "p")
        diff_t, _ = repeat(lambda: run_process([stages.SUPAKIT, "diff", "bench", "--dry-run", "--project-dir",
                                                str(declared)]), args.repeats)

    out += ["Pipeline stages (generated schema: owner- and parent-FK tables, 4 policies each, "
            "some FKs unindexed, some auth.uid() unwrapped; 25 tables a migration file)", ""]
    out += [size_table(results, cluster), ""]
    for r in results:
        if r.n > 1000:
            notes.append(f"N = {r.n:,} runs apply and the whole process once, snapshot/rules/report 3 times, and "
                         "takes the probe's time from inside the whole-process run, to keep `make bench` under "
                         "5 minutes.")
        elif r.n > 50:
            notes.append(f"N = {r.n:,} runs apply, probe and the whole process 3 times.")

    own = lint.statements
    out += ["Lint and start-up", ""]
    out += [table(["what", "time", "statements/s"], [
        [f"supakit lint, {lint.files} files, {lint.lines:,} lines, {own:,} statements (process, with squawk)",
         lint.timings["process"].cell(), f"{own / lint.timings['process'].median:,.0f}"],
        ["same, --no-squawk (process)", lint.timings["process_no_squawk"].cell(),
         f"{own / lint.timings['process_no_squawk'].median:,.0f}"],
        ["same, our rules in-process (warm)", lint.timings["in_process"].cell(),
         f"{own / lint.timings['in_process'].median:,.0f}"],
        ["supakit --help", help_t.cell(), ""],
        ["supakit audit of the example project (30 tables, with probe)", example_t.cell(), ""],
        ["supakit diff of the example project, schemas = migrations (No changes)", diff_t.cell(), ""],
    ]), ""]

    ratio: float | None = None
    if comparison is not None:
        out += [f"Peers on the same N = {PEER_SIZE:,} database (unix socket, analyzed first; each command as "
                "written, default text report to a pipe; findings counted from a separate JSON run)", ""]
        rows = []
        for p in comparison.results:
            rows.append([p.command, p.timing.cell() if p.timing else "—", p.findings or "—", p.note])
        out += [table(["tool", "wall time", "findings", "note"], rows), ""]
        ours = comparison.results[0].timing
        others = [p.timing.median for p in comparison.results[1:] if p.timing]
        if ours and others:
            ratio = ours.median / min(others)
        for p in comparison.results[1:]:
            if p.timing is None:
                notes.append(f"{p.name}: {p.note}")

    by_n = {r.n: r for r in results}
    big = by_n.get(1000)
    queries = {r.snapshot_queries for r in results}
    probe_rates = [r.timings["probe"].median / max(1, r.probe.get("tables_probed") or 1)
                   for r in results if "probe" in r.timings and r.n >= 1000]
    linear = (max(probe_rates) / min(probe_rates) < 1.5) if len(probe_rates) > 1 else None
    total = time.perf_counter() - started
    cold_total = cluster["cold"].median + cluster["shim"].median
    budgets: list[tuple[str, str, bool | None]] = [
        ("warm cluster < 0.5 s", fmt_s(cluster["warm"].median), cluster["warm"].median < WARM_BUDGET_S),
        ("cold cluster with the shim < 2 s (design)", fmt_s(cold_total), cold_total < COLD_BUDGET_S),
        ("snapshot of 1,000 tables < 1 s", fmt_s(big.timings["snapshot"].median) if big else "—",
         big.timings["snapshot"].median < SNAPSHOT_BUDGET_S if big else None),
        ("snapshot in a fixed number of queries", " / ".join(str(r.snapshot_queries) for r in results),
         len(queries) == 1),
        ("rules on 1,000 tables < 0.5 s", fmt_s(big.timings["rules"].median) if big else "—",
         big.timings["rules"].median < RULES_BUDGET_S if big else None),
        ("audit --db-url < half of the fastest peer", f"{ratio:.2f}× the fastest peer" if ratio else "—",
         ratio < PEER_RATIO if ratio else None),
        ("HTML report of 1,000 tables renders < 0.3 s, file < 2 MB",
         f"{fmt_s(big.timings['html'].median)}, {big.html_bytes / 1e6:.2f} MB" if big else "—",
         big.timings["html"].median < HTML_BUDGET_S and big.html_bytes < HTML_BUDGET_BYTES if big else None),
        ("supakit --help < 0.25 s", fmt_s(help_t.median), help_t.median < HELP_BUDGET_S),
        ("example project audit < 3 s", fmt_s(example_t.median), example_t.median < EXAMPLE_BUDGET_S),
        ("example project diff < 3 s", fmt_s(diff_t.median), diff_t.median < DIFF_BUDGET_S),
        ("lint > 5,000 statements/s (process)", f"{own / lint.timings['process'].median:,.0f}/s",
         own / lint.timings["process"].median > LINT_BUDGET_STMTS),
        ("probe time linear in tables (ms/table at 5,000 vs 1,000 within 1.5×)",
         " vs ".join(f"{1000 * r:.1f}" for r in probe_rates) or "—", linear),
        ("make bench < 5 min", fmt_s(total), total < BENCH_BUDGET_S),
    ]
    out += ["Budgets (2 cores)", ""]
    out += [table(["budget", "measured", "verdict"], [[b, m, verdict(ok)] for b, m, ok in budgets]), ""]
    out += [f"load average at end {load()}"]
    out += [f"note: {n}" for n in notes]
    text = "\n".join(out) + "\n"
    print(text)
    if args.save:
        args.save.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
