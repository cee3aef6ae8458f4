"""Supabase runs each migration file in one transaction: statements that fight that model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from postgast import find_nodes
from postgast import pg_query_pb2 as pb
from postgast.pg_query_pb2 import A_Const, TypeCast

from toolkit.lint.source import LintContext, ParsedFile, stmt_location
from toolkit.model import Category, Finding, Level, ObjectRef
from toolkit.registry import RuleInfo, Stage, rule
from toolkit.sql.split import Statement

TRANSACTION_CONTROL_IN_MIGRATION = RuleInfo(
    id="transaction_control_in_migration", level=Level.ERROR, category=Category.HYGIENE,
    summary="BEGIN/COMMIT/ROLLBACK inside a migration file that the Supabase CLI already wraps.",
    stage=Stage.LINT,
    fix="Remove the transaction statements; put work that must commit separately in its own migration file.")
CONCURRENTLY_IN_MULTI_STATEMENT_FILE = RuleInfo(
    id="concurrently_in_multi_statement_file", level=Level.WARN, category=Category.HYGIENE,
    summary="A CONCURRENTLY operation shares its file with other statements.", stage=Stage.LINT,
    fix="Move it into a migration file of its own.")
ENUM_VALUE_USED_IN_SAME_FILE = RuleInfo(
    id="enum_value_used_in_same_file", level=Level.ERROR, category=Category.HYGIENE,
    summary="A value added with ALTER TYPE ... ADD VALUE is used in the same migration.", stage=Stage.LINT,
    fix="Add the enum value in its own migration, and use it in a later one.")

_TXN_KINDS = {
    pb.TRANS_STMT_BEGIN: "BEGIN", pb.TRANS_STMT_START: "START TRANSACTION", pb.TRANS_STMT_COMMIT: "COMMIT",
    pb.TRANS_STMT_ROLLBACK: "ROLLBACK", pb.TRANS_STMT_PREPARE: "PREPARE TRANSACTION",
    pb.TRANS_STMT_COMMIT_PREPARED: "COMMIT PREPARED", pb.TRANS_STMT_ROLLBACK_PREPARED: "ROLLBACK PREPARED",
}


@rule(TRANSACTION_CONTROL_IN_MIGRATION)
def check_transaction_control(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    for stmt in pf.statements:
        if stmt.kind != "transaction_stmt" or stmt.node.kind not in _TXN_KINDS:
            continue
        word = _TXN_KINDS[stmt.node.kind]
        yield TRANSACTION_CONTROL_IN_MIGRATION.finding(
            ObjectRef("file", None, pf.rel),
            f"{word} inside a migration: the Supabase CLI already runs each file in one transaction; an "
            "explicit COMMIT/ROLLBACK ends it early, and the CLI can stop applying later statements and files",
            location=stmt_location(pf, stmt),
            evidence={"statement": word},
        )


def concurrent_operation(stmt: Statement) -> str | None:
    """The operation's name when the statement uses CONCURRENTLY, else None."""
    node, kind = stmt.node, stmt.kind
    if kind == "index_stmt" and node.concurrent:
        return "CREATE INDEX CONCURRENTLY"
    if kind == "drop_stmt" and node.concurrent:
        return "DROP INDEX CONCURRENTLY"
    if kind == "reindex_stmt" and any(p.def_elem.defname == "concurrently" for p in node.params):
        return "REINDEX CONCURRENTLY"
    if kind == "alter_table_stmt":
        for c in node.cmds:
            cmd = c.alter_table_cmd
            d = getattr(cmd, "def")
            if cmd.subtype == pb.AT_DetachPartition and d.WhichOneof("node") == "partition_cmd" and d.partition_cmd.concurrent:
                return "DETACH PARTITION CONCURRENTLY"
    return None


@rule(CONCURRENTLY_IN_MULTI_STATEMENT_FILE)
def check_concurrently(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    if len(pf.statements) < 2:
        return
    for stmt in pf.statements:
        op = concurrent_operation(stmt)
        if op is None:
            continue
        yield CONCURRENTLY_IN_MULTI_STATEMENT_FILE.finding(
            ObjectRef("file", None, pf.rel),
            f"{op} shares this file with {len(pf.statements) - 1} other statement(s): it cannot run inside the "
            "file's transaction, so recent Supabase CLIs run it on its own (the file is no longer atomic) "
            "and older ones fail",
            location=stmt_location(pf, stmt),
            evidence={"operation": op, "statements": len(pf.statements)},
        )


def _type_name(names: Any) -> str:
    items = [n.string.sval for n in names if n.WhichOneof("node") == "string"]
    return items[-1] if items else ""


@rule(ENUM_VALUE_USED_IN_SAME_FILE)
def check_enum_values(pf: ParsedFile, ctx: LintContext) -> Iterator[Finding]:
    added: list[tuple[int, str, str]] = []
    for i, stmt in enumerate(pf.statements):
        if stmt.kind == "alter_enum_stmt" and stmt.node.new_val:
            added.append((i, _type_name(stmt.node.type_name), stmt.node.new_val))
    for first, type_name, value in added:
        quoted = "'" + value.replace("'", "''") + "'"
        for stmt in pf.statements[first + 1:]:
            if stmt.kind in ("alter_enum_stmt", "comment_stmt") or quoted not in stmt.text:
                continue
            certain = any(
                _type_name(tc.type_name.names) == type_name
                and tc.arg.WhichOneof("node") == "a_const" and tc.arg.a_const.WhichOneof("val") == "sval"
                and tc.arg.a_const.sval.sval == value
                for tc in find_nodes(stmt.node, TypeCast)
            )
            if not certain and not any(
                c.WhichOneof("val") == "sval" and c.sval.sval == value for c in find_nodes(stmt.node, A_Const)
            ):
                continue
            how = f"'{value}'::{type_name}" if certain else f"the literal '{value}'"
            yield ENUM_VALUE_USED_IN_SAME_FILE.finding(
                ObjectRef("type", None, type_name),
                f"{how} is used in the migration that adds it to enum {type_name}: Postgres refuses a new enum "
                "value before its transaction commits (unsafe use of new value), and the file is one transaction"
                + ("" if certain else " (if this literal is of that enum)"),
                location=stmt_location(pf, stmt),
                level=Level.ERROR if certain else Level.WARN,
                evidence={"type": type_name, "value": value},
            )
            break
