"""The audit: pure rules over a catalog Snapshot, plus the RLS coverage matrix. No database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from toolkit.audit import rules  # noqa: F401  (registers the audit checks)
from toolkit.audit.context import AuditContext
from toolkit.audit.coverage import coverage_matrix, coverage_tables
from toolkit.facts import Facts
from toolkit.model import CoverageCell, Finding, Snapshot, SourceMap, Stage
from toolkit.registry import checks


@dataclass
class AuditResult:
    findings: list[Finding] = field(default_factory=list)
    coverage: list[CoverageCell] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


def audit_snapshot(snapshot: Snapshot, source_map: SourceMap | None = None,
                   settings: dict[str, Any] | None = None, *, facts: Facts | None = None) -> AuditResult:
    """Run every audit rule and build the coverage matrix. `facts` are the run's, when the
    pipeline already computed them for this snapshot."""
    ctx = AuditContext(facts or Facts(snapshot, source_map), settings or {})
    findings = [f for _, check in checks(Stage.AUDIT) for f in check(ctx)]
    findings.sort(key=lambda f: (f.rule, str(f.object), f.message))
    coverage = coverage_matrix(ctx)
    tables = coverage_tables(ctx)
    info = {
        "exposed_tables": len(tables),
        "exposed_tables_reachable": sum(1 for t in tables if ctx.exposure.exposed(t)),
        "tables": len(ctx.user_tables()),
        "policies": sum(len(t.policies) for t in ctx.user_tables()),
        "functions": len(ctx.user_functions()),
        "snapshot_queries": snapshot.query_count,
    }
    return AuditResult(findings=findings, coverage=coverage, info=info)


__all__ = ["AuditResult", "audit_snapshot"]
