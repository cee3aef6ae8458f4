"""Runtime statistics of a live database (`supakit audit --db-url`): indexes no query has used,
tables mostly made of dead space, extensions behind the version the server offers.

A throwaway database has served no traffic and runs this machine's extension packages, not
Supabase's, so these rules stay quiet unless the snapshot read real statistics.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from toolkit.audit.context import AuditContext
from toolkit.audit.rules.indexes import leads
from toolkit.facts import index_ref, table_ref
from toolkit.model import Category, Finding, Index, Level, ObjectRef, Table, TableStats, quote_ident
from toolkit.registry import RuleInfo, Stage, rule

UNUSED_INDEX = RuleInfo(
    id="unused_index", level=Level.INFO, category=Category.PERFORMANCE,
    summary="A live database has never scanned this index since its statistics were reset.",
    stage=Stage.AUDIT,
    advisors=("0005_unused_index",))
TABLE_BLOAT = RuleInfo(
    id="table_bloat", level=Level.INFO, category=Category.PERFORMANCE,
    summary="Most of a live table's pages are empty space (at least 20 MiB of it).",
    stage=Stage.AUDIT,
    advisors=("0020_table_bloat",))
EXTENSION_OUTDATED = RuleInfo(
    id="extension_outdated", level=Level.WARN, category=Category.HYGIENE,
    summary="An installed extension is older than the version the live server can update it to.",
    stage=Stage.AUDIT,
    advisors=("0022_extension_versions_outdated",))

# A heap row costs its 23-byte header padded to 24, its data padded to 8, and a 4-byte line
# pointer; a page loses 24 bytes to its header and keeps (100 - fillfactor)% free for updates.
ROW_OVERHEAD = 24 + 4
PAGE_HEADER = 24
BLOAT_MIN_BYTES = 20 * 1024 * 1024
BLOAT_MIN_SHARE = 0.5


def _since(ctx: AuditContext) -> str:
    since = ctx.snapshot.stats_since
    return f"since {since}" if since else "since statistics began"


def _needed(ctx: AuditContext, t: Table, i: Index) -> str | None:
    """What would lose its only index if `i` went: a foreign key, or a column policies compare
    with the caller (unindexed_foreign_key and policy_column_unindexed would then fire)."""
    for fk in t.foreign_keys:
        if not fk.inherited and leads(t, fk.columns) and not leads(t, fk.columns, without=i):
            return f"foreign key {fk.name}"
    for p in t.policies:
        for clause in ctx.clauses(p):
            for col in sorted(clause.caller_columns):
                if leads(t, (col,)) and not leads(t, (col,), without=i):
                    return f"policy {p.name!r} (column {col})"
    return None


@rule(UNUSED_INDEX)
def unused_index(ctx: AuditContext) -> Iterator[Finding]:
    """Unique and constraint indexes enforce something and stay; an index that is the only one
    serving a foreign key or a policy column stays too (dropping it trades a write cost for a
    scan on every delete of the parent or every API request)."""
    if not ctx.snapshot.statistics:
        return
    for t in ctx.user_tables("rm"):
        for i in t.indexes:
            if i.scans != 0 or i.unique or i.primary or i.constraint or not i.valid:
                continue
            if _needed(ctx, t, i):
                continue
            yield UNUSED_INDEX.finding(
                index_ref(t, i),
                f"index {i.name} on {t.identity} has not been scanned {_since(ctx)}: every write "
                "to the table still maintains it",
                remediation=f"drop index concurrently {quote_ident(t.schema)}.{quote_ident(i.name)};"
                            "\n-- first check that the statistics cover your busiest period, and "
                            "read replicas, which count their own scans",
                location=ctx.locate.index(t, i),
                evidence={"scans": 0, "since": ctx.snapshot.stats_since, "definition": i.definition},
            )


def expected_pages(stats: TableStats, block_size: int) -> int:
    """Pages the live rows would fill if the table were freshly written."""
    width = 8 * math.ceil((stats.row_width or 0) / 8)
    usable = (block_size - PAGE_HEADER) * stats.fillfactor / 100
    return math.ceil(max(stats.tuples, 0) * (ROW_OVERHEAD + width) / usable)


@rule(TABLE_BLOAT)
def table_bloat(ctx: AuditContext) -> Iterator[Finding]:
    """An estimate from ANALYZE's row count and widths; TOAST storage is not counted."""
    if not ctx.snapshot.statistics:
        return
    block = ctx.snapshot.block_size
    for t in ctx.user_tables("rm"):
        s = t.stats
        if s is None or s.tuples < 0 or s.row_width is None or s.pages == 0:
            continue
        waste = (s.pages - expected_pages(s, block)) * block
        share = waste / (s.pages * block)
        if waste < BLOAT_MIN_BYTES or share < BLOAT_MIN_SHARE:
            continue
        mib = waste / (1024 * 1024)
        yield TABLE_BLOAT.finding(
            table_ref(t),
            f"{t.identity} takes {s.pages * block / (1024 * 1024):.0f} MiB, of which about "
            f"{mib:.0f} MiB ({share:.0%}) hold no live row: scans read the empty pages too",
            remediation=f"vacuum full {t.identity};  -- rewrites the table under an exclusive lock\n"
                        "-- without the lock: pg_repack; and check why autovacuum fell behind "
                        "(long transactions, mass deletes)",
            location=ctx.locate.table(t),
            evidence={"pages": s.pages, "rows": s.tuples, "row_width": s.row_width,
                      "wasted_bytes": waste, "share": round(share, 3)},
        )


@rule(EXTENSION_OUTDATED)
def extension_outdated(ctx: AuditContext) -> Iterator[Finding]:
    if not ctx.snapshot.statistics:
        return
    for ext in ctx.snapshot.extensions:
        if not ext.default_version:
            continue
        yield EXTENSION_OUTDATED.finding(
            ObjectRef("extension", None, ext.name),
            f"extension {ext.name} is at version {ext.version}; the server can update it to "
            f"{ext.default_version}, which may carry fixes",
            remediation=f"alter extension {quote_ident(ext.name)} update;",
            location=ctx.locate.created("extension", quote_ident(ext.name)),
            evidence={"installed": ext.version, "available": ext.default_version},
        )
