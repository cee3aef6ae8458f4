"""Declared access (`[tool.supakit.expect.<table>]`) against what the probe saw.

Access levels, most open first: public (anon may), authenticated (any signed-in user may, on
anyone's rows), tenant (members of the row's organisation may), owner (only the row's owner),
none (nobody through the Data API). The observed level of a command is the most open caller
that succeeded; a declared level that differs either way is an expectation_mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit.errors import did_you_mean
from toolkit.model import COMMANDS, Table
from toolkit.project import EXPECT_LEVELS

if TYPE_CHECKING:
    from toolkit.probe.checks import Attempt, TableResult

OPENNESS = {level: rank for rank, level in enumerate(reversed(EXPECT_LEVELS))}  # none=0 .. public=4
# Which attempt shows each level, per command: (caller, purpose).
_EVIDENCE = {
    "select": (("public", "anon", "read"), ("authenticated", "B", "read"),
               ("tenant", "C", "peer"), ("owner", "A", "own")),
    "insert": (("public", "anon", "write"), ("authenticated", "B", "spoof"),
               ("tenant", "C", "peer"), ("owner", "A", "own")),
    "update": (("public", "anon", "write"), ("authenticated", "B", "write"),
               ("tenant", "C", "peer"), ("owner", "A", "own")),
    "delete": (("public", "anon", "write"), ("authenticated", "B", "write"),
               ("tenant", "C", "peer"), ("owner", "A", "own")),
}


@dataclass(frozen=True)
class Declared:
    table: str  # identity
    command: str
    level: str


def resolve(expect: dict[str, dict[str, str]], tables: list[Table]) -> tuple[
        dict[str, dict[str, str]], list[str]]:
    """Map config keys to table identities; returns ({identity: {command: level}}, problems)."""
    by_identity = {t.identity: t for t in tables}
    by_name: dict[str, list[Table]] = {}
    for t in tables:
        by_name.setdefault(t.name, []).append(t)
    out: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for key, spec in expect.items():
        spec = {c: v for c, v in spec.items() if c != "call"}  # functions: see rpc_verdict.resolve_calls
        if not spec:
            continue
        found = by_identity.get(key)
        if found is None and "." not in key:
            matches = by_name.get(key, [])
            found = matches[0] if len(matches) == 1 else None
            if len(matches) > 1:
                problems.append(f"expect.{key} is ambiguous ({', '.join(t.identity for t in matches)}); "
                                "name the schema too")
                continue
        if found is None:
            names = list(by_identity) + list(by_name)
            problems.append(f"expect.{key} names no table the Data API exposes{did_you_mean(key, names)}")
            continue
        levels = {c: spec["all"] for c in COMMANDS} if "all" in spec else {}
        levels.update({c: v for c, v in spec.items() if c != "all"})
        out[found.identity] = levels
    return out, problems


def observed(result: TableResult, command: str) -> tuple[str, Attempt | None, bool]:
    """(level, the attempt that shows it, sure). Not sure when a deciding request errored."""
    sure = True
    for level, caller, purpose in _EVIDENCE[command]:
        attempt = next((a for a in result.attempts if a.caller == caller and a.purpose == purpose
                        and a.command == command), None)
        if attempt is None:
            continue
        if attempt.allowed:
            return level, attempt, sure
        if attempt.outcome in ("error", "skipped"):
            sure = False
    return "none", None, sure


def matches(declared: str, seen: str, *, has_peer: bool) -> bool:
    if declared == seen:
        return True
    # Without a colleague of A's in the database, tenant and owner look the same.
    return not has_peer and {declared, seen} == {"tenant", "owner"}
