"""What every renderer shares: finding order, summary counts, matrix layout and paths.

Keeping these in one place makes the formats agree with each other: the same finding order, the
same counts and the same status words everywhere.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.model import CoverageCell, Finding, Level, RunResult

LEVELS = (Level.ERROR, Level.WARN, Level.INFO)
COMMANDS = ("select", "insert", "update", "delete")
COMMAND_LETTER = {"select": "S", "insert": "I", "update": "U", "delete": "D"}
API_ROLES = ("anon", "authenticated")

# A short, fixed-width word per coverage status, so a matrix row reads at a glance.
STATUS_SHORT = {
    "no grant": "-",
    "denied": "deny",
    "row-scoped": "row",
    "owner-scoped": "row",
    "predicate": "pred",
    "open": "OPEN",
    "no RLS": "NORLS",
}
STATUS_LEGEND = (
    "- no grant · deny RLS on, no policy · row row-scoped · pred other predicate · "
    "OPEN policy is true · NORLS RLS off"
)


def short_status(status: str) -> str:
    return STATUS_SHORT.get(status, status)


def sort_key(f: Finding) -> tuple[Any, ...]:
    loc = f.location
    return (
        loc is None,
        loc.file if loc else "",
        loc.line if loc else 0,
        loc.column if loc else 0,
        f.rule,
        str(f.object),
        f.message,
    )


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=sort_key)


def active(report: RunResult) -> list[Finding]:
    return sorted_findings(report.active())


def suppressed(report: RunResult) -> list[Finding]:
    return sorted_findings(f for f in report.findings if f.suppressed_by)


@dataclass(frozen=True)
class Summary:
    error: int
    warn: int
    info: int
    suppressed: int
    tables: int
    incomplete: bool

    def counts(self) -> dict[str, int]:
        return {"error": self.error, "warn": self.warn, "info": self.info}

    def phrase(self) -> str:
        """"2 errors, 1 warning, 0 info, 3 suppressed"."""
        parts = [plural(self.error, "error"), plural(self.warn, "warning"), f"{self.info} info"]
        if self.suppressed:
            parts.append(f"{self.suppressed} suppressed")
        return ", ".join(parts)


def summarize(report: RunResult) -> Summary:
    act = report.active()
    return Summary(
        error=sum(f.level is Level.ERROR for f in act),
        warn=sum(f.level is Level.WARN for f in act),
        info=sum(f.level is Level.INFO for f in act),
        suppressed=len(report.findings) - len(act),
        tables=len(matrix_rows(report.coverage)),
        incomplete=report.incomplete,
    )


def probe_phrase(info: dict[str, Any]) -> str | None:
    """"probed 28 of 30 tables, 11 of 12 functions, 1 bucket" — or None when the probe did
    not run."""
    probe = info.get("probe")
    if not isinstance(probe, dict) or probe.get("disabled") or "tables_probed" not in probe:
        return None
    text = f"probed {probe['tables_probed']} of {probe.get('tables_exposed', probe['tables_probed'])} tables"
    if probe.get("functions_exposed"):
        text += f", {probe.get('functions_probed', 0)} of {plural(int(probe['functions_exposed']), 'function')}"
    buckets = probe.get("buckets_probed")
    if buckets:
        text += f", {plural(int(buckets), 'bucket')}"
    return text


def suppression_kind(f: Finding) -> str:
    """inline | config | baseline; a stage may add detail after the kind ("inline ignore at ...")."""
    return (f.suppressed_by or "").split(" ", 1)[0]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def group_key(f: Finding) -> str:
    """The table a finding belongs to (policies and indexes sit under their table), else the object."""
    return f.object.owner


def grouped(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings by the object they are filed under, errors first within each (then in file
    order); groups by name, those without a place in the files last."""
    groups: dict[str, list[Finding]] = {}
    for f in sorted_findings(findings):
        groups.setdefault(group_key(f), []).append(f)
    return sorted(((key, sorted(items, key=lambda f: -f.level.rank)) for key, items in groups.items()),
                  key=lambda kv: (all(f.location is None for f in kv[1]), kv[0]))


def grouped_worst_first(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    """`grouped`, with the groups ordered by their worst finding."""
    return sorted(grouped(findings), key=lambda kv: -kv[1][0].level.rank)


def matrix_roles(cells: Iterable[CoverageCell]) -> list[str]:
    seen = {c.role for c in cells}
    return [r for r in API_ROLES if r in seen] + sorted(seen - set(API_ROLES))


def matrix_rows(cells: Iterable[CoverageCell]) -> dict[str, dict[tuple[str, str], CoverageCell]]:
    """`schema.table` → (role, command) → cell, tables in name order."""
    rows: dict[str, dict[tuple[str, str], CoverageCell]] = {}
    for c in cells:
        rows.setdefault(f"{c.schema}.{c.table}", {})[(c.role, c.command)] = c
    return dict(sorted(rows.items()))


def row_label(name: str, cells: dict[tuple[str, str], CoverageCell]) -> str:
    """The table's name, marked when only GraphQL serves it (its schema is not exposed over REST
    but is on the search path of pg_graphql's requests)."""
    if cells and all(c.surfaces == ("graphql",) for c in cells.values()):
        return f"{name} (GraphQL only)"
    return name


def sorted_cells(cells: Iterable[CoverageCell]) -> list[CoverageCell]:
    role_order = {r: i for i, r in enumerate(API_ROLES)}
    cmd_order = {c: i for i, c in enumerate(COMMANDS)}
    return sorted(
        cells,
        key=lambda c: (c.schema, c.table, role_order.get(c.role, 99), c.role,
                       cmd_order.get(c.command, 99), c.command),
    )


def failures(report: RunResult) -> list[str]:
    return [str(x) for x in report.info.get("failures") or []]


def stopped(report: RunResult) -> str | None:
    """Why the run stopped before the end, unless that is the failed migration `failures` lists."""
    if report.error is None or any(report.error.startswith(x) for x in failures(report)):
        return None
    return report.error


def incomplete_headline(report: RunResult) -> tuple[str, str]:
    """(title, sentence) for the top of a report whose run did not see the whole schema."""
    if failures(report):
        return ("The database is incomplete", "migrations failed to apply, so this audit only covers "
                "what applied before the failure" + ("" if report.error is None else
                                                      " (and the run stopped there)"))
    return "The run stopped early", "supakit stopped before the end, so this report only covers what ran before that"


def also_seen(f: Finding) -> list[str]:
    """The findings merged into `f`, one line each: `rule: message` (and where, when elsewhere)."""
    out = []
    for m in f.merged:
        where = f" ({m.location})" if m.location and (f.location is None or m.location.file != f.location.file
                                                      or m.location.line != f.location.line) else ""
        out.append(f"{m.rule}{where}: {m.message}")
    return out


def stub_notes(info: dict[str, Any]) -> list[str]:
    """Lines saying which extensions are SQL stand-ins and which statements were not run."""
    out = []
    stubbed = info.get("stubbed_extensions") or []
    if stubbed:
        out.append(f"stubbed extensions (SQL stand-ins, see docs/extensions.md): {', '.join(map(str, stubbed))}")
    out += [f"not run: {x}" for x in info.get("skipped_statements") or []]
    return out


# Steps as a reader knows them; a step not listed is shown with spaces for underscores.
STEP_NAMES = {"folder_and_history": "folder and history", "squawk_wait": "squawk", "read": "reading files",
              "parse": "parsing"}


def timings_phrase(timings: dict[str, float]) -> str:
    if not timings:
        return ""
    parts = [f"{STEP_NAMES.get(k, k.replace('_', ' '))} {v:.2f}s" for k, v in timings.items()]
    return f"{sum(timings.values()):.2f}s ({', '.join(parts)})"


def repo_path(report: RunResult, rel: str) -> str:
    """A project-relative path made relative to the enclosing git checkout, as code hosts expect.

    When the project sits in a sub-folder of the repository, `supabase/...` alone would point at
    the wrong file in a SARIF upload or an annotation.
    """
    root = report.info.get("project")
    if not root:
        return rel
    project_root = Path(str(root))
    for cand in (project_root, *project_root.parents):
        if (cand / ".git").exists():
            try:
                return (project_root / rel).relative_to(cand).as_posix()
            except ValueError:
                return rel
    return rel


def jsonable(value: Any) -> Any:
    """`json.dumps` default: paths, enums, sets, tuples and dataclasses in evidence or info."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)
