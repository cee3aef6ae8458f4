"""RLS state: off on a table the API can reach, policies that do nothing, RLS with no policy."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.audit.context import AuditContext, fmt_list
from toolkit.facts import table_ref
from toolkit.model import Category, Cause, Finding, Level
from toolkit.registry import RuleInfo, Stage, rule

RLS_DISABLED = RuleInfo(
    id="rls_disabled", level=Level.ERROR, category=Category.SECURITY,
    summary="An API role can reach the table through the Data API and row level security is off.",
    stage=Stage.AUDIT,
    advisors=("0013_rls_disabled_in_public",))
POLICY_WITHOUT_RLS = RuleInfo(
    id="policy_without_rls", level=Level.ERROR, category=Category.SECURITY,
    summary="The table has policies but row level security is off, so none of them applies.",
    stage=Stage.AUDIT,
    advisors=("0007_policy_exists_rls_disabled",))
RLS_NO_POLICY = RuleInfo(
    id="rls_no_policy", level=Level.INFO, category=Category.SECURITY,
    summary="RLS is on and the table has no policy: API roles are denied every row.",
    stage=Stage.AUDIT,
    advisors=("0008_rls_enabled_no_policy",))


@rule(RLS_DISABLED)
def rls_disabled(ctx: AuditContext) -> Iterator[Finding]:
    for t in ctx.user_tables():
        if t.rls:
            continue
        reach = ctx.exposure.roles_reaching(t)
        if not reach:
            continue
        who = "; ".join(f"{role} ({', '.join(cmds)})" for role, cmds in reach.items())
        loc = ctx.locate.rls_disabled(t)
        disabled_later = loc is not None and loc != ctx.locate.table(t)
        how = "a later migration disabled it" if disabled_later else "it was never enabled"
        writes = any(c != "select" for cmds in reach.values() for c in cmds)
        what = "read and written" if writes else "read"
        yield RLS_DISABLED.finding(
            table_ref(t),
            f"table {t.identity} is reachable through the Data API by {who} and row level "
            f"security is off ({how}): every row can be {what}",
            remediation=f"alter table {t.identity} enable row level security;\n"
                        f"-- then add policies for the access you intend, e.g.\n"
                        f"-- create policy \"owner reads\" on {t.identity} for select "
                        f"to authenticated using ((select auth.uid()) = user_id);",
            location=loc,
            evidence={"roles": {r: list(c) for r, c in reach.items()},
                      "disabled_by_later_migration": disabled_later},
            cause=Cause.RLS_OFF,
        )


@rule(POLICY_WITHOUT_RLS)
def policy_without_rls(ctx: AuditContext) -> Iterator[Finding]:
    for t in ctx.user_tables():
        if t.rls or not t.policies:
            continue
        names = [p.name for p in t.policies]
        yield POLICY_WITHOUT_RLS.finding(
            table_ref(t),
            f"table {t.identity} has {len(names)} polic{'y' if len(names) == 1 else 'ies'} "
            f"({fmt_list(names)}) but row level security is off, so they restrict nothing",
            remediation=f"alter table {t.identity} enable row level security;",
            location=ctx.locate.rls_disabled(t),
            evidence={"policies": sorted(names)}, cause=Cause.RLS_OFF,
        )


@rule(RLS_NO_POLICY)
def rls_no_policy(ctx: AuditContext) -> Iterator[Finding]:
    for t in ctx.user_tables():
        if not t.rls or t.policies or t.partition_of:
            continue
        reach = ctx.exposure.roles_reaching(t)
        if not reach:
            continue
        yield RLS_NO_POLICY.finding(
            table_ref(t),
            f"table {t.identity} has row level security on and no policy: "
            f"{fmt_list(reach)} are granted access but every request returns or changes no rows",
            remediation=f"-- if API access is intended, add policies, e.g.\n"
                        f"create policy \"owner reads\" on {t.identity} for select to authenticated "
                        f"using ((select auth.uid()) = user_id);\n"
                        f"-- if it is not, revoke the grants so the intent is explicit:\n"
                        f"revoke all on {t.identity} from anon, authenticated;",
            location=ctx.locate.table(t),
            evidence={"roles": {r: list(c) for r, c in reach.items()}},
        )
