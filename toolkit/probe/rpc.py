"""The RPC probe: call every function the Data API exposes, as PostgREST does for
`POST /rest/v1/rpc/<name>`, as user B and as anon, with arguments taken from user A's data.

A function is exposed when PostgREST would serve it (a plain function in an exposed schema, not
returning trigger, every argument named or a single unnamed json/jsonb/text/xml/bytea one) and
an API role may execute it. Each call is one request in its own savepoint that is rolled back,
with PostgREST's settings, role and claims, a statement timeout, and a read-only transaction
for stable and immutable functions (PostgREST runs those read-only). A call that returns one of
A's private values (rpc_values) or changes one of A's rows (rpc_watch) is a finding. Functions
that send HTTP requests meet the pg_net and http stubs, which never send anything.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.errors import first_line
from toolkit.facts import Exposure
from toolkit.model import API_ROLES, Function, Snapshot
from toolkit.probe.checks import CALLER_NAMES, TableResult, role_of
from toolkit.probe.rpc_args import ArgPicker, ArgPlan
from toolkit.probe.rpc_values import PrivateValues
from toolkit.probe.rpc_watch import READ_LOG, Change, Watch
from toolkit.probe.session import User, anon_claims, rolled_back_rows
from toolkit.probe.sqltext import ident
from toolkit.probe.synth import Synthesizer
from toolkit.probe.typeinfo import load_types
from toolkit.progress import Progress, Step, quiet

if TYPE_CHECKING:
    import psycopg

TIMEOUT = "5s"
_BODY_TYPES = ("json", "jsonb", "text", "xml", "bytea")  # a lone unnamed argument takes the body
_NOT_CALLABLE_RETURNS = ("trigger", "event_trigger")
_SHOWN = 2000  # characters of a response kept as evidence
_names = itertools.count(1)


@dataclass
class Call:
    caller: str  # A | B | anon
    outcome: str  # returned | error | denied
    body: str = ""  # the JSON request body, as sent
    response: str = ""  # the JSON response body (cut to _SHOWN characters)
    leaked: list[tuple[str, str]] = field(default_factory=list)  # (A's value, schema.table.column)
    changed: list[Change] = field(default_factory=list)
    sqlstate: str = ""
    detail: str = ""

    @property
    def role(self) -> str:
        return role_of(self.caller)

    def evidence(self, fn: Function) -> dict[str, Any]:
        out: dict[str, Any] = {"caller": CALLER_NAMES.get(self.caller, self.caller), "role": self.role,
                               "command": "call", "request": f"{_method(fn)} /rest/v1/rpc/{fn.name}",
                               "body": self.body, "outcome": self.outcome}
        if self.outcome == "returned":
            out["response"] = self.response
        if self.detail:
            out["detail"] = self.detail
        if self.leaked:
            out["leaked"] = [{"value": v, "from": w} for v, w in self.leaked]
        if self.changed:
            out["changed"] = [c.evidence() for c in self.changed]
        return out


@dataclass
class FunctionResult:
    function: Function
    roles: tuple[str, ...]  # API roles that may execute it
    calls: list[Call] = field(default_factory=list)
    given: dict[str, str] = field(default_factory=dict)  # argument -> where its value came from
    skipped: str | None = None


def exposed_functions(snapshot: Snapshot, exposure: Exposure) -> tuple[list[Function], int]:
    """The functions PostgREST serves that an API role may execute, and how many more PostgREST
    would not serve (a trigger function, unnamed arguments)."""
    out: list[Function] = []
    not_served = 0
    for fn in snapshot.functions:
        if not exposure.is_user_function(fn) or not exposure.schema_exposed(fn.schema):
            continue
        if not any(exposure.can_execute(fn, r) for r in API_ROLES):
            continue
        if fn.kind == "f" and fn.returns not in _NOT_CALLABLE_RETURNS and _named(fn):
            out.append(fn)
        else:
            not_served += 1
    return out, not_served


def _named(fn: Function) -> bool:
    inputs = fn.inputs
    unnamed = [a for a in inputs if not a.name]
    return not unnamed or (len(inputs) == 1 and inputs[0].type in _BODY_TYPES)


class RpcProber:
    def __init__(self, conn: psycopg.Connection, snapshot: Snapshot, exposure: Exposure,
                 synth: Synthesizer, users: dict[str, User], tables: list[TableResult]) -> None:
        self.conn = conn
        self.snapshot = snapshot
        self.exposure = exposure
        self.users = users
        self.synth = synth
        self.tables = tables
        self.private = PrivateValues(synth, users, tables)
        self.watch = Watch(snapshot, synth, users)
        self.calls = 0
        self.watching = False
        self.unwatched: str | None = None  # why writes could not be watched
        self._composite: set[str] = set()
        self.picker: ArgPicker | None = None

    def probe(self, functions: list[Function], progress: Progress = quiet) -> list[FunctionResult]:
        """Every function, inside one savepoint that takes the watch triggers away afterwards."""
        if not functions:
            return []
        names = [a.type for fn in functions for a in fn.inputs] + [fn.returns for fn in functions]
        types, oids = load_types(self.conn, names)
        self._composite = {name for name, oid in oids.items()
                           if oid in types and types[oid].typtype == "c"}
        self.picker = ArgPicker(self.snapshot, self.synth, self.users, types, oids)
        sp = f"supakit_rpc_{next(_names)}"
        self.conn.execute(f"SAVEPOINT {sp}")
        try:
            self._no_network()
            results = []
            for done, fn in enumerate(functions):
                progress(Step("rpc", done, len(functions)))
                results.append(self.one(fn))
            progress(Step("rpc", len(functions), len(functions)))
            return results
        finally:
            self.conn.execute(f"ROLLBACK TO SAVEPOINT {sp}; RELEASE SAVEPOINT {sp}")

    def _no_network(self) -> None:
        """A real pgsql-http (a Supabase image under --engine docker) would send requests: point
        it at a proxy that refuses them. Our stub takes the same call and never sends anyway."""
        ext = next((e for e in self.snapshot.extensions if e.name == "http"), None)
        if ext is None:
            return
        import psycopg

        try:
            with self.conn.transaction():
                self.conn.execute(f"SELECT {ident(ext.schema)}.http_set_curlopt('CURLOPT_PROXY', "
                                  "'http://127.0.0.1:9')")
        except psycopg.Error:
            pass

    def one(self, fn: Function) -> FunctionResult:
        roles = tuple(r for r in API_ROLES if self.exposure.can_execute(fn, r))
        result = FunctionResult(fn, roles)
        assert self.picker is not None
        plan = self.picker.plan(fn)
        result.given = plan.given
        if plan.reason:
            result.skipped = plan.reason
            return result
        callers = (["B"] if "authenticated" in roles else []) + (["anon"] if "anon" in roles else [])
        result.calls = [self.call(fn, plan, c) for c in callers]
        if all(c.outcome != "returned" for c in result.calls):
            # Did it fail for everyone, or only for the strangers? Ask its rightful user.
            own = self.call(fn, plan, "A") if "authenticated" in roles else None
            if own is None or own.outcome != "returned":
                last = own or result.calls[0]
                who = "user A" if own is not None else CALLER_NAMES.get(last.caller, last.caller)
                result.skipped = f"every call failed; as {who}: {last.detail or 'no result'}"
        return result

    def call(self, fn: Function, plan: ArgPlan, caller: str) -> Call:
        import psycopg

        claims = anon_claims() if caller == "anon" else self.users[caller].claims()
        read_only = fn.volatility != "volatile"
        if not read_only and not self.watching:
            # Only a volatile function can write (the others run read-only), so the triggers
            # are put in place before the first one.
            self.watching = True
            try:
                with self.conn.transaction():
                    self.watch.install(self.conn)
            except psycopg.Error as e:
                self.unwatched = first_line(e)
        self.calls += 1
        try:
            rows = rolled_back_rows(self.conn, role_of(caller), claims, [self.sql(fn, plan), READ_LOG],
                                    method=_method(fn), path=f"/rpc/{fn.name}",
                                    statement_timeout=TIMEOUT, read_only=read_only)
        except psycopg.Error as e:
            state = e.sqlstate or ""
            return Call(caller, "denied" if state == "42501" else "error", sqlstate=state,
                        detail=first_line(e))
        body, response = rows[0] or ("", "")
        log = rows[1][0] if rows[1] else None
        got = Call(caller, "returned", body=str(body or ""), response=str(response or "")[:_SHOWN])
        if caller != "A":
            got.leaked = self.private.leaked(response, caller, body)
            got.changed = self.watch.changes(log)
        return got

    def sql(self, fn: Function, plan: ArgPlan) -> str:
        """The statement PostgREST runs for the request: the JSON body turned into typed
        arguments with json_to_record, passed by name; the result aggregated as JSON."""
        name = f"{ident(fn.schema)}.{ident(fn.name)}"
        if plan.whole_body is not None:
            args = f"CAST(pgrst_payload.json_data AS {plan.whole_body.type})"
            source = "pgrst_payload"
        elif plan.record:
            cols = ", ".join(f"{ident(a.name)} {a.type}" for a in plan.record)
            args = ", ".join(f"{'VARIADIC ' if a.mode == 'variadic' else ''}{ident(a.name)} := "
                             f"pgrst_body.{ident(a.name)}" for a in plan.record)
            source = (f"pgrst_payload, LATERAL (SELECT * FROM json_to_record(pgrst_payload.json_data) "
                      f"AS _({cols}) LIMIT 1) pgrst_body")
        else:
            args, source = "", "pgrst_payload"
        if self._returns_rows(fn):
            call = f"LATERAL {name}({args}) pgrst_call"
            agg = "coalesce(json_agg(_postgrest_t), '[]')"
            inner = f"SELECT pgrst_call.* FROM {source}, {call}"
        else:
            call = f"LATERAL (SELECT {name}({args}) AS pgrst_scalar) pgrst_call"
            agg = "coalesce(json_agg(_postgrest_t.pgrst_scalar), '[]')"
            inner = f"SELECT pgrst_call.pgrst_scalar FROM {source}, {call}"
        return (f"WITH pgrst_payload AS (SELECT CAST({plan.body_sql} AS json) AS json_data) "
                f"SELECT (SELECT json_data::text FROM pgrst_payload), {agg}::text "
                f"FROM ({inner}) _postgrest_t")

    def _returns_rows(self, fn: Function) -> bool:
        """Composite results (a table's row type, OUT/TABLE parameters) are read with FROM, as
        PostgREST does; scalars, void and bare `record` through a scalar select."""
        if any(a.mode in ("out", "inout", "table") for a in fn.args):
            return True
        return fn.returns in self._composite


def _method(fn: Function) -> str:
    return "POST" if fn.volatility == "volatile" else "GET"


__all__ = ["Call", "FunctionResult", "RpcProber", "exposed_functions"]
