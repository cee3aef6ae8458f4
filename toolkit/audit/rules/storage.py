"""Storage: policies on storage.objects that do not tie an object to the caller, and SELECT
policies that only add listing to a public bucket."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.audit.context import AuditContext, api_roles_of, expand_commands, fmt_list
from toolkit.facts import policy_ref
from toolkit.model import Category, Finding, Level, Policy, quote_ident
from toolkit.registry import RuleInfo, Stage, rule

STORAGE_POLICY_NOT_OWNER_SCOPED = RuleInfo(
    id="storage_policy_not_owner_scoped", level=Level.ERROR, category=Category.SECURITY,
    summary="A storage.objects policy for an API role that does not tie the object's path or owner "
            "to the caller.",
    stage=Stage.AUDIT)
STORAGE_PUBLIC_BUCKET_LISTING = RuleInfo(
    id="storage_public_bucket_listing", level=Level.WARN, category=Category.SECURITY,
    summary="A SELECT policy lets API roles list every file of a public bucket, whose files are "
            "served by URL without any policy.",
    stage=Stage.AUDIT,
    advisors=("0025_public_bucket_allows_listing",))

# Columns of storage.objects that say whose an object is.
OWNER_COLUMNS = frozenset({"name", "owner", "owner_id"})


def _scoped(ctx: AuditContext, p: Policy, command: str) -> bool:
    exprs = ctx.command_exprs(p, command)
    return bool(exprs) and all(f.caller_scoped and f.caller_columns & OWNER_COLUMNS for f in exprs)


def _public_only(ctx: AuditContext, buckets: list[str]) -> bool:
    """Every bucket named is a known public one."""
    found = [ctx.snapshot.bucket(b) for b in buckets]
    return bool(found) and all(b is not None and b.public for b in found)


@rule(STORAGE_POLICY_NOT_OWNER_SCOPED)
def storage_policy_not_owner_scoped(ctx: AuditContext) -> Iterator[Finding]:
    """Files of a public bucket are served by URL to anyone, so an unscoped SELECT on public
    buckets only leaks no content (storage_public_bucket_listing reports the listing it adds);
    unscoped writes to them are warnings (anyone can overwrite anyone's files), and so are
    policies whose every branch is scoped, some through a related row (a shared chat's images);
    everything else is an error."""
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
        public = _public_only(ctx, buckets)
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


@rule(STORAGE_PUBLIC_BUCKET_LISTING)
def storage_public_bucket_listing(ctx: AuditContext) -> Iterator[Finding]:
    """A SELECT whose USING reads nothing of the object but its bucket, for public buckets only.
    A policy that also reads the name (a folder, a file type) lists a part the project chose, and
    one that names a private bucket is storage_policy_not_owner_scoped's."""
    objects = ctx.snapshot.table("storage.objects")
    if objects is None or not objects.rls:
        return
    for p in objects.policies:
        if not p.permissive or not p.covers("select") or _scoped(ctx, p, "select"):
            continue
        using, _ = ctx.clauses(p)
        if using.text is None or not using.parsed or using.columns - {"bucket_id"}:
            continue
        buckets = sorted(set(using.literals_for("bucket_id")))
        if not _public_only(ctx, buckets):
            continue
        roles = [r for r in api_roles_of(p) if ctx.exposure.reaches(objects, r, "select")]
        if not roles:
            continue
        yield STORAGE_PUBLIC_BUCKET_LISTING.finding(
            policy_ref(p),
            f"storage policy {p.name!r} lets {fmt_list(roles)} list every file in public bucket "
            f"{fmt_list(buckets)}: its files are served by URL without any policy, so all this "
            "SELECT adds is enumerating every file name (invoices, exports, other users' uploads)",
            remediation=f"drop policy {quote_ident(p.name)} on storage.objects;\n"
                        "-- public URLs keep working; if clients must list, make the bucket private "
                        "and scope the policy to a folder or owner",
            location=ctx.locate.policy(p),
            evidence={"roles": roles, "buckets": buckets},
        )
