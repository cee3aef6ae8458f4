"""`supakit lint`: static rules over migration files, no database. Each file is read and parsed once;
squawk runs once over all of them, in the background while our own rules work."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import MigrationError, SupakitError
from toolkit.lint.ignores import apply_inline_ignores
from toolkit.lint.rules.files import MIGRATION_NOT_UTF8  # (and, with its package, every lint check)
from toolkit.lint.source import LintContext, ParsedFile
from toolkit.lint_settings import LintSettings, lint_settings
from toolkit.migrations import decode_sql, discover, read_bytes
from toolkit.model import Finding, Location, ObjectRef, Stage
from toolkit.registry import checks
from toolkit.rule_settings import SQUAWK

if TYPE_CHECKING:
    from toolkit.project import Project


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    statements: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def info(self) -> dict[str, object]:
        return {"command": "lint", "files": self.files, "statements": self.statements,
                "timings": {k: round(v, 4) for k, v in self.timings.items()}}


def collect_files(paths: Sequence[Path] | None, project: Project) -> list[Path]:
    """Explicit files and folders (their *.sql), or the project's migrations: the ones the
    Supabase CLI would apply, and the .sql files it would skip (a developer wrote them to run)."""
    if not paths:
        mdir = project.migrations_dir
        if not mdir.is_dir():
            raise MigrationError(f"{project.rel(mdir)}: no such folder (create a migration with `supakit new NAME`)")
        disc = discover(mdir, project.root)
        skipped = [project.root / rel for rel, _ in disc.skipped if rel.lower().endswith(".sql")]
        return [mf.path for mf in disc.files] + [p for p in skipped if p.is_file()]
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted((q for q in p.iterdir() if q.suffix == ".sql" and q.is_file()), key=lambda q: q.name.encode())
        elif p.is_file():
            out.append(p)
        else:
            raise SupakitError(f"{p}: no such file or folder")
    return out


def _read(path: Path, rel: str) -> tuple[str | None, bool, Finding | None]:
    """(text, had_bom, finding for a file we cannot decode)."""
    data = read_bytes(path, rel)
    text, problem = decode_sql(data)
    if problem is not None:
        line, col = problem.line, problem.column
        return None, False, MIGRATION_NOT_UTF8.finding(
            ObjectRef("file", None, rel),
            f"{rel}:{line}:{col}: not valid UTF-8 (byte 0x{problem.byte:02x}); nothing in it was checked",
            location=Location(rel, line, col))
    return text, data.startswith(b"\xef\xbb\xbf"), None


def lint_project(project: Project, paths: Sequence[Path] | None = None, *, squawk: bool | None = None,
                 squawk_binary: str | None = None, strict: frozenset[str] = frozenset()) -> LintResult:
    """Lint the files (or the migrations folder) as one history: a rule may read what later
    files do, except for the `strict` ones (project-relative paths), judged on their own."""
    from toolkit.lint.squawk import SquawkOptions, SquawkRun

    settings: LintSettings = lint_settings(project.settings)
    rules = project.rules
    use_squawk = settings.squawk if squawk is None else squawk
    ctx = LintContext(exposed_schemas=tuple(project.exposed_schemas), strict=strict)
    result = LintResult()
    t0 = time.perf_counter()
    files = [p.resolve() for p in collect_files(paths, project)]
    texts: list[tuple[Path, str, str, bool]] = []
    root = project.root.resolve()
    for path in files:
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
        text, bom, bad = _read(path, rel)
        if bad is not None:
            result.findings.append(bad)
        elif text is not None:
            texts.append((path, rel, text, bom))
    if files and not texts:
        raise MigrationError(result.findings[0].message if result.findings else "no file could be read")
    result.timings["read"] = time.perf_counter() - t0
    run = None
    if use_squawk:
        off = sorted(r for r in rules.disabled if r.startswith(SQUAWK))
        opts = SquawkOptions(exclude=settings.squawk_exclude + off, include=settings.squawk_include,
                             pg_version=project.config.major_version, binary=squawk_binary)
        run = SquawkRun([t[0] for t in texts], opts, project.root)
    try:
        t0 = time.perf_counter()
        parsed = [ParsedFile.parse(path, rel, text, had_bom=bom) for path, rel, text, bom in texts]
        ctx.files = tuple(parsed)
        result.timings["parse"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        per_file: dict[str, list[Finding]] = {pf.rel: [] for pf in parsed}
        enabled = [fn for info, fn in checks(Stage.LINT) if rules.enabled(info.id)]
        for pf in parsed:
            for fn in enabled:
                per_file[pf.rel].extend(fn(pf, ctx))
        result.timings["rules"] = time.perf_counter() - t0
        if run is not None:
            t0 = time.perf_counter()
            for f in run.findings(parsed):
                per_file[f.object.name].append(f)
            result.timings["squawk_wait"] = time.perf_counter() - t0
    except BaseException:
        if run is not None:
            run.cancel()
        raise
    for pf in parsed:
        found = per_file[pf.rel]
        apply_inline_ignores(pf, found)
        found.sort(key=lambda f: (f.location.line, f.location.column) if f.location else (0, 0))
        result.findings.extend(found)
    result.files = len(files)
    result.statements = sum(len(pf.statements) for pf in parsed)
    return result


def lint_paths(paths: Sequence[Path], project: Project) -> list[Finding]:
    """Findings for these files (or the project's migrations when `paths` is empty)."""
    return lint_project(project, paths).findings


__all__ = ["LintResult", "collect_files", "lint_paths", "lint_project"]
