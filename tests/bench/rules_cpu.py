"""CPU time of the audit's rules and coverage stage on one stored snapshot, for profiling it.

    python -m tests.bench.rules_cpu snapshot FILE [--tables N]   # apply the generated schema
                                                                 # (as the bench does), pickle
                                                                 # snapshot + source map + settings
    python -m tests.bench.rules_cpu time FILE [--repeats R] [--out OUT] [--same] [--gc-off]
    python -m tests.bench.rules_cpu profile FILE [--top K]

`time` unpickles a fresh snapshot before every repeat (nothing computed by one run helps the
next, and the last run's garbage is collected before the clock starts) and times only `audit_snapshot` with `time.process_time`, which a shared machine's load
does not inflate. `--out` writes every finding (rule, level, object, location, message,
evidence, ...) and every coverage cell, one a line, so two versions of the rules can be compared
byte for byte.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pickle
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def take(path: Path, tables: int) -> None:
    from tests.bench.stages import write_project
    from toolkit.apply import apply_migrations
    from toolkit.catalog import take_snapshot
    from toolkit.engine.local import LocalEngine
    from toolkit.migrations import discover

    with tempfile.TemporaryDirectory() as tmp:
        project = write_project(Path(tmp), tables)
        files = discover(project.migrations_dir, project.root).files
        with LocalEngine().start(exposure="legacy") as db:
            applied = apply_migrations(db, files)
            if not applied.complete:
                raise RuntimeError(f"the generated schema did not apply: {applied.failures[0]}")
            with db.connect() as conn:
                snapshot = take_snapshot(conn, tuple(project.exposed_schemas))
        path.write_bytes(pickle.dumps((snapshot, applied.source_map, project.settings)))
    print(f"{path}: {len(snapshot.tables)} relations, "
          f"{sum(len(t.policies) for t in snapshot.tables)} policies")


def load(path: Path) -> tuple[Any, Any, Any]:
    return pickle.loads(path.read_bytes())  # type: ignore[no-any-return]


def dump(result: Any) -> str:
    lines = [json.dumps(f.to_dict(), sort_keys=True, default=repr) for f in result.findings]
    lines += [repr(c) for c in result.coverage]
    lines.append(json.dumps(result.info, sort_keys=True))
    return "\n".join(lines) + "\n"


def time_it(path: Path, repeats: int, out: Path | None, gc_off: bool = False, same: bool = False) -> None:
    """With `same`, as the bench's rules row: one snapshot audited `repeats` times in a row, each
    run's garbage left to the collector (whose full collections then fall into some runs)."""
    from toolkit.audit import audit_snapshot

    samples, walls = [], []
    result = None
    snapshot, source_map, settings = load(path)
    for _ in range(repeats):
        if not same:
            snapshot, source_map, settings = load(path)
            gc.collect()  # the last repeat's garbage is not this one's to collect
        if gc_off:
            gc.disable()
        w0, c0 = time.perf_counter(), time.process_time()
        result = audit_snapshot(snapshot, source_map=source_map, settings=settings)
        samples.append(time.process_time() - c0)
        walls.append(time.perf_counter() - w0)
        gc.enable()
    assert result is not None
    print(f"rules + coverage CPU: median {statistics.median(samples) * 1000:.0f} ms, "
          f"min {min(samples) * 1000:.0f}, max {max(samples) * 1000:.0f} ({repeats} runs; wall median "
          f"{statistics.median(walls) * 1000:.0f} ms); "
          f"{len(result.findings)} findings, {len(result.coverage)} cells")
    if out is not None:
        out.write_text(dump(result), encoding="utf-8")


def profile(path: Path, top: int) -> None:
    from toolkit.audit import audit_snapshot

    audit_snapshot(*load(path)[:1])  # imports and first-use work outside the profile
    snapshot, source_map, settings = load(path)
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    audit_snapshot(snapshot, source_map=source_map, settings=settings)
    prof.disable()
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=("snapshot", "time", "profile"))
    ap.add_argument("file", type=Path)
    ap.add_argument("--tables", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--gc-off", action="store_true", help="time with the cyclic garbage collector off")
    ap.add_argument("--same", action="store_true", help="audit one snapshot repeatedly, as the bench does")
    args = ap.parse_args()
    if args.command == "snapshot":
        take(args.file, args.tables)
    elif args.command == "time":
        time_it(args.file, args.repeats, args.out, args.gc_off, args.same)
    else:
        profile(args.file, args.top)


if __name__ == "__main__":
    main()
