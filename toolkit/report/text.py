"""The human report: the RLS coverage matrix first, then findings by table, then one summary line."""

from __future__ import annotations

import io
import shutil

from rich.console import Console
from rich.text import Text

from toolkit.model import Finding, Level, RunResult
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


class Out:
    """Styled text segments. Rich styles them for a terminal; plain output skips rich entirely,
    which keeps a report with thousands of findings fast."""

    def __init__(self) -> None:
        self.segments: list[tuple[str, str]] = []

    def add(self, text: str, style: str = "") -> None:
        self.segments.append((text, style))

    def render(self, color: bool) -> str:
        if not color:
            plain = "".join(t for t, _ in self.segments)
            return "\n".join(line.rstrip() for line in plain.split("\n"))
        buf = io.StringIO()
        width = shutil.get_terminal_size((PLAIN_WIDTH, 24)).columns
        console = Console(file=buf, force_terminal=True, width=width, highlight=False, emoji=False,
                          markup=False)
        console.print(Text.assemble(*self.segments), soft_wrap=True, end="")
        return buf.getvalue()


def render(report: RunResult, *, color: bool = False) -> str:
    out = Out()
    if report.incomplete:
        _incomplete_banner(out, report)
    if report.coverage:
        _matrix(out, report)
    _findings(out, report)
    _summary(out, report)
    return out.render(color)


def _incomplete_banner(out: Out, report: RunResult) -> None:
    _, sentence = common.incomplete_headline(report)
    title = "DATABASE INCOMPLETE" if common.failures(report) else "RUN STOPPED EARLY"
    out.add(f"{title}: {sentence}.", "bold white on red")
    out.add("\n")
    for failure in common.failures(report):
        out.add(f"  failed: {failure}\n", "red")
    stopped = common.stopped(report)
    if stopped:
        out.add(f"  stopped: {stopped}\n", "red")
    out.add("\n")


def _matrix(out: Out, report: RunResult) -> None:
    roles = common.matrix_roles(report.coverage)
    rows = common.matrix_rows(report.coverage)
    heads: list[str] = []
    for role in roles:
        label = "auth" if role == "authenticated" else role
        heads += [f"{label} {common.COMMAND_LETTER[c]}" if i == 0 else common.COMMAND_LETTER[c]
                  for i, c in enumerate(common.COMMANDS)]
    labels = {name: common.row_label(name, cells) for name, cells in rows.items()}
    name_w = max([len("table")] + [len(n) for n in labels.values()])
    cell_w = [max(len(h), max(len(v) for v in common.STATUS_SHORT.values())) for h in heads]
    out.add("RLS coverage (tables the Data API serves, over REST or GraphQL × API role × "
            "command)\n", "bold")
    out.add("table".ljust(name_w), "bold")
    for h, w in zip(heads, cell_w, strict=True):
        out.add("  " + h.ljust(w), "bold")
    out.add("\n")
    for name, cells in rows.items():
        out.add(labels[name].ljust(name_w))
        i = 0
        for role in roles:
            for cmd in common.COMMANDS:
                cell = cells.get((role, cmd))
                status = cell.status if cell else "?"
                out.add("  ")
                out.add(common.short_status(status).ljust(cell_w[i]), STATUS_STYLE.get(status, ""))
                i += 1
        out.add("\n")
    out.add(common.STATUS_LEGEND + "\n", "dim")
    out.add("\n")


def _findings(out: Out, report: RunResult) -> None:
    groups = common.grouped(report.active())
    if not groups:
        out.add("No findings.\n\n", "green")
        return
    for key, items in groups:
        out.add(key, "bold underline")
        out.add("\n")
        for f in items:
            _finding_line(out, f)
        out.add("\n")


def _finding_line(out: Out, f: Finding) -> None:
    out.add("  ")
    out.add(f"{f.level.value:<5}", LEVEL_STYLE[f.level])
    out.add(f" {f.rule}", "bold")
    out.add((f" {f.location}" if f.location else f" {f.object.label}") + f" {f.message}\n")
    if f.remediation:
        fix = f.remediation.rstrip("\n").replace("\n", "\n" + " " * 11)
        out.add(f"      fix: {fix}\n", "dim")
    for line in common.also_seen(f):
        out.add(f"      also {line}\n", "dim")


def _summary(out: Out, report: RunResult) -> None:
    s = common.summarize(report)
    info = report.info
    parts = [s.phrase()]
    if report.coverage:
        parts.append(common.plural(s.tables, "table") + " audited")
    probe = common.probe_phrase(info)
    if probe:
        parts.append(probe)
    if info.get("engine"):
        parts.append(f"engine {info['engine']}")
    if info.get("exposure"):
        parts.append(f"exposure {info['exposure']}")
    if info.get("applied") is not None:
        parts.append(common.plural(int(info["applied"]), "migration") + " applied")
    timings = common.timings_phrase(report.timings)
    if timings:
        parts.append(timings)
    out.add(" · ".join(parts) + "\n", "bold red" if s.error else "yellow" if s.warn else "green")
    for note in common.stub_notes(info):
        out.add(note + "\n", "dim")
    if s.incomplete:
        what = "the failed migrations above" if common.failures(report) else "the error above"
        out.add(f"incomplete: fix {what} and run again.\n", "bold red")
