"""Compare the migrations folder with an earlier, trusted list of (file name, content hash).

Both the git check (--base REF) and the lock file produce such a list; this module says what
changed: edited, renamed, deleted, or new files that sort before what was already there.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.checks import (
    MIGRATION_DELETED,
    MIGRATION_EDITED,
    MIGRATION_OUT_OF_ORDER,
    MIGRATION_RENAMED,
)
from toolkit.migrations import CLI_PATTERN
from toolkit.model import Finding, Location, ObjectRef
from toolkit.registry import RuleInfo


@dataclass(frozen=True)
class Entry:
    name: str  # file name inside supabase/migrations/
    digest: str  # any content hash, compared only with hashes of the same kind

    @property
    def version(self) -> str:
        m = CLI_PATTERN.match(self.name)
        return m.group(1) if m else ""


def _f(info: RuleInfo, rel: str, message: str, remediation: str, source: str, *, located: bool = True,
       **evidence: object) -> Finding:
    # The git base and the lock file may both see one change: one finding, both as evidence.
    return info.finding(ObjectRef("file", None, rel), message, remediation=remediation,
                        location=Location(rel, 1, 1) if located else None,
                        evidence={"source": source, **evidence}, cause=info.id)


def compare(before: list[Entry], now: list[Entry], *, folder: str, source: str, against: str) -> list[Finding]:
    """`folder` is the migrations folder relative to the project root; `against` names the trusted state."""
    findings: list[Finding] = []
    current = {e.name: e for e in now}
    old = {e.name: e for e in before}
    renamed_to: set[str] = set()
    keep = "Migrations that were merged may already be applied; change the schema with a new migration instead."
    for e in before:
        rel = f"{folder}/{e.name}"
        if e.name in current:
            if current[e.name].digest != e.digest:
                findings.append(_f(MIGRATION_EDITED, rel, f"{rel} differs from {against}", keep + " Restore it with "
                                   "`git checkout` (or re-lock with `supakit lock` if no database ever ran it).", source))
            continue
        fresh = [n for n in now if n.name not in old and n.name not in renamed_to]
        target = next((n for n in fresh if n.digest == e.digest), None) or next(
            (n for n in fresh if n.version and n.version == e.version), None)
        if target is not None:
            renamed_to.add(target.name)
            new_rel = f"{folder}/{target.name}"
            edited = "" if target.digest == e.digest else " and edited"
            findings.append(_f(MIGRATION_RENAMED, new_rel, f"{e.name} was renamed{edited} to {target.name} since "
                               f"{against}: databases that ran it record the old version", keep, source,
                               old_name=e.name))
        else:
            findings.append(_f(MIGRATION_DELETED, rel, f"{rel} was deleted since {against}: databases that ran it "
                               "now have history the repository cannot explain", keep + " Restore the file.",
                               source, located=False))
    newest = max((e.version for e in before if e.version), default="")
    for n in now:
        if n.name in old or n.name in renamed_to or not n.version:
            continue
        if newest and n.version <= newest:
            rel = f"{folder}/{n.name}"
            findings.append(_f(MIGRATION_OUT_OF_ORDER, rel, f"{rel} (version {n.version}) sorts before {newest}, "
                               f"the newest migration in {against}: databases already past it skip it or refuse "
                               "the push", "Give it a version after every merged migration: `supakit new NAME "
                               "--from-stdin < old.sql`, then delete the old file.", source, newest=newest))
    return findings
