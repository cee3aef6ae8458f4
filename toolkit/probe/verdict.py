"""Findings from what the probe saw: one per table and rule, with the requests as evidence and
the policy that let them through as the location."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from toolkit.audit.context import AuditContext, table_ref
from toolkit.model import Finding, Level, Location, ObjectRef, Policy, Table
from toolkit.probe import expect as ex
from toolkit.probe.checks import Attempt, TableResult
from toolkit.probe.rules import (
    EXPECTATION_MISMATCH,
    PROBE_ANON_READ,
    PROBE_ANON_WRITE,
    PROBE_CROSS_USER_READ,
    PROBE_CROSS_USER_WRITE,
    PROBE_OWNER_SPOOF,
    PROBE_SKIPPED,
)
from toolkit.registry import RuleInfo

FIX = {
    PROBE_ANON_READ.id: "Enable RLS and give anon no SELECT policy on this table (or revoke SELECT "
                        "from anon). If the rows really are public, declare it: "
                        "[tool.supakit.expect.<table>] select = \"public\".",
    PROBE_ANON_WRITE.id: "Revoke INSERT/UPDATE/DELETE from anon, or write policies `to authenticated` "
                         "that tie the row to (select auth.uid()).",
    PROBE_CROSS_USER_READ.id: "Scope the SELECT policy to the row's owner or organisation, e.g. "
                              "using (user_id = (select auth.uid())) or "
                              "using (org_id in (select private.user_org_ids())).",
    PROBE_CROSS_USER_WRITE.id: "Scope the UPDATE/DELETE policy's USING to the row's owner or "
                               "organisation instead of any signed-in user.",
    PROBE_OWNER_SPOOF.id: "Add a WITH CHECK that ties the new row to the caller, e.g. "
                          "with check (user_id = (select auth.uid())), and for organisation data "
                          "with check (org_id in (select private.user_org_ids())).",
    EXPECTATION_MISMATCH.id: "Change the policies until the probe sees the declared access, or "
                             "correct the declaration in [tool.supakit.expect].",
}
# Reading a public bucket's files needs no policy (their URLs are public); a SELECT that works
# there lets the caller list every file name, which is a warning, not a leak of content.
LISTING_FIX = ("Drop the SELECT policy: files of a public bucket are served by URL without one. If "
               "clients must list files, make the bucket private and scope the policy to the "
               "caller's folder, e.g. (storage.foldername(name))[1] = (select auth.uid())::text.")
_VERBS = {"select": "read", "insert": "insert", "update": "update", "delete": "delete"}


@dataclass
class Context:
    audit: AuditContext
    expect: dict[str, dict[str, str]]
    has_peer: bool


def _join(words: list[str]) -> str:
    words = list(dict.fromkeys(words))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _location(ctx: Context, table: Table, attempts: list[Attempt]) -> Location | None:
    by_id = {p.identity: p for p in table.policies}
    for a in attempts:
        for ident in a.policies:
            policy: Policy | None = by_id.get(ident)
            if policy is not None:
                loc = ctx.audit.policy_location(policy)
                if loc:
                    return loc
    if not table.rls:
        return ctx.audit.rls_disabled_location(table)
    return ctx.audit.table_location(table)


def _finding(ctx: Context, rule: RuleInfo, obj: ObjectRef, table: Table, message: str,
             attempts: list[Attempt], extra: dict[str, Any] | None = None,
             level: Level | None = None, fix: str | None = None) -> Finding:
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
        message += f" (allowed by {'policy' if len(names) == 1 else 'policies'} {_join(names)})"
    return Finding(rule=rule.id, level=level or rule.level, category=rule.category, object=obj,
                   message=message, remediation=fix or FIX.get(rule.id, ""),
                   location=_location(ctx, table, attempts), evidence=evidence)


def table_findings(ctx: Context, result: TableResult, obj: ObjectRef | None = None,
                   what: str | None = None) -> Iterator[Finding]:
    t = result.table
    obj = obj or table_ref(t)
    what = what or t.identity
    declared = ctx.expect.get(t.identity, {})
    allowed = [a for a in result.attempts if a.allowed]

    def undeclared(a: Attempt) -> bool:
        return a.command not in declared

    listing: dict[str, Any] = {}
    if result.public_bucket:
        listing = {"level": Level.WARN, "fix": LISTING_FIX, "extra": {"listing": True}}
    anon_read = [a for a in allowed if a.caller == "anon" and a.command == "select" and undeclared(a)]
    if anon_read:
        a = anon_read[0]
        verb, things = ("listed", "files") if listing else ("read", "rows")
        yield _finding(ctx, PROBE_ANON_READ, obj, t,
                       f"anon (no sign-in) {verb} {a.rows} of the {a.targeted} {things} the probe "
                       f"created in {what}", anon_read, **listing)
    anon_write = [a for a in allowed if a.caller == "anon" and a.command != "select" and undeclared(a)]
    if anon_write:
        yield _finding(ctx, PROBE_ANON_WRITE, obj, t,
                       f"anon (no sign-in) could {_join([a.command for a in anon_write])} rows in "
                       f"{what}", anon_write)
    cross_read = [a for a in allowed if a.caller in ("B", "D") and a.purpose == "read"
                  and undeclared(a)]
    if cross_read:
        who = _join([{"B": "user B", "D": "an anonymous sign-in user"}[a.caller] for a in cross_read])
        done = "listed user A's files" if listing else "read user A's rows"
        yield _finding(ctx, PROBE_CROSS_USER_READ, obj, t, f"{who} {done} in {what}", cross_read,
                       **listing)
    cross_write = [a for a in allowed if a.caller == "B" and a.purpose == "write" and undeclared(a)]
    if cross_write:
        yield _finding(ctx, PROBE_CROSS_USER_WRITE, obj, t,
                       f"user B could {_join([a.command for a in cross_write])} user A's rows in "
                       f"{what}", cross_write)
    spoofs = [a for a in allowed if a.purpose == "spoof" and undeclared(a)]
    spoofs += [a for a in allowed if a.purpose in ("handover", "move")
               and ex.OPENNESS.get(declared.get("update", "owner"), 0) < ex.OPENNESS["authenticated"]]
    if spoofs:
        yield _finding(ctx, PROBE_OWNER_SPOOF, obj, t,
                       "; ".join(_spoof_phrase(result, a, what) for a in spoofs), spoofs)
    for command, level in sorted(declared.items()):
        got = _mismatch(ctx, result, command, level, obj, what)
        if got is not None:
            yield got


def _spoof_phrase(result: TableResult, a: Attempt, what: str) -> str:
    if a.purpose == "handover":
        return f"user A could hand their row in {what} to user B (UPDATE of {result.filled.scope.owner})"
    if a.purpose == "move":
        return f"user A could move their row in {what} into user B's organisation"
    if result.bucket is not None:
        return f"user B could upload into user A's folder of {what}"
    if a.fakes.startswith("membership "):
        return f"user B could join user A's {a.fakes.split(' ', 1)[1]} by inserting into {what}"
    return {
        "name": f"user B could insert a row in {what} in user A's name",
        "tenant": f"user B could insert a row in {what} into user A's organisation",
        "parent": f"user B could insert a row in {what} under user A's rows",
    }.get(a.fakes, f"user B could insert a row in {what}")


def _mismatch(ctx: Context, result: TableResult, command: str, level: str, obj: ObjectRef,
              what: str) -> Finding | None:
    seen, attempt, sure = ex.observed(result, command)
    if ex.matches(level, seen, has_peer=ctx.has_peer):
        return None
    broader = ex.OPENNESS[seen] > ex.OPENNESS[level]
    if not broader and not sure:
        return None
    if broader and attempt is not None:
        caller = {"anon": "anon", "B": "user B", "C": "user C (a colleague of A's)",
                  "A": "user A"}[attempt.caller]
        done = f"{caller} could {_VERBS[command]} " + (
            "a row" if command == "insert" else "user A's rows" if attempt.caller != "A" else "their own rows")
        message = (f"{what}: {command} is declared '{level}' but {done} "
                   f"(observed '{seen}')")
        attempts = [attempt]
    else:
        message = (f"{what}: {command} is declared '{level}' but the probe saw only '{seen}' access")
        attempts = [a for a in result.attempts if a.command == command]
    return _finding(ctx, EXPECTATION_MISMATCH, obj, result.table, message, attempts,
                    {"declared": level, "observed": seen, "command": command},
                    level=None if broader else Level.WARN)


def skipped_finding(ctx: Context, table: Table, reason: str) -> Finding:
    return Finding(rule=PROBE_SKIPPED.id, level=PROBE_SKIPPED.level, category=PROBE_SKIPPED.category,
                   object=table_ref(table), message=f"{table.identity} was not probed: {reason}",
                   remediation="Make the table fillable (see the reason), or exclude it with "
                               "[tool.supakit.probe] skip = [\"schema.table\"].",
                   location=ctx.audit.table_location(table), evidence={"reason": reason})


def config_finding(ctx: Context, problem: str) -> Finding:
    return Finding(rule=EXPECTATION_MISMATCH.id, level=Level.WARN, category=EXPECTATION_MISMATCH.category,
                   object=ObjectRef("file", None, "supakit settings"), message=problem,
                   remediation="Name a table in an exposed schema, as `table` or `schema.table`.",
                   evidence={"problem": problem})
