"""SECURITY DEFINER functions must pin search_path, or a caller can redirect what they run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from postgast import pg_query_pb2 as pb

from toolkit.lint.source import LintContext, ParsedFile, stmt_location
from toolkit.model import Category, Cause, Finding, Level, ObjectRef
from toolkit.registry import RuleInfo, Stage, rule

SECURITY_DEFINER_WITHOUT_SEARCH_PATH = RuleInfo(
    id="security_definer_without_search_path", level=Level.ERROR, category=Category.SECURITY,
    summary="A SECURITY DEFINER function without SET search_path.", stage=Stage.LINT,
    fix="Add `set search_path = ''` and schema-qualify every name in the body (e.g. public.t, auth.uid()).")


def _is_definer(options: Any) -> bool:
    for opt in options:
        d = opt.def_elem
        if d.defname == "security" and d.arg.WhichOneof("node") == "boolean":
            return bool(d.arg.boolean.boolval)
    return False


def _sets_search_path(options: Any) -> bool:
    for opt in options:
        d = opt.def_elem
        if d.defname == "set" and d.arg.WhichOneof("node") == "variable_set_stmt":
            v = d.arg.variable_set_stmt
            if v.name == "search_path" and v.kind in (pb.VAR_SET_VALUE, pb.VAR_SET_CURRENT):
                return True
    return False


@rule(SECURITY_DEFINER_WITHOUT_SEARCH_PATH)
def check_definer(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    for stmt in pf.statements:
        if stmt.kind != "create_function_stmt":
            continue
        node = stmt.node
        if not _is_definer(node.options) or _sets_search_path(node.options):
            continue
        parts = [n.string.sval for n in node.funcname]
        schema, name = (parts[-2], parts[-1]) if len(parts) > 1 else (None, parts[-1])
        what = "procedure" if node.is_procedure else "function"
        shown = f"{schema}.{name}" if schema else name
        yield SECURITY_DEFINER_WITHOUT_SEARCH_PATH.finding(
            ObjectRef("function", schema, name),
            f"SECURITY DEFINER {what} {shown} has no `set search_path`: it runs with its owner's rights but "
            "resolves names through the caller's search_path, which the caller controls",
            location=stmt_location(pf, stmt),
            evidence={"function": shown}, cause=Cause.SEARCH_PATH,
        )
