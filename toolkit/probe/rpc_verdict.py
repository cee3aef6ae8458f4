"""Findings from the RPC calls: one per function, rule and caller, with the request and what came
back or changed as evidence, pointing at the `create function`. Functions declared public with
`[tool.supakit.expect.<function>] call = "..."` are matched here too."""

from __future__ import annotations

import re
from collections.abc import Iterator

from toolkit.errors import did_you_mean
from toolkit.facts import function_ref
from toolkit.model import Cause, Finding, Function
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
            problems.append(f"expect.{key}.call names no function the Data API exposes"
                            f"{did_you_mean(key, names)}")
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


def _finding(ctx: Context, rule: RuleInfo, result: FunctionResult, calls: list[Call],
             message: str, *, extra: dict[str, object] | None = None) -> Finding:
    fn = result.function
    evidence: dict[str, object] = {"function": fn.signature, "security_definer": fn.security_definer,
                                   "roles": list(result.roles), "arguments": dict(result.given)}
    if calls:
        evidence["requests"] = [c.evidence(fn) for c in calls]
    evidence.update(extra or {})
    # A proof and the audit's security_definer_function_exposed on the same function are one
    # problem (toolkit.merge folds them); a skipped function is a problem of its own.
    return rule.finding(function_ref(fn), message, location=ctx.facts.locate.function(fn),
                        evidence=evidence, cause=None if rule is PROBE_RPC_SKIPPED else Cause.FUNCTION_EXPOSED)


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


__all__ = ["function_findings", "resolve_calls"]
