"""What a hosted project lets `postgres` do in the `auth`, `storage` and `realtime` schemas.

Since 2025-04-21 (Supabase changelog "Restricting access on Auth, Storage, and Realtime schemas")
`postgres` is no longer a member of the roles that own these schemas' objects. It may still
reference their tables from foreign keys, and create policies and triggers on a listed set of
them (supautils' `policy_grants` and `drop_trigger_grants`); everything else that changes them
fails on new projects and on every branch, which replays all migrations. Older projects still
carry such statements (`db pull` dumps that redefine `storage.foldername()`, helpers kept in
`auth`), so the applier reports each one and goes on as the platform ran it before the change.

This module only reads the parse tree; the applier decides with the owners it looks up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from toolkit.sql.split import Statement

SCHEMAS = ("auth", "storage", "realtime")
SINCE = "2025-04-21"

# supautils.policy_grants and supautils.drop_trigger_grants for `postgres` on hosted projects, plus
# storage.migrations, which the changelog also lists.
GRANTED_TABLES = frozenset({
    "auth.audit_log_entries", "auth.flow_state", "auth.identities", "auth.instances", "auth.mfa_amr_claims",
    "auth.mfa_challenges", "auth.mfa_factors", "auth.oauth_clients", "auth.one_time_tokens",
    "auth.refresh_tokens", "auth.saml_providers", "auth.saml_relay_states", "auth.sessions", "auth.sso_domains",
    "auth.sso_providers", "auth.users", "realtime.messages", "realtime.subscription", "storage.buckets",
    "storage.buckets_analytics", "storage.migrations", "storage.objects", "storage.prefixes", "storage.s3_multipart_uploads",
    "storage.s3_multipart_uploads_parts",
})
MIGRATION_TABLES = {"auth.schema_migrations": "Auth", "storage.migrations": "Storage",
                    "realtime.schema_migrations": "Realtime"}
API_ROLES = frozenset({"anon", "authenticated", "service_role"})


def _mentions(text: str) -> bool:
    """Cheap first look (substring tests, several times faster than a regex): a statement that
    names none of the schemas is never ours."""
    low = text.lower()
    return "auth" in low or "storage" in low or "realtime" in low


@dataclass(frozen=True)
class Target:
    """A statement's effect on a platform schema.

    `op`: create (a new object there), replace / alter / drop / rename / owner / comment (an
    existing object), index (on one of their tables), policy / drop_trigger (what supautils grants
    on the listed tables), write (to a service's migration history), revoke (an API role's
    privileges on their tables)."""

    op: str
    kind: str  # table, function, view, type, sequence, index, policy, trigger
    schema: str
    name: str  # the object, or for policies, triggers and indexes the table they belong to

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def granted(self) -> bool:
        """Allowed on hosted: supautils lets postgres manage policies and drop triggers here."""
        return self.op in ("policy", "drop_trigger") and self.qualified in GRANTED_TABLES

    @property
    def existing(self) -> bool:
        """Acts on an object that may already be there, so its owner decides (see the applier)."""
        return self.op in ("replace", "alter", "drop", "rename", "owner", "comment")


_GRANTED_IN_TEXT = re.compile(
    r"\b(?:" + "|".join(re.escape(t).replace(r"\.", r'"?\s*\.\s*"?') for t in sorted(GRANTED_TABLES)) + r")\b",
    re.I)
_POLICY_OR_TRIGGER = re.compile(r"\b(?:policy|trigger)\b", re.I)


def manages_granted_tables(stmt: Statement) -> bool:
    """A DO block that creates or drops policies or triggers on supautils' listed tables (the
    `if not exists (select from pg_policies ...)` idiom of generated migrations). supautils sees
    the statements inside; the applier only sees the block, so it lends the rights to all of it."""
    return (stmt.kind == "do_stmt" and _mentions(stmt.text) and _POLICY_OR_TRIGGER.search(stmt.text) is not None
            and _GRANTED_IN_TEXT.search(stmt.text) is not None)


def target(stmt: Statement) -> Target | None:
    """The platform object `stmt` changes, or None. Unqualified names are left to PostgreSQL,
    which refuses them just as a hosted project would."""
    handler = _HANDLERS.get(stmt.kind)
    if handler is None or not _mentions(stmt.text):
        return None
    return handler(stmt.node)


def _in_platform(schema: str) -> bool:
    return schema in SCHEMAS


def _range(rv: Any, op: str, kind: str) -> Target | None:
    return Target(op, kind, rv.schemaname, rv.relname) if _in_platform(rv.schemaname) else None


def _names(items: Any) -> list[str]:
    return [i.string.sval for i in items]


def _qualified(names: list[str], op: str, kind: str) -> Target | None:
    if len(names) >= 2 and _in_platform(names[-2]):
        return Target(op, kind, names[-2], names[-1])
    return None


def _object_type(value: int) -> str:
    from postgast import pg_query_pb2

    return str(pg_query_pb2.ObjectType.Name(value))


_KINDS = {"OBJECT_TABLE": "table", "OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "function",
          "OBJECT_ROUTINE": "function", "OBJECT_VIEW": "view", "OBJECT_MATVIEW": "view", "OBJECT_TYPE": "type",
          "OBJECT_DOMAIN": "type", "OBJECT_SEQUENCE": "sequence", "OBJECT_INDEX": "index",
          "OBJECT_FOREIGN_TABLE": "table", "OBJECT_AGGREGATE": "function"}


def _object(obj: Any, kind: str, op: str) -> Target | None:
    """A target from an `object` node of DROP / ALTER ... OWNER / COMMENT / RENAME."""
    which = obj.WhichOneof("node")
    if which == "object_with_args":
        return _qualified(_names(obj.object_with_args.objname), op, kind)
    if which == "list":
        return _qualified(_names(obj.list.items), op, kind)
    if which == "type_name":
        return _qualified(_names(obj.type_name.names), op, kind)
    return None


def _create(node: Any) -> Target | None:
    return _range(node.relation, "create", "table")


def _create_as(node: Any) -> Target | None:
    return _range(node.into.rel, "create", "table")


def _view(node: Any) -> Target | None:
    return _range(node.view, "create", "view")


def _function(node: Any) -> Target | None:
    return _qualified(_names(node.funcname), "replace" if node.replace else "create", "function")


def _typename(node: Any) -> Target | None:
    return _qualified(_names(node.type_name), "create", "type")


def _composite(node: Any) -> Target | None:
    return _range(node.typevar, "create", "type")


def _domain(node: Any) -> Target | None:
    return _qualified(_names(node.domainname), "create", "type")


def _sequence(node: Any) -> Target | None:
    return _range(node.sequence, "create", "sequence")


def _index(node: Any) -> Target | None:
    return _range(node.relation, "index", "index")


def _alter_table(node: Any) -> Target | None:
    kind = _KINDS.get(_object_type(node.objtype), "table")
    owner = any(c.alter_table_cmd.subtype == _subtype("AT_ChangeOwner") for c in node.cmds)
    return _range(node.relation, "owner" if owner else "alter", kind)


def _subtype(name: str) -> int:
    from postgast import pg_query_pb2

    return int(pg_query_pb2.AlterTableType.Value(name))


def _alter_function(node: Any) -> Target | None:
    return _qualified(_names(node.func.objname), "alter", "function")


def _named(node: Any, object_type: int, op: str) -> Target | None:
    """ALTER ... OWNER TO and ALTER ... RENAME: a relation, or any other object by name."""
    kind = _KINDS.get(_object_type(object_type))
    if kind is None:
        return None
    if node.HasField("relation") and node.relation.relname:
        return _range(node.relation, op, kind)
    return _object(node.object, kind, op)


def _alter_owner(node: Any) -> Target | None:
    return _named(node, node.object_type, "owner")


def _rename(node: Any) -> Target | None:
    return _named(node, node.rename_type, "rename")


def _comment(node: Any) -> Target | None:
    kind = _KINDS.get(_object_type(node.objtype))
    return _object(node.object, kind, "comment") if kind else None


def _drop(node: Any) -> Target | None:
    otype = _object_type(node.remove_type)
    if otype in ("OBJECT_POLICY", "OBJECT_TRIGGER"):
        for obj in node.objects:
            names = _names(obj.list.items)
            found = _qualified(names[:-1], "policy" if otype == "OBJECT_POLICY" else "drop_trigger",
                               "policy" if otype == "OBJECT_POLICY" else "trigger")
            if found is not None:
                return found
        return None
    kind = _KINDS.get(otype)
    if kind is None:
        return None
    for obj in node.objects:
        found = _object(obj, kind, "drop")
        if found is not None:
            return found
    return None


def _policy(node: Any) -> Target | None:
    return _range(node.table, "policy", "policy")


def _write(node: Any) -> Target | None:
    rv = node.relation
    name = f"{rv.schemaname}.{rv.relname}"
    return Target("write", "table", rv.schemaname, rv.relname) if name in MIGRATION_TABLES else None


def _truncate(node: Any) -> Target | None:
    for item in node.relations:
        rv = item.range_var
        if f"{rv.schemaname}.{rv.relname}" in MIGRATION_TABLES:
            return Target("write", "table", rv.schemaname, rv.relname)
    return None


def _revoke(node: Any) -> Target | None:
    if node.is_grant or _object_type(node.objtype) != "OBJECT_TABLE":
        return None
    if not any(g.role_spec.rolename in API_ROLES for g in node.grantees):
        return None
    for obj in node.objects:
        which = obj.WhichOneof("node")
        if which == "range_var" and _in_platform(obj.range_var.schemaname):
            return Target("revoke", "table", obj.range_var.schemaname, obj.range_var.relname)
        if which == "string" and _in_platform(obj.string.sval):  # ALL TABLES IN SCHEMA
            return Target("revoke", "table", obj.string.sval, "*")
    return None


def _set_schema(node: Any) -> Target | None:
    kind = _KINDS.get(_object_type(node.object_type))
    if kind is None or not _in_platform(node.newschema):
        return None
    if node.HasField("relation") and node.relation.relname:
        return Target("create", kind, node.newschema, node.relation.relname)
    names = _names(node.object.object_with_args.objname if node.object.WhichOneof("node") == "object_with_args"
                   else node.object.list.items)
    return Target("create", kind, node.newschema, names[-1]) if names else None


_HANDLERS = {
    "create_stmt": _create, "create_table_as_stmt": _create_as, "view_stmt": _view,
    "create_function_stmt": _function, "create_enum_stmt": _typename, "create_range_stmt": _typename,
    "composite_type_stmt": _composite, "create_domain_stmt": _domain, "create_seq_stmt": _sequence,
    "index_stmt": _index, "alter_table_stmt": _alter_table, "alter_function_stmt": _alter_function,
    "alter_owner_stmt": _alter_owner, "rename_stmt": _rename, "comment_stmt": _comment, "drop_stmt": _drop,
    "create_policy_stmt": _policy, "alter_policy_stmt": _policy, "insert_stmt": _write, "update_stmt": _write,
    "delete_stmt": _write, "truncate_stmt": _truncate, "grant_stmt": _revoke,
    "alter_object_schema_stmt": _set_schema,
}
