"""What the probe rules share: the probe's facts, one probed table or bucket as they read it,
and the finding they make of it, with the requests as evidence and the policy that let them
through as the location."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolkit.facts import Facts
from toolkit.model import Cause, Finding, Level, Location, ObjectRef, Policy, Table
from toolkit.registry import RuleInfo

if TYPE_CHECKING:
    from toolkit.probe.checks import Attempt, TableResult


@dataclass
class Context:
    facts: Facts
    expect: dict[str, dict[str, str]]
    has_peer: bool
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class Seen:
    """One probed table or bucket: its requests, its name in findings and the access declared
    for it."""

    result: TableResult
    obj: ObjectRef
    what: str
    declared: dict[str, str] = field(default_factory=dict)

    @property
    def listing(self) -> bool:
        """A public bucket: reading its files needs no policy (their URLs are public), so a SELECT
        that works there only lists file names."""
        return self.result.public_bucket

    @property
    def allowed(self) -> list[Attempt]:
        return [a for a in self.result.attempts if a.allowed]

    def undeclared(self, a: Attempt) -> bool:
        return a.command not in self.declared


def join(words: list[str]) -> str:
    words = list(dict.fromkeys(words))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _location(facts: Facts, table: Table, attempts: list[Attempt]) -> Location | None:
    by_id = {p.identity: p for p in table.policies}
    for a in attempts:
        for ident in a.policies:
            policy: Policy | None = by_id.get(ident)
            if policy is not None:
                loc = facts.locate.policy(policy)
                if loc:
                    return loc
    if not table.rls:
        return facts.locate.rls_disabled(table)
    return facts.locate.table(table)


def observed(rule: RuleInfo, ctx: Context, seen: Seen, message: str, attempts: list[Attempt],
             extra: dict[str, Any] | None = None, level: Level | None = None, note: str = "",
             policies_did: str = "allowed by", remediation: str | None = None,
             cause: str | None = None) -> Finding:
    """A finding of what these requests did, naming the policies that let them through (or, with
    `policies_did`, that did something else to them); `note` (why the level is what it is)
    follows them. `cause` is the problem the static rules see too (model.Cause); with RLS off,
    that is the cause."""
    table = seen.result.table
    policies = sorted({p for a in attempts for p in a.policies})
    evidence: dict[str, Any] = {"table": table.identity, "rls": table.rls,
                                "requests": [a.evidence() for a in attempts]}
    if policies:
        evidence["policies"] = policies
    evidence.update(extra or {})
    if not table.rls:
        message += " (RLS is off)"
    elif policies:
        names = [p.split(" on ", 1)[0] for p in policies]
        message += f" ({policies_did} {'policy' if len(names) == 1 else 'policies'} {join(names)})"
    if note:
        message += f"; {note}"
    return rule.finding(seen.obj, message, location=_location(ctx.facts, table, attempts),
                        evidence=evidence, level=level, remediation=remediation,
                        cause=cause if table.rls else Cause.RLS_OFF)
