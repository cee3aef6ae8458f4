"""Indexes: foreign keys and policy columns without one, duplicates, prefix-redundant ones,
tables without a primary key."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from toolkit.audit.context import AuditContext, fmt_list
from toolkit.facts import index_ref, table_ref
from toolkit.model import (
    Category,
    Cause,
    Finding,
    Index,
    Level,
    ObjectRef,
    Policy,
    Table,
    quote_ident,
)
from toolkit.registry import RuleInfo, Stage, rule

UNINDEXED_FOREIGN_KEY = RuleInfo(
    id="unindexed_foreign_key", level=Level.INFO, category=Category.PERFORMANCE,
    summary="A foreign key whose columns lead no index; warn when a policy reads them.",
    stage=Stage.AUDIT,
    advisors=("0001_unindexed_foreign_keys",))
POLICY_COLUMN_UNINDEXED = RuleInfo(
    id="policy_column_unindexed", level=Level.WARN, category=Category.PERFORMANCE,
    summary="A column a policy compares with the caller leads no index: every request scans the table.",
    stage=Stage.AUDIT)
DUPLICATE_INDEX = RuleInfo(
    id="duplicate_index", level=Level.WARN, category=Category.PERFORMANCE,
    summary="Two indexes with the same definition on one table.",
    stage=Stage.AUDIT,
    advisors=("0009_duplicate_index",))
REDUNDANT_INDEX = RuleInfo(
    id="redundant_index", level=Level.INFO, category=Category.PERFORMANCE,
    summary="An index whose key columns lead another index of the same kind on the same table.",
    stage=Stage.AUDIT)
NO_PRIMARY_KEY = RuleInfo(
    id="no_primary_key", level=Level.INFO, category=Category.HYGIENE,
    summary="A table without a primary key; warn when the Data API exposes it.",
    stage=Stage.AUDIT,
    advisors=("0004_no_primary_key",))

_INDEX_NAME = re.compile(r'^(CREATE (?:UNIQUE )?INDEX )(?:"(?:[^"]|"")*"|\S+)( ON )')
_LOOKUP_METHODS = ("btree", "hash")


def _full(i: Index) -> bool:
    """Valid and not partial: usable for any lookup on its leading columns."""
    return i.valid and i.predicate is None


def leads(table: Table, columns: tuple[str, ...], without: Index | None = None) -> bool:
    """Some full index (other than `without`) starts with exactly these columns, in any order."""
    n = len(columns)
    want = set(columns)
    for i in table.indexes:
        if i is without or not _full(i) or i.method not in _LOOKUP_METHODS or len(i.columns) < n:
            continue
        if set(i.columns[:n]) == want:
            return True
    return False


def _index_name(t: Table, cols: tuple[str, ...]) -> str:
    return quote_ident(f"{t.name}_{'_'.join(cols)}_idx"[:63])


@rule(UNINDEXED_FOREIGN_KEY)
def unindexed_foreign_key(ctx: AuditContext) -> Iterator[Finding]:
    for t in ctx.user_tables():
        for fk in t.foreign_keys:
            if fk.inherited or leads(t, fk.columns):
                continue
            readers = []
            for p in t.policies:
                using, check = ctx.clauses(p)
                if set(fk.columns) & (using.columns | check.columns):
                    readers.append(p.name)
            level = Level.WARN if readers else Level.INFO
            cols = ", ".join(quote_ident(c) for c in fk.columns)
            extra = f"; policies {fmt_list(readers)} filter on it" if readers else ""
            yield UNINDEXED_FOREIGN_KEY.finding(
                ObjectRef("constraint", t.schema, fk.name, parent=t.identity),
                f"foreign key {fk.name} on {t.identity} ({', '.join(fk.columns)}) → "
                f"{fk.ref_table} has no index leading with its columns: joins and deletes on "
                f"{fk.ref_table} scan {t.identity}{extra}",
                remediation=f"create index {_index_name(t, fk.columns)} on {t.identity} ({cols});",
                location=ctx.locate.foreign_key(t, fk), level=level,
                evidence={"columns": list(fk.columns), "references": fk.ref_table,
                          "policies": sorted(readers)},
                cause=Cause.missing_index(fk.columns),
            )


@rule(POLICY_COLUMN_UNINDEXED)
def policy_column_unindexed(ctx: AuditContext) -> Iterator[Finding]:
    """Own columns compared with the caller, and columns of other tables that a policy's
    membership subquery compares with the caller (`members.user_id = auth.uid()`)."""
    by_name = {(t.schema, t.name): t for t in ctx.user_tables()}
    wanted: dict[tuple[str, str], dict[str, list[Policy]]] = defaultdict(lambda: defaultdict(list))
    for t in ctx.user_tables():
        if not t.rls:
            continue
        for p in t.policies:
            for facts in ctx.clauses(p):
                for col in facts.caller_columns:
                    wanted[(t.schema, t.name)][col].append(p)
                for other, col in facts.other_caller_columns:
                    schema, _, name = other.rpartition(".")
                    if (schema or "public", name) in by_name:
                        wanted[(schema or "public", name)][col].append(p)
    for key in sorted(wanted):
        t = by_name[key]
        for col, policies in sorted(wanted[key].items()):
            if t.column(col) is None or leads(t, (col,)):
                continue
            names = sorted({p.identity for p in policies})
            locs = [loc for loc in (ctx.locate.policy(p) for p in policies) if loc is not None]
            yield POLICY_COLUMN_UNINDEXED.finding(
                ObjectRef("column", t.schema, f"{t.name}.{col}", parent=t.identity),
                f"column {col} of {t.identity} is compared with the caller by policy "
                f"{fmt_list(names)} but no index starts with it: every API request scans the table",
                remediation=f"create index {_index_name(t, (col,))} on {t.identity} "
                            f"({quote_ident(col)});",
                location=min(locs, key=lambda loc: (loc.file, loc.line)) if locs
                else ctx.locate.table(t),
                evidence={"column": col, "policies": names}, cause=Cause.missing_index((col,)),
            )


def _normalized(definition: str) -> str:
    return _INDEX_NAME.sub(r"\1\2", definition, count=1)


def _created(ctx: AuditContext, t: Table, i: Index) -> tuple[str, int, int]:
    loc = ctx.locate.created("index", i.identity)
    return (loc.file, loc.line, loc.column) if loc else ("\uffff", 0, 0)


@rule(DUPLICATE_INDEX)
def duplicate_index(ctx: AuditContext) -> Iterator[Finding]:
    """The index kept is the primary key, else one backing a constraint, else the oldest."""
    for t in ctx.user_tables("rpm"):
        groups: dict[str, list[Index]] = defaultdict(list)
        for i in t.indexes:
            if i.definition:
                groups[_normalized(i.definition)].append(i)
        for same in groups.values():
            if len(same) < 2:
                continue
            keep, *extra = sorted(same, key=lambda i: (not i.primary, i.constraint is None,
                                                       _created(ctx, t, i), i.name))
            for i in extra:
                drop = (f"alter table {t.identity} drop constraint {quote_ident(i.constraint)};"
                        if i.constraint else
                        f"drop index {quote_ident(t.schema)}.{quote_ident(i.name)};")
                yield DUPLICATE_INDEX.finding(
                    index_ref(t, i),
                    f"index {i.name} on {t.identity} duplicates {keep.name}: every write "
                    "maintains both and neither speeds up anything the other does not",
                    remediation=drop,
                    location=ctx.locate.index(t, i),
                    evidence={"duplicate_of": keep.name, "definition": i.definition},
                )


@rule(REDUNDANT_INDEX)
def redundant_index(ctx: AuditContext) -> Iterator[Finding]:
    for t in ctx.user_tables("rpm"):
        for a in t.indexes:
            if a.unique or a.constraint or not a.valid or a.method != "btree" \
                    or not a.columns or None in a.columns or a.include:
                continue
            n = len(a.columns)
            wider = next((b for b in t.indexes
                          if b is not a and b.valid and b.method == a.method
                          and b.predicate == a.predicate and len(b.columns) > n
                          and b.columns[:n] == a.columns), None)
            if wider is None:
                continue
            yield REDUNDANT_INDEX.finding(
                index_ref(t, a),
                f"index {a.name} on {t.identity} ({', '.join(c or '?' for c in a.columns)}) is a "
                f"leading prefix of {wider.name} "
                f"({', '.join(c or '(expression)' for c in wider.columns)}), which serves the "
                "same lookups",
                remediation=f"drop index {quote_ident(t.schema)}.{quote_ident(a.name)};",
                location=ctx.locate.index(t, a),
                evidence={"covered_by": wider.name, "columns": list(a.columns)},
            )


@rule(NO_PRIMARY_KEY)
def no_primary_key(ctx: AuditContext) -> Iterator[Finding]:
    for t in ctx.user_tables():
        if t.partition_of or any(i.primary for i in t.indexes):
            continue
        exposed = ctx.exposure.exposed(t)
        level = Level.WARN if exposed else Level.INFO
        why = ("the Data API cannot address single rows for update and delete, and Realtime "
               "cannot send old values" if exposed else "rows cannot be addressed reliably")
        yield NO_PRIMARY_KEY.finding(
            table_ref(t),
            f"table {t.identity} has no primary key: {why}",
            remediation=f"alter table {t.identity} add column id bigint generated always as "
                        "identity primary key;\n-- or: alter table ... add primary key (<unique "
                        "not-null columns>);",
            location=ctx.locate.table(t), level=level,
            evidence={"exposed": exposed},
        )
