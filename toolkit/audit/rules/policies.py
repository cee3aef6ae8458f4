"""Policy quality: always-true writes, missing WITH CHECK, predicates that ignore the row,
user_metadata, per-row auth calls, overlapping permissive policies. On the project's tables and
on realtime.messages, whose policies the project writes for Realtime Authorization."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from toolkit.audit.context import AuditContext, api_roles_of, expand_commands, fmt_list
from toolkit.facts import policy_ref, table_ref
from toolkit.model import Category, Cause, Finding, Level, Location, Policy, Table, quote_ident
from toolkit.registry import RuleInfo, Stage, rule
from toolkit.sql.policy_expr import ExprFacts

POLICY_ALWAYS_TRUE = RuleInfo(
    id="policy_always_true", level=Level.WARN, category=Category.SECURITY,
    summary="A permissive write policy (or WITH CHECK) for an API role is literally true; error when anon.",
    stage=Stage.AUDIT,
    advisors=("0024_rls_policy_always_true",))
UPDATE_WITHOUT_WITH_CHECK = RuleInfo(
    id="update_without_with_check", level=Level.WARN, category=Category.SECURITY,
    summary="An UPDATE policy whose WITH CHECK (or USING, when it has none) leaves the owner column "
            "free to change.",
    stage=Stage.AUDIT)
POLICY_NOT_ROW_SCOPED = RuleInfo(
    id="policy_not_row_scoped", level=Level.WARN, category=Category.SECURITY,
    summary="A permissive policy on a table with an owner or tenant column that never reads the row.",
    stage=Stage.AUDIT)
USER_METADATA_IN_POLICY = RuleInfo(
    id="user_metadata_in_policy", level=Level.ERROR, category=Category.SECURITY,
    summary="A policy trusts user_metadata, which every signed-in user can edit for themselves.",
    stage=Stage.AUDIT,
    advisors=("0015_rls_references_user_metadata",))
AUTH_FUNCTION_NOT_WRAPPED = RuleInfo(
    id="auth_function_not_wrapped", level=Level.WARN, category=Category.PERFORMANCE,
    summary="A policy calls auth.uid()/jwt()/role()/email() or current_setting() once per row.",
    stage=Stage.AUDIT,
    advisors=("0003_auth_rls_initplan",))
MULTIPLE_PERMISSIVE_POLICIES = RuleInfo(
    id="multiple_permissive_policies", level=Level.WARN, category=Category.PERFORMANCE,
    summary="Two or more permissive policies apply to the same role and command; all run for every row.",
    stage=Stage.AUDIT,
    fix="Merge them into one policy per role and command whose predicate ORs the conditions, or make "
        "the narrower one `as restrictive` if it was meant to narrow (check the merged result grants "
        "no more than before).",
    advisors=("0006_multiple_permissive_policies",))

WRITE_COMMANDS = ("insert", "update", "delete")


def _policies(ctx: AuditContext) -> Iterator[tuple[Table, Policy]]:
    for t in ctx.policy_tables():
        for p in t.policies:
            yield t, p


def _reaching(ctx: AuditContext, t: Table, p: Policy, commands: tuple[str, ...]
              ) -> dict[str, list[str]]:
    """API roles the policy applies to that can run these commands on the table."""
    out: dict[str, list[str]] = {}
    for role in api_roles_of(p):
        cmds = [c for c in commands if p.covers(c) and ctx.exposure.reaches(t, role, c)]
        if cmds:
            out[role] = cmds
    return out


def _to_roles(p: Policy) -> str:
    return "PUBLIC" if "public" in p.roles else fmt_list(p.roles)


def _owner_example(ctx: AuditContext, t: Table) -> str:
    owners = sorted(ctx.owner_columns(t))
    col = "user_id" if not owners or "user_id" in owners else owners[0]
    return f"{quote_ident(col)} = (select auth.uid())"


def _alter(p: Policy) -> str:
    return f"alter policy {quote_ident(p.name)} on {quote_ident(p.schema)}.{quote_ident(p.table)}"


@rule(POLICY_ALWAYS_TRUE)
def policy_always_true(ctx: AuditContext) -> Iterator[Finding]:
    for t, p in _policies(ctx):
        if not p.permissive or p.command == "select":
            continue
        using, check = ctx.clauses(p)
        clauses = []
        if p.command in ("update", "delete", "all") and using.always_true:
            clauses.append("USING")
        if p.command in ("insert", "update", "all") and check.always_true:
            clauses.append("WITH CHECK")
        if not clauses:
            continue
        writes = tuple(c for c in WRITE_COMMANDS
                       if any(f.always_true for f in ctx.command_exprs(p, c)))
        reach = _reaching(ctx, t, p, writes)
        if not reach:
            continue
        level, note = _always_true_level(ctx, t, reach)
        who = "; ".join(f"{r} ({', '.join(c)})" for r, c in reach.items())
        pred = _owner_example(ctx, t)
        yield POLICY_ALWAYS_TRUE.finding(
            policy_ref(p),
            f"policy {p.name!r} on {t.identity} lets {who} write any row: its "
            f"{' and '.join(clauses)} {'are' if len(clauses) > 1 else 'is'} literally true{note}",
            remediation=SPAM_FIX if note else
                        f"{_alter(p)} to authenticated using ({pred}) with check ({pred});\n"
                        "-- or drop the policy if these roles should not write at all",
            location=ctx.locate.policy(p), level=level,
            evidence={"roles": reach, "clauses": clauses, "policy_roles": list(p.roles)},
            cause=Cause.ANON_WRITE if "anon" in reach else None,
        )


SPAM_FIX = ("If anyone adding rows is the point, limit it (a captcha, an Edge Function, a trigger that "
            "caps rows per email or per minute) and suppress this with the reason.")


def _always_true_level(ctx: AuditContext, t: Table, reach: dict[str, list[str]]) -> tuple[Level, str]:
    """Anon adding rows that belong to nobody (a waitlist, a contact form) is a spam risk, a
    warning; anon changing rows, or adding rows that name a user or an organisation, is an error."""
    anon = reach.get("anon")
    if not anon:
        return Level.WARN, ""
    if set(anon) == {"insert"} and not ctx.facts.scopes.of(t).scoped:
        return Level.WARN, f" (a spam risk: {t.identity} holds no user or tenant data)"
    return Level.ERROR, ""


@rule(UPDATE_WITHOUT_WITH_CHECK)
def update_without_with_check(ctx: AuditContext) -> Iterator[Finding]:
    """Postgres checks an updated row against WITH CHECK, or the USING when there is none. When
    that check ties an owner column to the caller, the owner cannot change, so we stay quiet;
    when it does not, an update may set the owner column to anyone, unless the role's SELECT
    policies pin it."""
    for t, p in _policies(ctx):
        if not p.permissive or p.command not in ("update", "all"):
            continue
        owners = ctx.owner_columns(t)
        using, check = ctx.clauses(p)
        explicit = p.with_check is not None
        new_row = check if explicit else using
        if using.text is None or not owners or new_row.always_true or not new_row.parsed:
            continue
        if new_row.caller_columns & owners:
            continue
        # A filtered UPDATE (PostgREST's `where id = ...`) must read the new row: when every SELECT
        # policy of the role pins the owner, Postgres rejects the hand-over. Without any, an
        # unfiltered update needs no read access, so nothing is pinned.
        reach = [r for r in _reaching(ctx, t, p, ("update",))
                 if not _tied_through_rls(ctx, new_row, r) & owners and not ctx.reads_pinned(t, r, owners)]
        if not reach:
            continue
        pred = _owner_example(ctx, t)
        cols = fmt_list(owners)
        if explicit:
            message = (f"policy {p.name!r} on {t.identity} lets {fmt_list(reach)} update rows, and "
                       f"neither its WITH CHECK nor the SELECT policies of {fmt_list(reach)} tie {cols} "
                       f"to the caller: an update may hand a row to anyone by setting {cols}")
            fix = f"{_alter(p)} with check ({_grouped(p.with_check or '')} and {pred});"
        else:
            message = (f"policy {p.name!r} on {t.identity} lets {fmt_list(reach)} update rows without a "
                       f"WITH CHECK, and its USING does not tie {cols} to the caller: an update may set "
                       f"{cols} to anyone")
            fix = f"{_alter(p)} with check ({pred});"
        yield UPDATE_WITHOUT_WITH_CHECK.finding(
            policy_ref(p), message, remediation=fix, location=ctx.locate.policy(p),
            evidence={"roles": sorted(reach), "owner_columns": sorted(owners), "using": p.using,
                      "with_check": p.with_check}, cause=Cause.OWNER_NOT_PINNED,
        )


def _tied_through_rls(ctx: AuditContext, facts: ExprFacts, role: str) -> frozenset[str]:
    """Own columns an expression compares with a sub-select of a table the role reads only its
    own rows of (`team_id in (select t.id from public.teams t)`): that table's RLS ties them to
    the caller."""
    for name in facts.reads:
        read = ctx.snapshot.table(name)
        if read is not None and read.rls and ctx.reads_pinned(read, role):
            return facts.columns
    return frozenset()


def _grouped(text: str) -> str:
    """The expression in parentheses, unless pg_get_expr already printed them around it."""
    depth, bare = 0, _STRING.sub("''", text)
    for i, ch in enumerate(bare):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return text if i == len(bare) - 1 and ch == ")" else f"({text})"
    return f"({text})"


_STRING = re.compile(r"'(?:[^']|'')*'")


@rule(POLICY_NOT_ROW_SCOPED)
def policy_not_row_scoped(ctx: AuditContext) -> Iterator[Finding]:
    for t, p in _policies(ctx):
        owners = ctx.owner_columns(t)
        if not p.permissive or not owners:
            continue
        using, check = ctx.clauses(p)
        using_cmds = ("select", "update", "delete") + (("insert",) if p.with_check is None else ())
        flagged = []
        for clause, facts, cmds in (("USING", using, using_cmds),
                                    ("WITH CHECK", check, ("insert", "update"))):
            if facts.text is None or facts.row_dependent or facts.always_true:
                continue
            if _reaching(ctx, t, p, cmds):
                flagged.append(clause)
        if not flagged:
            continue
        reach = _reaching(ctx, t, p, expand_commands(p))
        pred = _owner_example(ctx, t)
        yield POLICY_NOT_ROW_SCOPED.finding(
            policy_ref(p),
            f"policy {p.name!r} on {t.identity} ({p.command}, to {_to_roles(p)}) never reads the "
            f"row: its {' and '.join(flagged)} is the same for every row, although the table has "
            f"{fmt_list(owners)}",
            remediation=f"{_alter(p)} using ({pred});\n"
                        "-- if every row is meant to be visible to these callers, suppress with a reason",
            location=ctx.locate.policy(p),
            evidence={"roles": reach, "clauses": flagged, "owner_columns": sorted(owners),
                      "using": p.using, "with_check": p.with_check},
        )


@rule(USER_METADATA_IN_POLICY)
def user_metadata_in_policy(ctx: AuditContext) -> Iterator[Finding]:
    for t, p in _policies(ctx):
        using, check = ctx.clauses(p)
        clauses = [n for n, f in (("USING", using), ("WITH CHECK", check)) if f.user_metadata]
        if not clauses:
            continue
        yield USER_METADATA_IN_POLICY.finding(
            policy_ref(p),
            f"policy {p.name!r} on {t.identity} reads user_metadata in its "
            f"{' and '.join(clauses)}: any signed-in user can set that to anything with "
            "supabase.auth.updateUser()",
            remediation="Keep authorization data where users cannot write it: app_metadata "
                        "(set only with the service role), or a table of roles protected by "
                        "RLS, e.g.\n"
                        f"{_alter(p)} using ((select auth.jwt()) -> 'app_metadata' ->> 'role' = 'admin');",
            location=ctx.locate.policy(p),
            evidence={"clauses": clauses, "using": p.using, "with_check": p.with_check},
        )


_CALL = re.compile(r"(?<!SELECT )\b(auth\.(?:uid|jwt|role|email)\(\))", re.IGNORECASE)


def _wrap(text: str) -> str:
    return _CALL.sub(lambda m: f"(select {m.group(1)})", text)


@rule(AUTH_FUNCTION_NOT_WRAPPED)
def auth_function_not_wrapped(ctx: AuditContext) -> Iterator[Finding]:
    for t, p in _policies(ctx):
        if not t.rls:
            continue
        using, check = ctx.clauses(p)
        calls = list(dict.fromkeys([*using.unwrapped_calls, *check.unwrapped_calls]))
        if not calls:
            continue
        parts = []
        if using.unwrapped_calls and p.using:
            parts.append(f"using ({_wrap(p.using)})")
        if check.unwrapped_calls and p.with_check:
            parts.append(f"with check ({_wrap(p.with_check)})")
        yield AUTH_FUNCTION_NOT_WRAPPED.finding(
            policy_ref(p),
            f"policy {p.name!r} on {t.identity} calls {', '.join(calls)} for every row it checks; "
            "wrapped in a sub-select, Postgres calls it once per statement",
            remediation=f"{_alter(p)} {' '.join(parts)};",
            location=ctx.locate.policy(p),
            evidence={"calls": calls, "using": p.using, "with_check": p.with_check},
        )


@rule(MULTIPLE_PERMISSIVE_POLICIES)
def multiple_permissive_policies(ctx: AuditContext) -> Iterator[Finding]:
    for t in ctx.policy_tables():
        if not t.rls:
            continue
        by_key: dict[tuple[str, str], list[Policy]] = defaultdict(list)
        for p in t.policies:
            if not p.permissive:
                continue
            for role in api_roles_of(p):
                for cmd in expand_commands(p):
                    if ctx.exposure.reaches(t, role, cmd):
                        by_key[(role, cmd)].append(p)
        groups: dict[tuple[str, ...], list[tuple[str, str]]] = defaultdict(list)
        for (role, cmd), pols in by_key.items():
            if len(pols) >= 2:
                groups[tuple(sorted(p.name for p in pols))].append((role, cmd))
        for names, pairs in sorted(groups.items()):
            pols = [p for p in t.policies if p.name in names]
            where = ", ".join(f"{r} {c}" for r, c in sorted(pairs))
            yield MULTIPLE_PERMISSIVE_POLICIES.finding(
                table_ref(t),
                f"table {t.identity} has {len(names)} permissive policies ({', '.join(names)}) "
                f"for the same role and command ({where}); each one runs for every row",
                location=_latest(ctx, pols),
                evidence={"policies": list(names),
                          "pairs": [{"role": r, "command": c} for r, c in sorted(pairs)]},
            )


def _latest(ctx: AuditContext, policies: list[Policy]) -> Location | None:
    """The CREATE POLICY that made the overlap: the last one applied."""
    locs = [loc for loc in (ctx.locate.policy(p) for p in policies) if loc is not None]
    return max(locs, key=lambda loc: (loc.file, loc.line, loc.column)) if locs else None
