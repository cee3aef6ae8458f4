"""One probe run, start to finish: the users and rows every request needs, then the requests
and calls, spread over the probe's lanes (lanes.py); nothing of it stays in a database that
outlives the probe."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from toolkit.errors import first_line
from toolkit.facts import Facts, table_ref
from toolkit.model import Finding, Function, ObjectRef, Snapshot, Stage, Table
from toolkit.probe import ProbeResult
from toolkit.probe.attribute import attribute
from toolkit.probe.checks import Prober, TableResult
from toolkit.probe.expect import resolve
from toolkit.probe.lanes import Lanes
from toolkit.probe.order import fill_order
from toolkit.probe.rpc import FunctionResult, RpcProber, exposed_functions
from toolkit.probe.rpc_verdict import function_findings, resolve_calls
from toolkit.probe.rules import expectation_problem, skipped_finding
from toolkit.probe.session import User
from toolkit.probe.synth import Filled, Synthesizer
from toolkit.probe.typeinfo import load_extras
from toolkit.probe.users import insert_user, make_user
from toolkit.probe.values import stable_uuid
from toolkit.probe.verdict import Context, Seen
from toolkit.progress import Progress, Step, quiet
from toolkit.registry import checks

if TYPE_CHECKING:
    import psycopg

    from toolkit.engine.base import Database

# A and B are strangers in different organisations; C shares A's organisation; D signed in
# anonymously (Supabase's anonymous sign-ins).
PEOPLE: dict[str, dict[str, Any]] = {
    "A": {"email": "supakit-probe-a@example.com", "label": "user A"},
    "B": {"email": "supakit-probe-b@example.com", "label": "user B"},
    "C": {"email": "supakit-probe-c@example.com", "label": "user C"},
    "D": {"is_anonymous": True, "label": "anonymous sign-in user"},
}


SYNTH_TIMEOUT = "15s"  # one statement of synthesis; a request has its own, shorter limit


class _Clock:
    def __init__(self) -> None:
        self.t = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.t, 4)
        self.t = now


class Run:
    def __init__(self, db: Database, facts: Facts, *, settings: dict[str, Any],
                 progress: Progress = quiet, jobs: int = 1, from_catalog: bool = True) -> None:
        self.db = db
        self.jobs = jobs
        self.from_catalog = from_catalog
        self.progress = progress
        self.facts = facts
        self.snapshot: Snapshot = facts.snapshot
        self.settings = settings
        self.config = settings.get("probe") or {}
        self.exposure = facts.exposure
        self.findings: list[Finding] = []
        self.users: dict[str, User] = {}
        self.results: list[TableResult] = []
        self.functions: list[FunctionResult] = []
        self.synth: Synthesizer | None = None
        self.summary: dict[str, Any] = {}

    def targets(self) -> tuple[list[Table], dict[str, str]]:
        """Exposed tables to probe, and the ones left out with the reason."""
        skip = set(self.config.get("skip") or [])
        tables = self.exposure.exposed_tables()
        exposed_ids = {t.identity for t in tables}
        out: list[Table] = []
        left: dict[str, str] = {}
        for t in tables:
            if t.identity in skip or t.name in skip:
                left[t.identity] = "listed in [tool.supakit.probe] skip"
            elif t.partition_of in exposed_ids:
                continue  # probed through its partitioned parent
            else:
                out.append(t)
        return out, left

    def execute(self) -> ProbeResult:
        targets, left = self.targets()
        expect, problems = resolve(self.settings.get("expect") or {}, self.exposure.exposed_tables())
        functions, not_served = exposed_functions(self.snapshot, self.exposure)
        calls, call_problems = resolve_calls(self.settings.get("expect") or {}, functions)
        self.summary.update(tables_exposed=len(targets) + len(left), tables_probed=0,
                            tables_skipped=0, buckets_probed=0, functions_exposed=len(functions),
                            functions_probed=0, functions_skipped=0)
        if not_served:
            self.summary["functions_not_served"] = not_served
        if self.config.get("enabled") is False:
            self.summary["disabled"] = True
            return ProbeResult([], self.summary)
        with self.db.connect(autocommit=True) as conn, \
                Lanes(self.db, conn, self.jobs, statement_timeout=SYNTH_TIMEOUT) as lanes:
            self._probe(lanes, targets, left, expect)
            self._functions(lanes, functions)
        vctx = Context(self.facts, expect, has_peer="C" in self.users, settings=self.settings)
        self.findings += [expectation_problem(p) for p in problems]
        self.findings += [expectation_problem(p, what="function") for p in call_problems]
        self.findings += function_findings(vctx, self.functions, calls)
        probed_fns = sum(1 for r in self.functions if not r.skipped)
        self.summary.update(functions_probed=probed_fns, functions_skipped=len(functions) - probed_fns)
        probe_checks = checks(Stage.PROBE)
        for result in self.results:
            if result.skipped:
                self.findings.append(skipped_finding(vctx, result.table, result.skipped))
                continue
            seen = _seen(result, expect)
            self.findings += [f for _, check in probe_checks for f in check(vctx, seen)]
        for identity, reason in sorted(left.items()):
            table = self.snapshot.table(identity)
            if table is not None:
                self.findings.append(skipped_finding(vctx, table, reason))
        probed = sum(1 for r in self.results if not r.skipped and r.bucket is None)
        self.summary.update(
            tables_probed=probed,
            tables_skipped=self.summary["tables_exposed"] - probed,
            share_probed=round(probed / self.summary["tables_exposed"], 3)
            if self.summary["tables_exposed"] else 1.0,
        )
        return ProbeResult(self.findings, self.summary, self.results, self.functions)

    # --- inside the probe's transaction (lanes.py) ------------------------------------------------
    def _probe(self, lanes: Lanes, targets: list[Table], left: dict[str, str],
               expect: dict[str, dict[str, str]]) -> None:
        clock = _Clock()
        self.progress(Step("probe", 0, len(targets)))  # users and rows come first, then the requests
        scopes = self.facts.scopes
        with lanes.setup() as conn:
            self.users, failed = self._users(conn, need_peer=bool(scopes.memberships))
        self.summary["users"] = sorted(self.users)
        if failed:
            self.summary["users_not_created"] = failed
        if "A" not in self.users or "B" not in self.users:
            why = "; ".join(f"{k}: {v}" for k, v in failed.items())
            for t in targets:
                self.results.append(TableResult(t, Filled(t, scopes.of(t)),
                                                skipped=f"the probe users could not be created ({why})"))
            return
        clock.lap("users")
        order, deferred = fill_order(self.snapshot, targets)
        with lanes.setup() as conn:
            extras = load_extras(conn, [t.identity for t in order])
            clock.lap("catalog")
            synth = self.synth = Synthesizer(conn, self.snapshot, scopes, extras, self.users, deferred)
            synth.prepare(order)
            clock.lap("solve")
        synth.fill(order, lanes)  # with several lanes, committed as it goes
        with lanes.setup() as conn:
            buckets = self._buckets(conn) if self.config.get("storage", True) else []
        clock.lap("fill")
        prober = Prober(lanes, synth, self.users, self.exposure, from_catalog=self.from_catalog)
        work: list[Filled | TableResult] = []
        for t in targets:
            filled = synth.filled.get(t.identity)
            if filled is None or filled.reason or "A" not in filled.rows or "B" not in filled.rows:
                why = filled.reason if filled and filled.reason else "no rows could be made"
                work.append(TableResult(t, filled or Filled(t, scopes.of(t)), skipped=why))
            else:
                work.append(filled)
        total = len(targets)
        self.results += lanes.map(lambda item: self._ask(prober, expect, item), [*work, *buckets],
                                  done=lambda n: self.progress(Step("probe", min(n, total), total)))
        self.progress(Step("probe", len(targets), len(targets)))
        self.summary["buckets_probed"] += sum(1 for r in buckets if not r.skipped)
        clock.lap("requests")
        # A's own allowed requests matter only to a declaration (they show 'owner' access)
        allowed = [(result.table, a) for result in self.results for a in result.attempts
                   if a.allowed and (a.purpose != "own" or result.table.identity in expect)]
        found = lanes.map(lambda job: attribute(lanes.conn, job[0], job[1], prober.claims(job[1].caller)),
                          allowed)
        for (_table, a), policies in zip(allowed, found, strict=True):
            a.policies = policies
        clock.lap("attribution")
        self.summary["requests"] = prober.requests
        self.summary["requests_answered_by_catalog"] = prober.answered_by_catalog
        self.summary["rows_synthesised"] = synth.rows_made
        self.summary["timings"] = clock.laps

    def _functions(self, lanes: Lanes, functions: list[Function]) -> None:
        """Call the exposed functions as B and as anon (rpc.py), after the tables are done."""
        if self.config.get("functions") is False:
            self.summary["functions_disabled"] = True
            return
        skip = set(self.config.get("skip") or [])
        why = ("the probe users could not be created"
               if "A" not in self.users or "B" not in self.users else None)
        callable_: list[Function] = []
        for fn in functions:
            reason = why or ("listed in [tool.supakit.probe] skip"
                             if skip & {fn.name, f"{fn.schema}.{fn.name}"} else None)
            if reason:
                self.functions.append(FunctionResult(fn, (), skipped=reason))
            else:
                callable_.append(fn)
        if not callable_ or self.synth is None:
            return
        t0 = time.perf_counter()
        rpc = RpcProber(lanes, self.snapshot, self.exposure, self.synth, self.users, self.results)
        self.functions += rpc.probe(callable_, self.progress)
        self.summary["rpc_calls"] = rpc.calls
        if rpc.unwatched:
            self.summary["rpc_writes_unwatched"] = rpc.unwatched
        self.summary.setdefault("timings", {})["rpc"] = round(time.perf_counter() - t0, 4)

    def _users(self, conn: psycopg.Connection, *, need_peer: bool) -> tuple[dict[str, User], dict[str, str]]:
        import psycopg

        users: dict[str, User] = {}
        failed: dict[str, str] = {}
        for label, spec in PEOPLE.items():
            if label == "C" and not need_peer:
                continue
            user = make_user(user_id=stable_uuid("probe-user", label), **spec)
            try:
                with conn.transaction():
                    insert_user(conn, user)
                users[label] = user
            except psycopg.Error as e:
                failed[label] = first_line(e)
        return users, failed

    def _ask(self, prober: Prober, expect: dict[str, dict[str, str]],
             item: Filled | TableResult) -> TableResult:
        """A table's requests; a bucket's; or a table skipped before any request."""
        if isinstance(item, Filled):
            return prober.probe(item, declared=expect.get(item.table.identity, {}))
        if item.bucket is not None:
            from toolkit.probe.storage import probe_bucket

            return probe_bucket(prober, item, self.users)
        return item

    def _buckets(self, conn: psycopg.Connection) -> list[TableResult]:
        """A's and B's objects in every bucket the storage requests will ask about."""
        from toolkit.probe.storage import place_objects, probe_buckets

        objects = self.snapshot.table("storage.objects")
        if objects is None or not self.snapshot.buckets_known:
            return []
        return [place_objects(conn, objects, bucket, self.users, public)
                for bucket, public in probe_buckets(conn, self.snapshot, objects)]


def _seen(result: TableResult, expect: dict[str, dict[str, str]]) -> Seen:
    if result.bucket is not None:
        kind = "public" if result.public_bucket else "private"
        return Seen(result, ObjectRef("bucket", None, result.bucket),
                    f"{kind} bucket '{result.bucket}'", expect.get(result.table.identity, {}))
    t = result.table
    return Seen(result, table_ref(t), t.identity, expect.get(t.identity, {}))
