"""The behavioural RLS probe: synthetic users and rows on a throwaway database, then Data API
requests as anon, as user B against user A's rows, and as A handing rows away, and calls of the
exposed functions over /rpc as B and anon with A's ids. Everything runs in one transaction that
is rolled back, so the database is left as it was; or, with `jobs` > 1, the users and rows are
committed and the requests go out over several connections at once (lanes.py), for a database
that is deleted after the probe.

Only `run_probe` is public; the modules behind it are imported when it runs, so importing the
rule registry stays cheap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.engine.base import database_errors
from toolkit.errors import SupakitError
from toolkit.model import Finding, Snapshot, SourceMap
from toolkit.progress import Progress, quiet

if TYPE_CHECKING:
    from toolkit.engine.base import Database
    from toolkit.facts import Facts
    from toolkit.probe.checks import TableResult
    from toolkit.probe.rpc import FunctionResult


@dataclass
class ProbeResult:
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    tables: list[TableResult] = field(default_factory=list)
    functions: list[FunctionResult] = field(default_factory=list)


@database_errors()
def run_probe(db: Database, snapshot: Snapshot, *, source_map: SourceMap | None = None,
              settings: dict[str, Any] | None = None, facts: Facts | None = None,
              progress: Progress = quiet, jobs: int = 1, from_catalog: bool = True) -> ProbeResult:
    """Probe every table the Data API exposes. Refuses any database that is not throwaway.
    `facts` are the run's, when the pipeline already computed them for this snapshot. `jobs` > 1
    commits what the probe writes: only for a database its owner deletes afterwards.
    `from_catalog` off sends even the requests Postgres denies by default (default_deny.py), so
    tests can compare both answers."""
    if not db.throwaway:
        raise SupakitError("refusing to probe a database that is not a throwaway one "
                           "(the probe writes rows; it only runs on databases supakit started)")
    from toolkit.probe.run import Run

    t0 = time.perf_counter()
    from toolkit.facts import Facts

    run = Run(db, facts or Facts(snapshot, source_map), settings=settings or {}, progress=progress,
              jobs=jobs, from_catalog=from_catalog)
    result = run.execute()
    result.summary["seconds"] = round(time.perf_counter() - t0, 3)
    return result


__all__ = ["ProbeResult", "run_probe"]
