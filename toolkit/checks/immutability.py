"""`--base REF`: migrations merged at REF must stay as they were, and new ones must come after them."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.checks.history import Entry, compare
from toolkit.errors import SupakitError, first_line
from toolkit.migrations import CLI_PATTERN, discover
from toolkit.model import Finding

if TYPE_CHECKING:
    from toolkit.project import Project

GIT_TIMEOUT = 60


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise SupakitError("git is not installed, so --base cannot be checked") from None
    except subprocess.TimeoutExpired:
        raise SupakitError(f"git {args[0]} did not answer within {GIT_TIMEOUT} s") from None


def _stderr(proc: subprocess.CompletedProcess[bytes]) -> str:
    return first_line(proc.stderr.decode("utf-8", "replace"), fallback=f"exit code {proc.returncode}")


def repo_root(project: Project) -> Path:
    proc = _git(["rev-parse", "--show-toplevel"], project.root)
    if proc.returncode != 0:
        raise SupakitError(f"{project.root} is not inside a git repository, so --base cannot be checked "
                           f"({_stderr(proc)})")
    return Path(proc.stdout.decode().strip())


def resolve_ref(root: Path, ref: str) -> str:
    if not ref or ref.startswith("-"):
        raise SupakitError(f"git ref {ref!r} is not valid")
    proc = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], root)
    if proc.returncode != 0:
        raise SupakitError(f"git ref {ref!r} does not exist (fetch it first, e.g. `git fetch origin main`)")
    return proc.stdout.decode().strip()


def entries_at(root: Path, commit: str, folder: str) -> list[Entry]:
    proc = _git(["ls-tree", "-z", commit, "--", f"{folder}/"], root)
    if proc.returncode != 0:
        raise SupakitError(f"git ls-tree failed: {_stderr(proc)}")
    out = []
    for record in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        kind, sha = meta.split()[1], meta.split()[2]
        name = path.rsplit("/", 1)[-1]
        if kind == "blob" and CLI_PATTERN.match(name):
            out.append(Entry(name, sha))
    return out


def entries_now(root: Path, paths: list[Path]) -> list[Entry]:
    """Blob ids as git would store the files now (its filters and line-ending rules applied)."""
    if not paths:
        return []
    proc = _git(["hash-object", "--stdin-paths"], root, "\n".join(str(p) for p in paths).encode())
    if proc.returncode != 0:
        raise SupakitError(f"git hash-object failed: {_stderr(proc)}")
    shas = proc.stdout.decode().split()
    return [Entry(p.name, sha) for p, sha in zip(paths, shas, strict=True)]


def head_commit(folder: Path) -> str | None:
    """The checked-out commit (short), with "+ changes" when files under `folder` differ from it;
    None outside a git checkout or without git. A report names the code it describes."""
    try:
        head = _git(["rev-parse", "--short=12", "HEAD"], folder)
        if head.returncode != 0:
            return None
        status = _git(["status", "--porcelain", "--", "."], folder)
    except SupakitError:
        return None
    commit = head.stdout.decode().strip()
    return f"{commit} + changes" if status.returncode == 0 and status.stdout.strip() else commit


def compare_with_base(project: Project, ref: str) -> tuple[list[Finding], frozenset[str]]:
    """The findings of `check_against_base`, and the migrations (project-relative paths) that
    are new or edited since `ref`: the change under review."""
    root = repo_root(project)
    commit = resolve_ref(root, ref)
    mdir = project.migrations_dir.resolve()
    try:
        folder = mdir.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise SupakitError(f"{mdir} is outside the git repository at {root}") from None
    before = entries_at(root, commit, folder)
    files = discover(project.migrations_dir, project.root).files
    now = entries_now(root, [mf.path.resolve() for mf in files])
    merged = {e.name: e.digest for e in before}
    changed = frozenset(mf.rel for mf, e in zip(files, now, strict=True) if merged.get(e.name) != e.digest)
    return compare(before, now, folder=project.rel(project.migrations_dir), source="git",
                   against=f"{ref} ({commit[:12]})"), changed


def check_against_base(project: Project, ref: str) -> list[Finding]:
    return compare_with_base(project, ref)[0]
