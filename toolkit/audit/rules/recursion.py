"""Policies that recurse: a sub-select that reads, under RLS, the table the policy protects.

Postgres expands a table's policies into every query that reads it. When the policies of a
table read a table whose SELECT policies have sub-selects of their own, those are expanded
too; meeting a table whose policies are already being expanded is an error ("infinite
recursion detected in policy for relation ..."), raised for every request that checks the
policy, whoever makes it. Even `(select auth.uid())` is a sub-select for this purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from toolkit.audit.context import AuditContext, api_roles_of, expand_commands, quote_ident
from toolkit.facts import policy_ref
from toolkit.model import Category, Finding, Level, Policy, Table
from toolkit.registry import RuleInfo, Stage, rule
from toolkit.sql.policy_expr import ExprFacts

POLICY_INFINITE_RECURSION = RuleInfo(
    id="policy_infinite_recursion", level=Level.ERROR, category=Category.HYGIENE,
    summary="A policy's sub-select reads its own table under RLS, so every request it checks fails "
            "with \"infinite recursion detected in policy\".",
    stage=Stage.AUDIT,
    fix="Read the other rows through a SECURITY DEFINER function in a schema the API does not "
        "expose (it reads them without RLS), and call it from the policy.")


def _expanded(ctx: AuditContext, t: Table, role: str) -> list[ExprFacts]:
    """What reading `t` as `role` adds to a query: its SELECT policies' USING expressions."""
    return [ctx.clauses(p)[0] for p in t.policies
            if p.applies_to(role) and p.covers("select") and p.using is not None]


def _loop(ctx: AuditContext, start: str, reads: Iterable[str], role: str,
          path: tuple[str, ...]) -> tuple[str, ...] | None:
    """The tables through which reading `reads` comes back to `start`'s policies, if it does."""
    for name in sorted(reads):
        t = ctx.snapshot.table(name)
        if t is None or not t.rls:
            continue
        exprs = [f for f in _expanded(ctx, t, role) if f.subqueries]
        if not exprs:
            continue  # nothing of it is expanded further: the chain ends here
        if name == start:
            return (*path, name)
        if name in path:
            continue  # a loop that does not pass `start` is reported on its own tables
        found = _loop(ctx, start, {r for f in exprs for r in f.reads}, role, (*path, name))
        if found:
            return found
    return None


def _reads(ctx: AuditContext, p: Policy) -> set[str]:
    return {r for f in ctx.clauses(p) if f.subqueries for r in f.reads}


@rule(POLICY_INFINITE_RECURSION)
def policy_infinite_recursion(ctx: AuditContext) -> Iterator[Finding]:
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
                path = _loop(ctx, t.identity, reads, role, (t.identity,))
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
                )
                break
