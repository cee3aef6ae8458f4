"""Functions: SECURITY DEFINER functions the API can call, and search_path left to the caller."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.audit.context import AuditContext, fmt_list, quote_ident
from toolkit.facts import function_ref
from toolkit.model import API_ROLES, Category, Finding, Function, Level
from toolkit.registry import RuleInfo, Stage, rule

SECURITY_DEFINER_FUNCTION_EXPOSED = RuleInfo(
    id="security_definer_function_exposed", level=Level.WARN, category=Category.SECURITY,
    summary="A SECURITY DEFINER function the API roles can call over /rpc; error when anon can.",
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
    """Trigger functions are left out: PostgREST cannot call them (Postgres refuses a direct
    call of a function returning trigger)."""
    for fn in ctx.user_functions():
        if not fn.security_definer or fn.kind != "f" or fn.returns in ("trigger", "event_trigger"):
            continue
        callers = [r for r in API_ROLES if ctx.exposure.can_execute(fn, r)]
        if not callers:
            continue
        level = Level.ERROR if "anon" in callers else Level.WARN
        name = _sql_name(fn)
        yield SECURITY_DEFINER_FUNCTION_EXPOSED.finding(
            function_ref(fn),
            f"function {fn.schema}.{fn.name}({fn.identity_args}) runs as its owner {fn.owner} "
            f"(SECURITY DEFINER, RLS bypassed for what it reads) and {fmt_list(callers)} can "
            "call it through /rest/v1/rpc",
            remediation=f"revoke execute on function {name} from public, anon"
                        f"{', authenticated' if 'authenticated' in callers else ''};\n"
                        "-- or move it to a schema the API does not expose (e.g. private), or "
                        f"make it security invoker: alter function {name} security invoker;",
            location=ctx.locate.function(fn), level=level,
            evidence={"roles": callers, "owner": fn.owner, "search_path": fn.search_path},
        )


@rule(FUNCTION_SEARCH_PATH_MUTABLE)
def function_search_path_mutable(ctx: AuditContext) -> Iterator[Finding]:
    for fn in ctx.user_functions():
        if fn.kind not in ("f", "p") or fn.search_path is not None:
            continue
        if fn.language in ("c", "internal"):
            continue
        kind = _KINDS.get(fn.kind, "function")
        level = Level.WARN
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
        )
