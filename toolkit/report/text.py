"""The human report: the RLS coverage matrix first, then findings by table, then one summary line."""

from __future__ import annotations

import io
import shutil

from rich.console import Console
from rich.text import Text

from toolkit.model import AuditReport, Finding, Level
from toolkit.report import common

STATUS_STYLE = {
    "open": "bold red",
    "no RLS": "bold red",
    "predicate": "yellow",
    "row-scoped": "green",
    "owner-scoped": "green",
    "denied": "dim",
    "no grant": "dim",
}
LEVEL_STYLE = {Level.ERROR: "bold red", Level.WARN: "yellow", Level.INFO: "cyan"}
PLAIN_WIDTH = 120


def render(report: AuditReport, *, color: bool = False) -> str:
    buf = io.StringIO()
    width = shutil.get_terminal_size((PLAIN_WIDTH, 24)).columns if color else PLAIN_WIDTH
    console = Console(file=buf, force_terminal=color, no_color=not color, width=width,
                      highlight=False, emoji=False, markup=False)
    if report.info.get("incomplete"):
        _incomplete_banner(console, report)
    if report.coverage:
        _matrix(console, report)
    _findings(console, report)
    _summary(console, report)
    out = buf.getvalue()
    return out if color else "\n".join(line.rstrip() for line in out.split("\n"))


def _incomplete_banner(console: Console, report: AuditReport) -> None:
    console.print(Text("DATABASE INCOMPLETE: migrations failed to apply, so this audit only covers "
                       "what applied before the failure.", style="bold white on red"))
    for failure in common.failures(report):
        console.print(Text(f"  failed: {failure}", style="red"), soft_wrap=True)
    console.print()


def _matrix(console: Console, report: AuditReport) -> None:
    """A fixed-width grid built by hand: rich's Table costs seconds on a thousand tables."""
    roles = common.matrix_roles(report.coverage)
    rows = common.matrix_rows(report.coverage)
    heads: list[str] = []
    for role in roles:
        label = "auth" if role == "authenticated" else role
        heads += [f"{label} {common.COMMAND_LETTER[c]}" if i == 0 else common.COMMAND_LETTER[c]
                  for i, c in enumerate(common.COMMANDS)]
    name_w = max([len("table")] + [len(n) for n in rows])
    cell_w = [max(len(h), max(len(v) for v in common.STATUS_SHORT.values())) for h in heads]
    out = Text("RLS coverage (exposed tables × API role × command)\n", style="bold")
    out.append("table".ljust(name_w), style="bold")
    for h, w in zip(heads, cell_w, strict=True):
        out.append("  " + h.ljust(w), style="bold")
    out.append("\n")
    for name, cells in rows.items():
        out.append(name.ljust(name_w))
        i = 0
        for role in roles:
            for cmd in common.COMMANDS:
                cell = cells.get((role, cmd))
                status = cell.status if cell else "?"
                out.append("  ")
                out.append(common.short_status(status).ljust(cell_w[i]), style=STATUS_STYLE.get(status, ""))
                i += 1
        out.append("\n")
    out.append(common.STATUS_LEGEND + "\n", style="dim")
    console.print(out, soft_wrap=True)


def _findings(console: Console, report: AuditReport) -> None:
    groups = common.grouped(report.active())
    if not groups:
        console.print(Text("No findings.", style="green"))
        console.print()
        return
    out = Text()
    for key, items in groups:
        out.append(key, style="bold underline")
        out.append("\n")
        for f in items:
            _finding_line(out, f)
        out.append("\n")
    console.print(out, soft_wrap=True)


def _finding_line(out: Text, f: Finding) -> None:
    out.append("  ")
    out.append(f"{f.level.value:<5}", style=LEVEL_STYLE[f.level])
    out.append(f" {f.rule}", style="bold")
    out.append(f" {f.location}" if f.location else f" {f.object}")
    out.append(f" {f.message}\n")
    if f.remediation:
        fix = f.remediation.rstrip("\n").replace("\n", "\n" + " " * 11)
        out.append(f"      fix: {fix}\n", style="dim")


def _summary(console: Console, report: AuditReport) -> None:
    s = common.summarize(report)
    info = report.info
    parts = [s.phrase()]
    if report.coverage or info.get("engine"):
        parts.append(common.plural(s.tables, "table") + " audited")
    if info.get("engine"):
        parts.append(f"engine {info['engine']}")
    if info.get("exposure"):
        parts.append(f"exposure {info['exposure']}")
    if info.get("applied") is not None:
        parts.append(common.plural(int(info["applied"]), "migration") + " applied")
    timings = common.timings_phrase(info)
    if timings:
        parts.append(timings)
    style = "bold red" if s.error else "yellow" if s.warn else "green"
    console.print(Text(" · ".join(parts), style=style), soft_wrap=True)
    if s.incomplete:
        console.print(Text("incomplete: fix the failed migrations above and run again.",
                           style="bold red"))
