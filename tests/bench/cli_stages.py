"""Process-level timings that need no database: `supakit --help` and `supakit lint` throughput."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.gen_migrations import generate
from tests.bench.stages import SUPAKIT
from tests.bench.timing import Timing, repeat, run_process


def startup(repeats: int) -> Timing:
    timing, _ = repeat(lambda: run_process([SUPAKIT, "--help"]), repeats)
    return timing


@dataclass
class LintResult:
    files: int = 0
    lines: int = 0
    statements: int = 0
    timings: dict[str, Timing] = field(default_factory=dict)


def lint(root: Path, repeats: int, lines: int = 20_000) -> LintResult:
    """`supakit lint` as a process, with and without squawk, plus our own rules in-process."""
    from toolkit.lint import lint_project
    from toolkit.project import find_project

    paths = generate(root, lines)
    project = find_project(root)
    out = LintResult(files=len(paths), lines=sum(p.read_text().count("\n") for p in paths))
    base = [SUPAKIT, "lint", "--project-dir", str(root), "--format", "json", "--output", os.devnull,
            "--fail-on", "never"]
    out.timings["process"], _ = repeat(lambda: run_process(base), repeats)
    out.timings["process_no_squawk"], _ = repeat(lambda: run_process([*base, "--no-squawk"]), repeats)
    lint_project(project, squawk=False)  # imports and caches warm, as in a long-lived process
    out.timings["in_process"], own = repeat(lambda: lint_project(project, squawk=False), repeats)
    out.statements = own.statements
    return out
