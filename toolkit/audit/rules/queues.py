"""Supabase Queues: a pgmq queue table the API roles can work through `pgmq_public` with RLS off.

Exposing Queues to the Data API adds schema `pgmq_public` to the exposed schemas: its functions
(`send`, `read`, `pop`, `archive`, `delete`) run as the caller on the queue tables
`pgmq.q_<name>`, so what protects a queue is those tables' grants and RLS.
"""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.audit.context import AuditContext
from toolkit.facts import table_ref
from toolkit.model import API_ROLES, Category, Finding, Level, Table
from toolkit.registry import RuleInfo, Stage, rule

QUEUE_EXPOSED = RuleInfo(
    id="queue_exposed", level=Level.ERROR, category=Category.SECURITY,
    summary="A Supabase Queues table the API roles can use through pgmq_public with RLS off; "
            "warn when they can only send.",
    stage=Stage.AUDIT,
    advisors=("0019_insecure_queue_exposed_in_api",))

QUEUE_SCHEMA = "pgmq"
WRAPPER_SCHEMA = "pgmq_public"
# What each table privilege lets a caller do to the queue's messages.
_VERBS = {"select": "read", "insert": "send", "update": "update", "delete": "delete"}


def _wrappers_callable(ctx: AuditContext, role: str) -> bool:
    """The role can call a pgmq_public function over /rest/v1/rpc and use schema pgmq."""
    return (ctx.exposure.has_usage(QUEUE_SCHEMA, role)
            and any(fn.schema == WRAPPER_SCHEMA and ctx.exposure.can_execute(fn, role)
                    for fn in ctx.snapshot.functions))


def _queues(ctx: AuditContext) -> Iterator[Table]:
    for t in ctx.snapshot.tables:
        if t.schema == QUEUE_SCHEMA and t.kind in ("r", "p") and t.name.startswith("q_") \
                and not t.partition_of:
            yield t


@rule(QUEUE_EXPOSED)
def queue_exposed(ctx: AuditContext) -> Iterator[Finding]:
    callers = [r for r in API_ROLES if _wrappers_callable(ctx, r)]
    direct = ctx.exposure.schema_exposed(QUEUE_SCHEMA)
    for t in _queues(ctx):
        if t.rls:
            continue
        reach: dict[str, list[str]] = {}
        for role in API_ROLES:
            if role in callers or (direct and ctx.exposure.has_usage(QUEUE_SCHEMA, role)):
                cmds = [c for c in _VERBS if ctx.exposure.has_privilege(t, role, c)]
                if cmds:
                    reach[role] = cmds
        if not reach:
            continue
        queue = t.name[2:]
        only_send = all(cmds == ["insert"] for cmds in reach.values())
        who = "; ".join(f"{role} can {', '.join(_VERBS[c] for c in cmds)}"
                        for role, cmds in reach.items())
        via = WRAPPER_SCHEMA if set(reach) <= set(callers) else QUEUE_SCHEMA
        yield QUEUE_EXPOSED.finding(
            table_ref(t),
            f"queue {queue} ({t.identity}) has row level security off and the Data API serves it "
            f"through {via}: {who}; "
            + ("anyone holding those roles can push any message into it" if only_send else
               "any such caller can take, read or delete every message in it"),
            remediation=f"alter table {t.identity} enable row level security;\n"
                        f"-- then add policies for the callers meant to use the queue, or revoke "
                        f"their grants: revoke all on {t.identity} from {', '.join(reach)};",
            location=ctx.locate.table(t), level=Level.WARN if only_send else None,
            evidence={"queue": queue, "roles": reach, "via": via},
        )
