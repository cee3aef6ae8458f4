"""Exposure: what the Data API serves that it should not — sensitive columns to anon, views that
run as their owner, auth.users, materialized views, foreign tables, extensions in the API."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.audit.context import AuditContext, fmt_list
from toolkit.audit.coverage import cell_status
from toolkit.facts import is_platform_schema, table_ref
from toolkit.facts.sensitive import sensitive_columns
from toolkit.model import API_ROLES, Category, Finding, Level, ObjectRef, Table, quote_ident
from toolkit.registry import RuleInfo, Stage, rule

SENSITIVE_COLUMNS_EXPOSED = RuleInfo(
    id="sensitive_columns_exposed", level=Level.ERROR, category=Category.SECURITY,
    summary="anon can read every row of a table with sensitive-looking columns (email, token, ...).",
    stage=Stage.AUDIT,
    advisors=("0023_sensitive_columns_exposed",))
SECURITY_DEFINER_VIEW = RuleInfo(
    id="security_definer_view", level=Level.ERROR, category=Category.SECURITY,
    summary="A view the API serves runs with its owner's rights (no security_invoker), bypassing RLS.",
    stage=Stage.AUDIT,
    advisors=("0010_security_definer_view",))
AUTH_USERS_EXPOSED = RuleInfo(
    id="auth_users_exposed", level=Level.ERROR, category=Category.SECURITY,
    summary="A view or materialized view the API serves reads auth.users.",
    stage=Stage.AUDIT,
    advisors=("0002_auth_users_exposed",))
MATERIALIZED_VIEW_EXPOSED = RuleInfo(
    id="materialized_view_exposed", level=Level.WARN, category=Category.SECURITY,
    summary="A materialized view the API serves: it has no RLS, every caller sees every row.",
    stage=Stage.AUDIT,
    advisors=("0016_materialized_view_in_api",))
FOREIGN_TABLE_EXPOSED = RuleInfo(
    id="foreign_table_exposed", level=Level.WARN, category=Category.SECURITY,
    summary="A foreign table the API serves: RLS cannot protect it.",
    stage=Stage.AUDIT,
    advisors=("0017_foreign_table_in_api",))
EXTENSION_IN_PUBLIC = RuleInfo(
    id="extension_in_public", level=Level.WARN, category=Category.SECURITY,
    summary="An extension installed in public (or another exposed schema) instead of extensions.",
    stage=Stage.AUDIT,
    advisors=("0014_extension_in_public",))

@rule(SENSITIVE_COLUMNS_EXPOSED)
def sensitive_columns_exposed(ctx: AuditContext) -> Iterator[Finding]:
    for t in ctx.user_tables():
        status, policies = cell_status(ctx, t, "anon", "select")
        if status not in ("no RLS", "open"):
            continue
        cols = sensitive_columns(ctx.settings, t, ctx.exposure.readable_columns(t, "anon"))
        if not cols:
            continue
        why = "row level security is off" if status == "no RLS" else \
            f"policy {fmt_list(policies)} lets anon select every row"
        yield SENSITIVE_COLUMNS_EXPOSED.finding(
            table_ref(t),
            f"anon can read every row of {t.identity} ({why}), including {fmt_list(cols)}",
            remediation=f"alter table {t.identity} enable row level security;\n"
                        f"-- and scope reads, or keep these columns out of anon's reach:\n"
                        f"revoke select on {t.identity} from anon;\n"
                        f"grant select ({', '.join(quote_ident(c.name) for c in t.columns if c.name not in cols)}) "
                        f"on {t.identity} to anon;",
            location=ctx.locate.table(t),
            evidence={"columns": cols, "coverage": status, "policies": list(policies)},
        )


def _readers(ctx: AuditContext, t: Table) -> list[str]:
    return [r for r in API_ROLES if ctx.exposure.reaches(t, r, "select")]


def _views(ctx: AuditContext, kinds: str) -> Iterator[tuple[Table, list[str]]]:
    for t in ctx.user_tables(kinds):
        readers = _readers(ctx, t)
        if readers:
            yield t, readers


@rule(SECURITY_DEFINER_VIEW)
def security_definer_view(ctx: AuditContext) -> Iterator[Finding]:
    for t, readers in _views(ctx, "v"):
        if t.security_invoker:
            continue
        yield SECURITY_DEFINER_VIEW.finding(
            table_ref(t),
            f"view {t.identity} is readable by {fmt_list(readers)} through the Data API and runs "
            f"as its owner {t.owner}, so the RLS of {fmt_list(t.reads) or 'what it reads'} does "
            "not apply to callers",
            remediation=f"alter view {t.identity} set (security_invoker = on);\n"
                        f"-- or, if it must run as its owner, move it out of the exposed schemas / "
                        f"revoke select on {t.identity} from {', '.join(readers)};",
            location=ctx.locate.table(t),
            evidence={"roles": readers, "owner": t.owner, "reads": list(t.reads),
                      "security_barrier": t.security_barrier},
        )


@rule(AUTH_USERS_EXPOSED)
def auth_users_exposed(ctx: AuditContext) -> Iterator[Finding]:
    users = ctx.snapshot.table("auth.users")
    for t, readers in _views(ctx, "vm"):
        if "auth.users" not in t.reads:
            continue
        if t.kind == "v" and t.security_invoker:
            readers = [r for r in readers if users is not None and not users.rls
                       and ctx.exposure.has_privilege(users, r, "select")]
            if not readers:
                continue
        kind = "materialized view" if t.kind == "m" else "view"
        yield AUTH_USERS_EXPOSED.finding(
            table_ref(t),
            f"{kind} {t.identity} reads auth.users and is readable by {fmt_list(readers)} "
            "through the Data API: user emails, phones and metadata leak",
            remediation=f"revoke select on {t.identity} from anon, authenticated;\n"
                        "-- keep user data in a public.profiles table protected by RLS, or move "
                        "the view to a schema the API does not expose",
            location=ctx.locate.table(t),
            evidence={"roles": readers, "security_invoker": t.security_invoker, "kind": kind},
        )


@rule(MATERIALIZED_VIEW_EXPOSED)
def materialized_view_exposed(ctx: AuditContext) -> Iterator[Finding]:
    for t, readers in _views(ctx, "m"):
        yield MATERIALIZED_VIEW_EXPOSED.finding(
            table_ref(t),
            f"materialized view {t.identity} is readable by {fmt_list(readers)} through the "
            "Data API; materialized views have no RLS, so every caller sees every row",
            remediation=f"revoke select on {t.identity} from {', '.join(readers)};\n"
                        "-- or move it to a schema the API does not expose",
            location=ctx.locate.table(t),
            evidence={"roles": readers, "reads": list(t.reads)},
        )


@rule(FOREIGN_TABLE_EXPOSED)
def foreign_table_exposed(ctx: AuditContext) -> Iterator[Finding]:
    for t, readers in _views(ctx, "f"):
        yield FOREIGN_TABLE_EXPOSED.finding(
            table_ref(t),
            f"foreign table {t.identity} is readable by {fmt_list(readers)} through the Data "
            "API; foreign tables cannot have RLS",
            remediation=f"revoke all on {t.identity} from anon, authenticated;\n"
                        "-- or move it to a schema the API does not expose",
            location=ctx.locate.table(t),
            evidence={"roles": readers},
        )


@rule(EXTENSION_IN_PUBLIC)
def extension_in_public(ctx: AuditContext) -> Iterator[Finding]:
    for ext in ctx.snapshot.extensions:
        if ext.name == "plpgsql":
            continue
        if ext.schema != "public" and not (ctx.exposure.schema_exposed(ext.schema)
                                           and not is_platform_schema(ext.schema)):
            continue
        name = quote_ident(ext.name)
        fix = (f"alter extension {name} set schema extensions;" if ext.relocatable else
               f"drop extension {name};\ncreate extension {name} with schema extensions;")
        yield EXTENSION_IN_PUBLIC.finding(
            ObjectRef("extension", None, ext.name),
            f"extension {ext.name} is installed in schema {ext.schema}, which the Data API "
            "exposes: its functions and tables become part of your API",
            remediation=fix,
            location=ctx.locate.created("extension", quote_ident(ext.name)),
            evidence={"schema": ext.schema, "relocatable": ext.relocatable},
        )
