"""One finding per function and cause when the audit and the probe both see it: the audit's
security_definer_function_exposed judges the body, the probe's RPC calls prove what it leaks.
Joined after both stages ran, so neither stage imports the other."""

from __future__ import annotations

from toolkit.audit.rules.functions import SECURITY_DEFINER_FUNCTION_EXPOSED
from toolkit.model import Finding, Level
from toolkit.probe.rules import (
    PROBE_RPC_ANON_READ,
    PROBE_RPC_ANON_WRITE,
    PROBE_RPC_CROSS_USER_READ,
    PROBE_RPC_CROSS_USER_WRITE,
)

PROOFS = frozenset({PROBE_RPC_ANON_READ.id, PROBE_RPC_ANON_WRITE.id, PROBE_RPC_CROSS_USER_READ.id,
                    PROBE_RPC_CROSS_USER_WRITE.id})


def merge_static_twins(findings: list[Finding]) -> list[Finding]:
    """The audit's finding on a function the probe proved carries the proof (and is an error);
    the probe's finding is dropped. A proof without a static twin (an invoker function) stays."""
    static = {str(f.object): f for f in findings if f.rule == SECURITY_DEFINER_FUNCTION_EXPOSED.id}
    out: list[Finding] = []
    for f in findings:
        twin = static.get(str(f.object)) if f.rule in PROOFS else None
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


__all__ = ["PROOFS", "merge_static_twins"]
