"""supabase/migrations.lock: the migrations' hashes, checked without git.

Each line's chain hash covers its own file and every line above it, and the `total` line near the
top is the last chain hash. Two branches that each add a migration both change `total`, so git
reports a merge conflict instead of silently interleaving their migrations.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.checks import LOCK_MISMATCH
from toolkit.checks.history import Entry, compare
from toolkit.errors import MigrationError
from toolkit.migrations import discover
from toolkit.model import Finding, Level, Location, ObjectRef

if TYPE_CHECKING:
    from toolkit.project import Project

LOCK_NAME = "migrations.lock"
FORMAT = "supakit-lock-v1"
HEADER = (
    "# supakit migrations lock: written by `supakit lock`, checked by `supakit check`. Do not edit.\n"
    "# A merge conflict on `total` means two branches added migrations: rebase, re-run `supakit lock`.\n"
)
_LINE = re.compile(r"^(?P<name>\S+) sha256:(?P<digest>[0-9a-f]{64}) chain:(?P<chain>[0-9a-f]{64})$")
_TOTAL = re.compile(r"^total (?P<chain>[0-9a-f]{64})$")


@dataclass(frozen=True)
class LockLine:
    name: str
    digest: str
    chain: str


def lock_path(project: Project) -> Path:
    return project.supabase_dir / LOCK_NAME


def _chain(previous: str, name: str, digest: str) -> str:
    return hashlib.sha256(f"{previous}\0{name}\0{digest}".encode()).hexdigest()


def _seed() -> str:
    return hashlib.sha256(FORMAT.encode()).hexdigest()


def build_lines(project: Project) -> list[LockLine]:
    mdir = project.migrations_dir
    if not mdir.is_dir():
        raise MigrationError(f"{project.rel(mdir)}: no such folder")
    chain, out = _seed(), []
    for mf in discover(mdir, project.root).files:
        digest = mf.checksum()
        chain = _chain(chain, mf.path.name, digest)
        out.append(LockLine(mf.path.name, digest, chain))
    return out


def render(lines: list[LockLine]) -> str:
    total = lines[-1].chain if lines else _seed()
    body = "".join(f"{ln.name} sha256:{ln.digest} chain:{ln.chain}\n" for ln in lines)
    return f"{HEADER}total {total}\n{body}"


def write_lock(project: Project) -> tuple[Path, int]:
    lines = build_lines(project)
    path = lock_path(project)
    try:
        path.write_text(render(lines), encoding="utf-8", newline="\n")
    except OSError as e:
        raise MigrationError(f"{project.rel(path)}: cannot write: {e.strerror}") from None
    return path, len(lines)


def _mismatch(project: Project, message: str, remediation: str, *, line: int = 1,
              level: Level | None = None) -> Finding:
    rel = project.rel(lock_path(project))
    return LOCK_MISMATCH.finding(ObjectRef("file", None, rel), message, remediation=remediation,
                                 location=Location(rel, line, 1), evidence={"source": "lock"},
                                 level=level)


def read_lock(project: Project) -> tuple[list[LockLine], str | None, list[Finding]]:
    """(lines, recorded total, problems with the file itself)."""
    path = lock_path(project)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise MigrationError(f"{project.rel(path)}: cannot read: {e}") from None
    lines, total, problems = [], None, []
    relock = "Resolve it by running `supakit lock` on the merged migrations folder."
    for no, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        if m := _TOTAL.match(raw):
            total = m.group("chain")
        elif m := _LINE.match(raw):
            lines.append(LockLine(m.group("name"), m.group("digest"), m.group("chain")))
        else:
            conflict = raw.startswith(("<<<<<<<", "=======", ">>>>>>>"))
            what = "an unresolved git merge conflict" if conflict else f"an unreadable line: {raw[:60]!r}"
            problems.append(_mismatch(project, f"{project.rel(path)}:{no} holds {what}", relock, line=no,
                                      level=Level.ERROR))
    chain = _seed()
    for ln in lines:
        chain = _chain(chain, ln.name, ln.digest)
        if chain != ln.chain:
            problems.append(_mismatch(project, f"the chain hash of {ln.name} in the lock file is wrong: the file "
                                      "was edited by hand or a merge interleaved two branches", relock,
                                      level=Level.ERROR))
            break
    if total is not None and lines and total != lines[-1].chain:
        problems.append(_mismatch(project, "the lock file's total does not match its last line", relock,
                                  level=Level.ERROR))
    return lines, total, problems


def check_lock(project: Project) -> list[Finding]:
    """Nothing when there is no lock file: it is opt-in (`supakit lock`)."""
    if not lock_path(project).is_file():
        return []
    locked, _, findings = read_lock(project)
    files = discover(project.migrations_dir, project.root).files
    now = [Entry(mf.path.name, mf.checksum()) for mf in files]
    rel_lock = project.rel(lock_path(project))
    folder = project.rel(project.migrations_dir)
    findings += compare([Entry(ln.name, ln.digest) for ln in locked], now, folder=folder, source="lock",
                        against=rel_lock)
    locked_names = {ln.name for ln in locked}
    flagged = {f.object.name for f in findings}
    for e in now:
        rel = f"{folder}/{e.name}"
        if e.name not in locked_names and rel not in flagged:
            findings.append(_mismatch(project, f"{rel} is not recorded in {rel_lock}",
                                      "Run `supakit lock` and commit the lock file with the migration."))
    return findings
