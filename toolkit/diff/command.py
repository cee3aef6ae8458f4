"""What `supakit diff` tells the user on stderr; the SQL and the report go to stdout."""

from __future__ import annotations

from toolkit.diff.run import DiffResult


def outcome(result: DiffResult, *, dry_run: bool, shown_path: str | None) -> list[str]:
    """The lines that say what happened, most important first."""
    if not result.changed:
        gaps = len(result.report.findings)
        if not gaps:
            return [f"No changes: {result.source} and supabase/migrations define the same schema."]
        return [f"No changes the differ can write; {gaps} it cannot (listed below): write them by hand."]
    count = f"{result.statements} statement{'' if result.statements == 1 else 's'}"
    lines = []
    if result.refused:
        lines.append(f"refused: {len(result.destructive)} statement(s) would lose data; nothing written. "
                     "Rerun with --allow-destructive to write them anyway:")
    elif result.destructive:
        lines.append(f"{len(result.destructive)} statement(s) lose data (written, --allow-destructive):")
    lines += [f"  line {d.location.line}: {d.why}\n      {d.statement}" for d in result.destructive]
    if shown_path is not None:
        lines.append(f"wrote {shown_path} ({count} from {result.source})")
    elif dry_run:
        lines.append(f"dry run: {count} from {result.source}; nothing written")
    lines += [f"note: {n}" for n in result.notes]
    if dry_run:
        lines += [f"warning: {f.location or f.object}: {f.message}. {f.remediation}"
                  for f in result.report.findings]
    return lines


__all__ = ["outcome"]
