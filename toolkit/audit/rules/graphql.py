"""GraphQL: with pg_graphql installed, /graphql/v1 is a second Data API surface that lists the
shape of every table the API roles may select, whatever RLS lets them read."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.audit.context import AuditContext, fmt_list
from toolkit.facts import object_type, table_ref
from toolkit.facts.exposure import GRAPHQL_KINDS
from toolkit.model import API_ROLES, Category, Finding, Level
from toolkit.registry import RuleInfo, Stage, rule

GRAPHQL_TABLE_EXPOSED = RuleInfo(
    id="graphql_table_exposed", level=Level.WARN, category=Category.SECURITY,
    summary="pg_graphql lists a relation the API roles may select at /graphql/v1; info when only "
            "signed-in users see it.",
    stage=Stage.AUDIT,
    advisors=("0026_pg_graphql_anon_table_exposed", "0027_pg_graphql_authenticated_table_exposed"))


@rule(GRAPHQL_TABLE_EXPOSED)
def graphql_table_exposed(ctx: AuditContext) -> Iterator[Finding]:
    """One finding per relation, naming both roles: anon seeing it is a warning (anyone with the
    project URL can enumerate it); only signed-in users seeing it is information."""
    if not ctx.exposure.graphql:
        return
    for t in ctx.user_tables(GRAPHQL_KINDS):
        surfaces = ctx.exposure.surfaces(t)
        if "graphql" not in surfaces:
            continue
        readers = [r for r in API_ROLES if ctx.exposure.reaches(t, r, "select")]
        if not readers:
            continue
        kind = object_type(t)
        only = "" if "rest" in surfaces else (
            f"; schema {t.schema} is not exposed over REST, so GraphQL is the only API serving it")
        yield GRAPHQL_TABLE_EXPOSED.finding(
            table_ref(t),
            f"{kind} {t.identity} is visible at /graphql/v1 to {fmt_list(readers)} (pg_graphql is "
            "installed): its name, columns and relationships are listed, even where RLS returns "
            f"no rows{only}",
            remediation=f"revoke select on {t.identity} from {', '.join(readers)};\n"
                        "-- or, if the project does not use GraphQL: drop extension pg_graphql;",
            location=ctx.locate.table(t),
            level=Level.WARN if "anon" in readers else Level.INFO,
            evidence={"roles": readers, "surfaces": list(surfaces), "rls": t.rls},
        )
