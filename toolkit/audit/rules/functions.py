"""Functions: SECURITY DEFINER functions the API can call, and search_path left to the caller."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.audit.context import AuditContext, fmt_list
from toolkit.audit.function_access import Access
from toolkit.facts import function_ref
from toolkit.model import API_ROLES, Category, Cause, Finding, Function, Level, Table, quote_ident
from toolkit.project import declared_call
from toolkit.registry import RuleInfo, Stage, rule

SECURITY_DEFINER_FUNCTION_EXPOSED = RuleInfo(
    id="security_definer_function_exposed", level=Level.WARN, category=Category.SECURITY,
    summary="A SECURITY DEFINER function the API roles can call over /rpc; error when it reads or "
            "writes users' data without looking at the caller.",
    stage=Stage.AUDIT,
    advisors=("0028_anon_security_definer_function_executable",
              "0029_authenticated_security_definer_function_executable"))
FUNCTION_SEARCH_PATH_MUTABLE = RuleInfo(
    id="function_search_path_mutable", level=Level.WARN, category=Category.SECURITY,
    summary="A function without a pinned search_path resolves names through the caller's path.",
    stage=Stage.AUDIT,
    advisors=("0011_function_search_path_mutable",))

_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}


def _sql_name(fn: Function) -> str:
    return f"{quote_ident(fn.schema)}.{quote_ident(fn.name)}({fn.identity_args})"


@rule(SECURITY_DEFINER_FUNCTION_EXPOSED)
def security_definer_function_exposed(ctx: AuditContext) -> Iterator[Finding]:
    """Judged by the body: an error when a caller the function does not look at can make it read
    or write rows RLS protects (or auth.*); a warning otherwise; info when the project declared
    the function public. Trigger functions are left out: PostgREST cannot call them."""
    for fn in ctx.user_functions():
        if not fn.security_definer or fn.kind != "f" or fn.returns in ("trigger", "event_trigger"):
            continue
        callers = [r for r in API_ROLES if ctx.exposure.can_execute(fn, r)]
        if not callers:
            continue
        access = ctx.function_access.of(fn)
        protected = {role: sorted({t for t in access.reads if _protected(ctx, t, role, "select")}
                                  | {t for t, cmd in access.commands if _protected(ctx, t, role, cmd)})
                     for role in callers}
        at_risk = sorted({t for tables in protected.values() for t in tables})
        declared = declared_call(ctx.settings.get("expect") or {}, fn.schema, fn.name)
        if declared in ("public", "authenticated") and (declared == "public" or "anon" not in callers):
            level = Level.INFO
        elif at_risk and not access.caller_checks:
            level = Level.ERROR
        else:
            level = Level.WARN
        name = _sql_name(fn)
        yield SECURITY_DEFINER_FUNCTION_EXPOSED.finding(
            function_ref(fn),
            f"function {fn.schema}.{fn.name}({fn.identity_args}) runs as its owner {fn.owner} "
            f"(SECURITY DEFINER, RLS bypassed) and {_who(callers)} can call it through "
            f"/rest/v1/rpc; {_what(access, at_risk, declared)}",
            remediation=f"revoke execute on function {name} from public, {', '.join(callers)};\n"
                        "-- or look at the caller inside it (where user_id = (select auth.uid())), "
                        "move it to a schema the API does not expose (e.g. private), or make it "
                        f"security invoker: alter function {name} security invoker;",
            location=ctx.locate.function(fn), level=level, cause=Cause.FUNCTION_EXPOSED,
            evidence={"roles": callers, "owner": fn.owner, "search_path": fn.search_path,
                      "reads": list(access.reads), "writes": list(access.writes),
                      "protected": {r: t for r, t in protected.items() if t},
                      "caller_checks": list(access.caller_checks), "dynamic_sql": access.dynamic,
                      "body_read": access.known, **({"declared": declared} if declared else {})},
        )


_ROLE_WORDS = {"anon": "anon (no sign-in)", "authenticated": "authenticated (any signed-in user)"}


def _who(callers: list[str]) -> str:
    words = [_ROLE_WORDS[r] for r in callers]
    return " and ".join(words) if len(words) > 1 else f"only {words[0]}"


def _what(access: Access, at_risk: list[str], declared: str | None) -> str:
    if declared:
        return f"declared call = \"{declared}\" in [tool.supakit.expect]"
    if not access.known:
        return "its body could not be read, so what it touches is unknown"
    if access.caller_checks:
        touched = f"it touches {fmt_list(access.touches)} and " if access.touches else ""
        return f"{touched}looks at the caller ({', '.join(access.caller_checks)})"
    if at_risk:
        return f"it reaches {fmt_list(at_risk)}, which RLS protects, without looking at the caller"
    if access.dynamic:
        return "it runs SQL built at run time (EXECUTE), so what it touches is unknown"
    if access.touches:
        return f"it touches only {fmt_list(access.touches)}, which RLS does not guard for its callers"
    return "it touches no table"


def _protected(ctx: AuditContext, identity: str, role: str, command: str) -> bool:
    """Rows the role could not read or write itself: auth.*, or a table of users' data whose RLS
    gives this role no always-true policy for the command."""
    table = ctx.snapshot.table(identity)
    if table is None:
        return False
    if table.schema == "auth":
        return True
    if not table.rls or not _holds_user_data(ctx, table):
        return False
    return not any(p.permissive and p.applies_to(role) and ctx.mode(p, command) == "open"
                   for p in table.policies)


def _holds_user_data(ctx: AuditContext, table: Table) -> bool:
    if ctx.owner_columns(table):
        return True
    for fk in table.foreign_keys:
        parent = ctx.snapshot.table(fk.ref_table)
        if parent is not None and (parent.schema == "auth" or ctx.owner_columns(parent)):
            return True
    return False


@rule(FUNCTION_SEARCH_PATH_MUTABLE)
def function_search_path_mutable(ctx: AuditContext) -> Iterator[Finding]:
    for fn in ctx.user_functions():
        if fn.kind not in ("f", "p") or fn.search_path is not None:
            continue
        if fn.language in ("c", "internal"):
            continue
        kind = _KINDS.get(fn.kind, "function")
        # As lint's security_definer_without_search_path says of the same function: running
        # with its owner's rights through the caller's path is an error, not a style point.
        level = Level.ERROR if fn.security_definer else Level.WARN
        yield FUNCTION_SEARCH_PATH_MUTABLE.finding(
            function_ref(fn),
            f"{kind} {fn.schema}.{fn.name}({fn.identity_args}) has no search_path of its own; "
            "unqualified names in it resolve through the caller's search_path"
            + (" while it runs as its owner" if fn.security_definer else ""),
            remediation=f"alter {'procedure' if fn.kind == 'p' else 'function'} {_sql_name(fn)} "
                        "set search_path = '';\n-- and schema-qualify every name inside it "
                        "(public.t, auth.uid())",
            location=ctx.locate.function(fn), level=level,
            evidence={"security_definer": fn.security_definer, "language": fn.language},
            cause=Cause.SEARCH_PATH,
        )
