"""How findings name database objects, so every stage names the same object the same way (and
suppressions and baselines written against one stage match the others)."""

from __future__ import annotations

from toolkit.model import Function, Index, ObjectRef, Policy, Table

# The object type the event trigger (and so the SourceMap) uses for each relation kind.
OBJECT_TYPES = {"r": "table", "p": "table", "v": "view", "m": "materialized view",
                "f": "foreign table"}


def object_type(table: Table) -> str:
    return OBJECT_TYPES.get(table.kind, "table")


def table_ref(table: Table) -> ObjectRef:
    return ObjectRef(object_type(table), table.schema, table.name)


def policy_ref(policy: Policy) -> ObjectRef:
    return ObjectRef("policy", policy.schema, policy.name, parent=f"{policy.schema}.{policy.table}")


def function_ref(fn: Function) -> ObjectRef:
    return ObjectRef("function", fn.schema, f"{fn.name}({fn.identity_args})")


def index_ref(table: Table, index: Index) -> ObjectRef:
    return ObjectRef("index", table.schema, index.name, parent=table.identity)
