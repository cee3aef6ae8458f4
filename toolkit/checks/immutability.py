"""Migrations merged at a base commit must stay as they were, and new ones must come after them.

The base is `--base REF`; without it, in a git checkout, the merge base of the branch a CI
pipeline says it merges into (`GITHUB_BASE_REF`, `CI_MERGE_REQUEST_TARGET_BRANCH_NAME`), else
`HEAD`, so an edit of a committed migration is caught before it is even committed."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.checks import MIGRATION_EDITED
from toolkit.checks.history import Entry, compare
from toolkit.errors import SupakitError, first_line
from toolkit.migrations import CLI_PATTERN, discover
from toolkit.model import Finding, Location
from toolkit.progress import Progress

if TYPE_CHECKING:
    from toolkit.project import Project

GIT_TIMEOUT = 60
# CI variables naming the branch a change is merged into, and the CI that sets them.
CI_TARGETS = (("GITHUB_BASE_REF", "GitHub"), ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "GitLab"))


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


def check_against_base(project: Project, ref: str) -> list[Finding]:
    return compare_with_base(project, ref)[0]


def compare_with_base(project: Project, ref: str) -> tuple[list[Finding], frozenset[str]]:
    """The findings of `check_against_base`, and the migrations (project-relative paths) that
    are new or edited since `ref`: the change under review."""
    root = repo_root(project)
    commit = resolve_ref(root, ref)
    return _compare_with(project, root, commit, _named(ref, commit))


def _named(ref: str, commit: str) -> str:
    """How a message names the base: the ref and its commit, the commit alone when the ref is one."""
    short = commit[:12]
    if re.fullmatch(r"[0-9a-fA-F]{4,40}", ref) and commit.lower().startswith(ref.lower()):
        return short
    return f"{ref} ({short})"


def _compare_with(project: Project, root: Path, commit: str, against: str) -> tuple[list[Finding], frozenset[str]]:
    mdir = project.migrations_dir.resolve()
    try:
        folder = mdir.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise SupakitError(f"{mdir} is outside the git repository at {root}") from None
    before = entries_at(root, commit, folder)
    files = discover(project.migrations_dir, project.root).files
    now = entries_now(root, [mf.path.resolve() for mf in files])
    findings = compare(before, now, folder=project.rel(project.migrations_dir), source="git", against=against)
    blobs = {e.name: e.digest for e in before}
    changed = frozenset(mf.rel for mf, e in zip(files, now, strict=True) if blobs.get(e.name) != e.digest)
    paths = {mf.rel: mf.path for mf in files}
    for f in findings:
        if f.rule == MIGRATION_EDITED.id and f.object.name in paths:
            old = blobs.get(paths[f.object.name].name)
            line = _first_changed_line(root, old, paths[f.object.name]) if old else None
            if line is not None:
                f.location = Location(f.object.name, line, 1)
    return findings, changed


def _first_changed_line(root: Path, blob: str, path: Path) -> int | None:
    """The first line of `path` that differs from the blob it had (line endings aside)."""
    proc = _git(["cat-file", "blob", blob], root)
    if proc.returncode != 0:
        return None
    try:
        now = path.read_bytes().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    then = proc.stdout.decode("utf-8", "replace").splitlines()
    n = next((i for i, (a, b) in enumerate(zip(then, now, strict=False)) if a != b), min(len(then), len(now)))
    return max(1, min(n + 1, len(now)))


@dataclass
class HistoryCheck:
    """What the immutability check compared with, its findings, and what the user should know."""

    findings: list[Finding] = field(default_factory=list)
    info: dict[str, str] = field(default_factory=dict)
    # Migrations (project-relative paths) new or edited since the base: the change under review.
    changed: frozenset[str] = frozenset()
    warnings: list[str] = field(default_factory=list)


def check_history(project: Project, base: str | None, progress: Progress,
                  env: Mapping[str, str] | None = None) -> HistoryCheck:
    """`--base REF` when given (its errors are the user's to fix); else the default base, which
    quietly does nothing outside a git checkout."""
    out = HistoryCheck()
    if base:
        progress(f"comparing migrations with {base}")
        out.findings, out.changed = compare_with_base(project, base)
        out.info["history_base"] = base
        return out
    try:
        root = repo_root(project)
    except SupakitError:
        return out
    head = _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], root)
    if head.returncode != 0:
        return out  # a repository without commits: nothing is merged yet
    commit, against = head.stdout.decode().strip(), ""
    target = _ci_target(root, os.environ if env is None else env, out)
    if target is not None:
        commit, against = target
    else:
        against = f"the last commit ({commit[:12]})"
    progress(f"comparing migrations with {against}")
    out.findings, out.changed = _compare_with(project, root, commit, against)
    out.info["history_base"] = against
    return out


def _ci_target(root: Path, env: Mapping[str, str], out: HistoryCheck) -> tuple[str, str] | None:
    """(merge base commit, its name) of the branch CI says this change merges into."""
    for var, ci in CI_TARGETS:
        branch = env.get(var, "").strip()
        if not branch or branch.startswith("-"):
            continue
        for ref in (f"origin/{branch}", branch):
            proc = _git(["merge-base", "HEAD", "--end-of-options", ref], root)
            if proc.returncode == 0:
                commit = proc.stdout.decode().strip()
                return commit, f"the merge base with {ref} ({commit[:12]})"
        out.warnings.append(f"{ci} says this change merges into {branch}, but neither origin/{branch} nor "
                            f"{branch} is in this checkout, so migrations were only compared with HEAD "
                            f"(fetch the branch, e.g. `git fetch origin {branch}`, or check out with "
                            "fetch-depth: 0)")
        return None
    return None
