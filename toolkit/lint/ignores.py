"""Inline `-- supakit-ignore: rule -- reason` comments for lint findings, so `lint_paths` callers
get the same answer as the CLI. The syntax and scope are `toolkit.suppress`'s; the CLI's report
step later counts these comments as used and reports broken ones."""

from __future__ import annotations

from toolkit.lint.source import ParsedFile
from toolkit.model import Finding

MARKER = "supakit-ignore"


def apply_inline_ignores(pf: ParsedFile, findings: list[Finding]) -> None:
    if MARKER not in pf.text:
        return
    from toolkit.suppress import SourceFile

    src = SourceFile(pf.rel, pf.text)
    whole = src.file_directives()
    for f in findings:
        if f.location is None or f.suppressed_by:
            continue
        for d in whole + src.statement_directives(f.location.line):
            if f.rule in d.rules and d.reason:
                f.suppressed_by = "inline"
                break
