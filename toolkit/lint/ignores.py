"""Inline `-- supakit-ignore: rule_a, rule_b -- reason` comments, applied to lint findings.

A comment inside a statement, or in the comments and blank lines just above it, covers that
statement. Findings that belong to no statement (file names, syntax errors, secrets in comments)
are covered by a comment on the same line or the line above.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from toolkit.lint.source import ParsedFile
from toolkit.model import Finding

MARKER = "supakit-ignore"
DIRECTIVE = re.compile(
    r"--[ \t]*supakit-ignore:[ \t]*(?P<rules>[A-Za-z0-9_/-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_/-]+)*)"
    r"(?:[ \t]*--[ \t]*(?P<reason>[^\r\n]*))?")


@dataclass(frozen=True)
class Directive:
    line: int
    rules: frozenset[str]
    reason: str

    def covers(self, rule: str) -> bool:
        return rule in self.rules

    def label(self, rel: str) -> str:
        return f"inline ignore at {rel}:{self.line}" + (f": {self.reason}" if self.reason else "")


def directives(pf: ParsedFile) -> list[Directive]:
    if MARKER not in pf.text:
        return []
    out = []
    for m in DIRECTIVE.finditer(pf.text):
        rules = frozenset(r.strip() for r in m.group("rules").split(","))
        line, _ = pf.src.line_col(m.start())
        out.append(Directive(line, rules, (m.group("reason") or "").strip()))
    return out


def _owner_line(pf: ParsedFile, line: int, starts: list[int]) -> int | None:
    """First line of the statement a directive on `line` belongs to."""
    stmt = pf.statement_at(line)
    if stmt is not None:
        return stmt.line
    i = bisect.bisect_right(starts, line)
    return starts[i] if i < len(starts) else None


def apply_inline_ignores(pf: ParsedFile, findings: list[Finding]) -> None:
    found = directives(pf)
    if not found:
        return
    starts = [s.line for s in pf.statements]
    by_statement: dict[int, list[Directive]] = {}
    by_line: dict[int, list[Directive]] = {}
    for d in found:
        owner = _owner_line(pf, d.line, starts)
        if owner is not None:
            by_statement.setdefault(owner, []).append(d)
        by_line.setdefault(d.line, []).append(d)
    for f in findings:
        if f.suppressed_by or f.location is None:
            continue
        stmt = pf.statement_at(f.location.line)
        candidates = by_statement.get(stmt.line, []) if stmt is not None else []
        candidates = [*candidates, *by_line.get(f.location.line, []), *by_line.get(f.location.line - 1, [])]
        hit = next((d for d in candidates if d.covers(f.rule)), None)
        if hit is not None:
            f.suppressed_by = hit.label(pf.rel)
