"""Storage: policies on storage.objects that do not tie an object to the caller."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.audit.context import AuditContext, api_roles_of, expand_commands, fmt_list, quote_ident
from toolkit.facts import policy_ref
from toolkit.model import Category, Finding, Level, Policy
from toolkit.registry import RuleInfo, Stage, rule

STORAGE_POLICY_NOT_OWNER_SCOPED = RuleInfo(
    id="storage_policy_not_owner_scoped", level=Level.ERROR, category=Category.SECURITY,
    summary="A storage.objects policy for an API role that does not tie the object's path or owner "
            "to the caller.",
    stage=Stage.AUDIT)

# Columns of storage.objects that say whose an object is.
OWNER_COLUMNS = frozenset({"name", "owner", "owner_id"})


def _scoped(ctx: AuditContext, p: Policy, command: str) -> bool:
    exprs = ctx.command_exprs(p, command)
    return bool(exprs) and all(f.caller_scoped and f.caller_columns & OWNER_COLUMNS for f in exprs)


@rule(STORAGE_POLICY_NOT_OWNER_SCOPED)
def storage_policy_not_owner_scoped(ctx: AuditContext) -> Iterator[Finding]:
    """Reads from a public bucket are public anyway (its URLs need no token), so an unscoped
    SELECT on public buckets only is fine; unscoped writes to them are reported as warnings
    (anyone can overwrite anyone's files), and so are policies whose every branch is scoped,
    some through a related row (a shared chat's images); everything else as errors."""
    objects = ctx.snapshot.table("storage.objects")
    if objects is None or not objects.rls:
        return
    for p in objects.policies:
        if not p.permissive:
            continue
        commands: dict[str, list[str]] = {}
        for role in api_roles_of(p):
            if not ctx.exposure.has_usage("storage", role):
                continue
            for cmd in expand_commands(p):
                if ctx.exposure.has_privilege(objects, role, cmd) and ctx.command_exprs(p, cmd) \
                        and not _scoped(ctx, p, cmd):
                    commands.setdefault(cmd, []).append(role)
        if not commands:
            continue
        using, check = ctx.clauses(p)
        buckets = sorted({*using.literals_for("bucket_id"), *check.literals_for("bucket_id")})
        known = {b.id: b for b in ctx.snapshot.buckets}
        public = bool(buckets) and all(b in known and known[b].public for b in buckets)
        if public:
            commands.pop("select", None)
            if not commands:
                continue
        related = _related_branches(ctx, p, tuple(commands))
        level = Level.WARN if public or related else Level.ERROR
        roles = sorted({r for rs in commands.values() for r in rs})
        where = f"bucket {fmt_list(buckets)}" if buckets else "every bucket"
        kind = "public" if public else "private"
        verbs = "/".join(sorted(commands))
        fix = (f"alter policy {quote_ident(p.name)} on storage.objects "
               + ("with check" if set(commands) == {"insert"} else "using")
               + f" (bucket_id = '{buckets[0] if buckets else 'BUCKET'}' and "
               "(storage.foldername(name))[1] = (select auth.uid())::text);")
        evidence = {"roles": roles, "commands": sorted(commands), "buckets": buckets, "public_buckets": public}
        if related:
            message = (f"storage policy {p.name!r} lets {fmt_list(roles)} {verbs} objects in {where} ({kind}) "
                       f"that are not the caller's when a related row allows it: {'; '.join(related)}")
            fix = ("If sharing through that row is intended, suppress this with the reason; otherwise "
                   "tie the related row to the caller too (e.g. `and c.user_id = (select auth.uid())` "
                   "inside the sub-select).")
            evidence["related_branches"] = related
        else:
            message = (f"storage policy {p.name!r} lets {fmt_list(roles)} {verbs} any object in {where} "
                       f"({kind}): it does not tie the object's folder or owner to the caller")
        yield STORAGE_POLICY_NOT_OWNER_SCOPED.finding(
            policy_ref(p), message, remediation=fix, location=ctx.locate.policy(p), level=level,
            evidence=evidence)


def _related_branches(ctx: AuditContext, p: Policy, commands: tuple[str, ...]) -> list[str]:
    """When every branch of the policy either ties the object to the caller or to a related row
    (`exists (select 1 from chats c where c.id::text = (storage.foldername(name))[1] and
    c.shared)`), the terms that do the latter; otherwise nothing: some branch admits any object."""
    terms: list[str] = []
    for command in commands:
        for facts in ctx.command_exprs(p, command):
            if not facts.branches:
                return []
            for branch in facts.branches:
                if branch.caller_columns & OWNER_COLUMNS:
                    continue
                found = [text for text, cols in branch.related if cols & OWNER_COLUMNS]
                if not found:
                    return []
                terms += found
    return list(dict.fromkeys(terms))
