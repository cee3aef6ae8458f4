"""The human report: the RLS coverage matrix first, then findings by table, then one summary line."""

from __future__ import annotations

import io
import shutil

from rich.console import Console
from rich.table import Table
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
    roles = common.matrix_roles(report.coverage)
    table = Table(title="RLS coverage (exposed tables × API role × command)", title_justify="left",
                  box=None, pad_edge=False, header_style="bold")
    table.add_column("table")
    for role in roles:
        label = "auth" if role == "authenticated" else role
        for i, cmd in enumerate(common.COMMANDS):
            head = f"{label} {common.COMMAND_LETTER[cmd]}" if i == 0 else common.COMMAND_LETTER[cmd]
            table.add_column(head, justify="left", no_wrap=True)
    for name, cells in common.matrix_rows(report.coverage).items():
        row: list[Text] = [Text(name)]
        for role in roles:
            for cmd in common.COMMANDS:
                cell = cells.get((role, cmd))
                status = cell.status if cell else "?"
                row.append(Text(common.short_status(status), style=STATUS_STYLE.get(status, "")))
        table.add_row(*row)
    console.print(table)
    console.print(Text(common.STATUS_LEGEND, style="dim"))
    console.print()


def _findings(console: Console, report: AuditReport) -> None:
    groups = common.grouped(report.active())
    if not groups:
        console.print(Text("No findings.", style="green"))
        console.print()
        return
    for key, items in groups:
        console.print(Text(key, style="bold underline"))
        for f in items:
            console.print(_finding_line(f), soft_wrap=True)
            if f.remediation:
                console.print(Text(f"      fix: {f.remediation}", style="dim"), soft_wrap=True)
        console.print()


def _finding_line(f: Finding) -> Text:
    line = Text("  ")
    line.append(f"{f.level.value:<5}", style=LEVEL_STYLE[f.level])
    line.append(f" {f.rule}", style="bold")
    line.append(f" {f.location}" if f.location else f" {f.object}")
    line.append(f" {f.message}")
    return line


def _summary(console: Console, report: AuditReport) -> None:
    s = common.summarize(report)
    info = report.info
    parts = [s.phrase(), common.plural(s.tables, "table") + " audited"]
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
