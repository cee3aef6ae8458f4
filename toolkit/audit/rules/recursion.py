"""Policies that recurse: a sub-select that reads, under RLS, the table the policy protects.

Postgres expands a table's policies into every query that reads it. When the policies of a
table read a table whose SELECT policies have sub-selects of their own, those are expanded
too; meeting a table whose policies are already being expanded is an error ("infinite
recursion detected in policy for relation ..."), raised for every request that checks the
policy, whoever makes it. Even `(select auth.uid())` is a sub-select for this purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from toolkit.audit.context import AuditContext, api_roles_of, expand_commands
from toolkit.facts import policy_ref
from toolkit.model import Category, Cause, Finding, Level, Policy, quote_ident
from toolkit.registry import RuleInfo, Stage, rule

POLICY_INFINITE_RECURSION = RuleInfo(
    id="policy_infinite_recursion", level=Level.ERROR, category=Category.HYGIENE,
    summary="A policy's sub-select reads its own table under RLS, so every request it checks fails "
            "with \"infinite recursion detected in policy\".",
    stage=Stage.AUDIT,
    fix="Read the other rows through a SECURITY DEFINER function in a schema the API does not "
        "expose (it reads them without RLS), and call it from the policy.")


class _Expansion:
    """What reading a table as a role adds to a query (its SELECT policies' USING expressions
    with a sub-select, and the tables those read), worked out once per table and role."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        self._memo: dict[tuple[str, str], frozenset[str] | None] = {}

    def reads(self, name: str, role: str) -> frozenset[str] | None:
        """None when reading the table expands no sub-select (the chain ends there)."""
        key = (name, role)
        if key not in self._memo:
            t = self.ctx.snapshot.table(name)
            exprs = [] if t is None or not t.rls else [
                f for p in t.policies if p.applies_to(role) and p.covers("select") and p.using is not None
                for f in (self.ctx.clauses(p)[0],) if f.subqueries]
            self._memo[key] = frozenset(r for f in exprs for r in f.reads) if exprs else None
        return self._memo[key]

    def loop(self, start: str, reads: Iterable[str], role: str,
             path: tuple[str, ...]) -> tuple[str, ...] | None:
        """The tables through which reading `reads` comes back to `start`'s policies, if it does."""
        for name in sorted(reads):
            inner = self.reads(name, role)
            if inner is None:
                continue
            if name == start:
                return (*path, name)
            if name in path:
                continue  # a loop that does not pass `start` is reported on its own tables
            found = self.loop(start, inner, role, (*path, name))
            if found:
                return found
        return None


def _reads(ctx: AuditContext, p: Policy) -> set[str]:
    return {r for f in ctx.clauses(p) if f.subqueries for r in f.reads}


@rule(POLICY_INFINITE_RECURSION)
def policy_infinite_recursion(ctx: AuditContext) -> Iterator[Finding]:
    expansion = _Expansion(ctx)
    for t in ctx.user_tables():
        if not t.rls:
            continue
        for p in t.policies:
            reads = _reads(ctx, p)
            if not reads:
                continue
            roles = [r for r in api_roles_of(p)
                     if any(ctx.exposure.reaches(t, r, c) for c in expand_commands(p))]
            for role in roles:
                path = expansion.loop(t.identity, reads, role, (t.identity,))
                if path is None:
                    continue
                through = " → ".join(path)
                yield POLICY_INFINITE_RECURSION.finding(
                    policy_ref(p),
                    f"policy {p.name!r} on {t.identity} reads {t.identity} again under RLS "
                    f"({through}): every {role} request it checks fails with: infinite recursion "
                    f"detected in policy for relation \"{t.name}\"",
                    remediation="create function private.<name>() returns setof <key type> language sql "
                                "stable security definer set search_path = '' as $$ select ... $$;\n"
                                f"alter policy {quote_ident(p.name)} on {t.identity} using (<column> in "
                                "(select private.<name>()));",
                    location=ctx.locate.policy(p),
                    evidence={"path": list(path), "role": role, "reads": sorted(reads)},
                    cause=Cause.POLICY_RECURSION,
                )
                break
