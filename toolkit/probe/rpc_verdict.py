"""Findings from the RPC calls: one per function, rule and caller, with the request and what came
back or changed as evidence, pointing at the `create function`. Functions declared public with
`[tool.supakit.expect.<function>] call = "..."` are matched here too."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from toolkit.audit.rules.functions import SECURITY_DEFINER_FUNCTION_EXPOSED, function_ref
from toolkit.model import Finding, Function, Level
from toolkit.probe.expect import OPENNESS
from toolkit.probe.rpc import Call, FunctionResult
from toolkit.probe.rpc_watch import Change
from toolkit.probe.rules import (
    PROBE_RPC_ANON_READ,
    PROBE_RPC_ANON_WRITE,
    PROBE_RPC_CROSS_USER_READ,
    PROBE_RPC_CROSS_USER_WRITE,
    PROBE_RPC_SKIPPED,
)
from toolkit.probe.verdict import Context
from toolkit.registry import RuleInfo

FIX = ("Compare every row it returns or changes with the caller (where user_id = (select "
       "auth.uid())), or make it security invoker so the tables' policies apply, or revoke execute "
       "from the roles that must not call it. If it is public on purpose, declare it: "
       "[tool.supakit.expect.<function>] call = \"public\" (or \"authenticated\").")
_WHO = {"B": "user B", "anon": "anon (no sign-in)"}
# The most open caller a declaration lets see or change other users' data, per caller.
_NEEDS = {"anon": OPENNESS["public"], "B": OPENNESS["authenticated"]}


def resolve_calls(expect: dict[str, dict[str, str]], functions: list[Function]) -> tuple[
        dict[str, str], list[str]]:
    """Map `call` declarations to function identities (every overload of the name)."""
    out: dict[str, str] = {}
    problems: list[str] = []
    names = sorted({f.name for f in functions} | {f"{f.schema}.{f.name}" for f in functions})
    for key, spec in expect.items():
        level = spec.get("call")
        if level is None:
            continue
        hits = [f for f in functions if key in (f.name, f"{f.schema}.{f.name}")]
        if not hits:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(f"expect.{key}.call names no function the Data API exposes{hint}")
            continue
        out.update({f.identity: level for f in hits})
    return out, problems


def function_findings(ctx: Context, results: list[FunctionResult],
                      declared: dict[str, str]) -> Iterator[Finding]:
    for result in results:
        fn = result.function
        if result.skipped:
            yield _finding(ctx, PROBE_RPC_SKIPPED, result, [],
                           f"{fn.signature} was not probed: {result.skipped}",
                           fix="Give the argument a default or a type the probe can make, or "
                               "make sure the function can run on an empty database; the static "
                               "audit still judges its body.",
                           extra={"reason": result.skipped})
            continue
        allowed = OPENNESS.get(declared.get(fn.identity, "none"), 0)
        for call in result.calls:
            if call.caller not in _NEEDS or allowed >= _NEEDS[call.caller]:
                continue
            who = _WHO[call.caller]
            sent = _arguments(result)
            if call.leaked:
                rule = PROBE_RPC_ANON_READ if call.caller == "anon" else PROBE_RPC_CROSS_USER_READ
                values = ", ".join(f"{w} = {_shown(v)}" for v, w in call.leaked[:4])
                more = f" and {len(call.leaked) - 4} more" if len(call.leaked) > 4 else ""
                got = f"got back user A's private data ({values}{more})"
                yield _finding(ctx, rule, result, [call],
                               f"{who} called {fn.signature} over /rpc{sent} and {got}",
                               extra={"proof": f"{who} {got}"})
            if call.changed:
                rule = PROBE_RPC_ANON_WRITE if call.caller == "anon" else PROBE_RPC_CROSS_USER_WRITE
                did = "; ".join(dict.fromkeys(_change_phrase(c) for c in call.changed))
                yield _finding(ctx, rule, result, [call],
                               f"{who} called {fn.signature} over /rpc{sent} and it {did}",
                               extra={"proof": f"a call by {who} {did}"})


RPC_RULES = frozenset({PROBE_RPC_ANON_READ.id, PROBE_RPC_ANON_WRITE.id, PROBE_RPC_CROSS_USER_READ.id,
                       PROBE_RPC_CROSS_USER_WRITE.id})


def merge_static_twins(findings: list[Finding]) -> list[Finding]:
    """One finding per function and cause: when the audit reported a SECURITY DEFINER function
    (security_definer_function_exposed) and the probe proved what it leaks, the audit's finding
    carries the proof (and is an error) and the probe's is dropped."""
    static = {str(f.object): f for f in findings if f.rule == SECURITY_DEFINER_FUNCTION_EXPOSED.id}
    out: list[Finding] = []
    for f in findings:
        twin = static.get(str(f.object)) if f.rule in RPC_RULES else None
        if twin is None:
            out.append(f)
            continue
        proofs = twin.evidence.setdefault("probe", [])
        proofs.append({"rule": f.rule, "message": f.message, "arguments": f.evidence.get("arguments", {})})
        twin.evidence.setdefault("requests", []).extend(f.evidence.get("requests", []))
        twin.level = Level.ERROR
        proof = str(f.evidence.get("proof") or f.message)
        twin.message += ("; the probe proved it: " if len(proofs) == 1 else "; ") + proof
    return out


def _finding(ctx: Context, rule: RuleInfo, result: FunctionResult, calls: list[Call],
             message: str, *, fix: str = FIX, extra: dict[str, object] | None = None) -> Finding:
    fn = result.function
    evidence: dict[str, object] = {"function": fn.signature, "security_definer": fn.security_definer,
                                   "roles": list(result.roles), "arguments": dict(result.given)}
    if calls:
        evidence["requests"] = [c.evidence(fn) for c in calls]
    evidence.update(extra or {})
    return Finding(rule=rule.id, level=rule.level, category=rule.category, object=function_ref(fn),
                   message=message, remediation=fix, location=ctx.audit.function_location(fn),
                   evidence=evidence)


def _shown(value: str | None) -> str:
    if value is None:
        return "null"
    return value if re.fullmatch(r"-?\d+(\.\d+)?", value) else repr(value)


def _arguments(result: FunctionResult) -> str:
    parts = [f"{name} = {source}" for name, source in result.given.items()
             if name and source.startswith(("user A's", "["))]
    return f" with {', '.join(parts)}" if parts else ""


def _change_phrase(change: Change) -> str:
    if change.op == "truncate":
        return f"emptied {change.table}, user A's rows included"
    if change.op == "delete":
        return f"deleted user A's row of {change.table} ({change.key})"
    if change.op == "insert":
        return f"inserted into {change.table} {change.what}"
    cols = (": " + ", ".join(f"{c} {_shown(a)} → {_shown(b)}" for c, (a, b) in change.columns.items())
            if change.columns else " (no value changed)")
    return f"updated user A's row of {change.table} ({change.key}){cols}"


__all__ = ["RPC_RULES", "function_findings", "merge_static_twins", "resolve_calls"]
