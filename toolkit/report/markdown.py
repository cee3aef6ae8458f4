"""Markdown for a sticky pull-request comment; the hidden marker lets a bot find and update it."""

from __future__ import annotations

import re
from collections import Counter

from toolkit.model import Finding, Level, RunResult
from toolkit.report import common
from toolkit.rules_doc import doc_link

MARKER = "<!-- supakit-report -->"
# GitHub rejects comments over 65,536 characters; leave room for the closing lines.
BUDGET = 60_000
STATUS_MD = {"open": "**OPEN**", "no RLS": "**NORLS**"}
ALARM = {"open": 2, "no RLS": 2, "predicate": 1}


def cell(s: str) -> str:
    """Make text safe inside a table cell: no HTML, no column breaks, no line breaks."""
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return re.sub(r"\r\n|\r|\n", "<br>", s)


def code(s: str) -> str:
    s = s.replace("|", "\\|")
    fence, pad = ("``", " ") if "`" in s else ("`", "")
    return f"{fence}{pad}{s}{pad}{fence}"


def _title(report: RunResult) -> str:
    s = common.summarize(report)
    icon = "❌" if s.error else "⚠️" if s.warn else "✅"
    command = report.info.get("command")
    return f"### {icon} supakit{' ' + str(command) if command else ''}: {s.phrase()}"


def _facts(report: RunResult) -> str:
    s = common.summarize(report)
    info = report.info
    parts = [common.plural(s.tables, "table") + " audited"] if report.coverage else []
    probe = common.probe_phrase(info)
    if probe:
        parts.append(probe)
    if info.get("exposure"):
        parts.append(f"exposure `{info['exposure']}`")
    if info.get("engine"):
        parts.append(f"engine `{info['engine']}`")
    if info.get("applied") is not None:
        parts.append(common.plural(int(info["applied"]), "migration") + " applied")
    if s.suppressed:
        by = Counter(common.suppression_kind(f) for f in report.findings if f.suppressed_by)
        parts.append(f"{s.suppressed} suppressed ({', '.join(f'{k} {v}' for k, v in sorted(by.items()))})")
    timings = common.timings_phrase(report.timings)
    if timings:
        parts.append(timings)
    return " · ".join(parts)


def _incomplete(report: RunResult) -> list[str]:
    title, sentence = common.incomplete_headline(report)
    out = ["> [!CAUTION]", f"> **{title}**: {cell(sentence)}."]
    out += [f"> - {cell(x)}" for x in common.failures(report)]
    stopped = common.stopped(report)
    if stopped:
        out.append(f"> - stopped: {cell(stopped)}")
    return out + [""]


def _matrix(report: RunResult, budget: int) -> list[str]:
    """The matrix; past the budget, rows with open or predicate cells win over quiet ones."""
    roles = common.matrix_roles(report.coverage)
    heads = ["table"]
    for role in roles:
        heads += [f"{role} {common.COMMAND_LETTER[c]}" for c in common.COMMANDS]
    out = ["#### RLS coverage", "", "| " + " | ".join(heads) + " |",
           "| --- |" + " :-: |" * (len(heads) - 1)]
    rows: list[tuple[int, str, str]] = []
    for name, cells in common.matrix_rows(report.coverage).items():
        label = common.row_label(name, cells)
        row = [code(name) + label[len(name):]]
        alarm = 0
        for role in roles:
            for cmd in common.COMMANDS:
                c = cells.get((role, cmd))
                status = c.status if c else "?"
                alarm = max(alarm, ALARM.get(status, 0))
                row.append(STATUS_MD.get(status, cell(common.short_status(status))))
        rows.append((alarm, name, "| " + " | ".join(row) + " |"))
    used = sum(len(x) + 1 for x in out)
    kept: list[tuple[int, str, str]] = []
    for r in sorted(rows, key=lambda r: (-r[0], r[1])):
        if used + len(r[2]) + 1 > budget:
            break
        kept.append(r)
        used += len(r[2]) + 1
    out += [r[2] for r in sorted(kept, key=lambda r: r[1])]
    if len(kept) < len(rows):
        out += ["", f"_{len(rows) - len(kept)} more tables not shown (comment size limit); "
                "the ones shown include every table with an open or predicate cell that fits._"]
    out += ["", f"<sub>{cell(common.STATUS_LEGEND)}</sub>", ""]
    return out


def rule_cell(rule_id: str) -> str:
    """The rule linked to its page when a docs URL is configured; else the command that shows it."""
    link = doc_link(rule_id)
    if link is not None:
        return f"[`{rule_id}`]({link})"
    return f"`{rule_id}`<br><sub>`supakit rules {rule_id}`</sub>"


def _row(f: Finding) -> str:
    where = code(str(f.location)) if f.location else code(f.object.label)
    text = cell(f.message) + (f"<br><sub>{cell(f.remediation)}</sub>" if f.remediation else "")
    also = common.also_seen(f)
    if also:
        text += "<br><sub>also " + "<br>also ".join(cell(x) for x in also) + "</sub>"
    return f"| {f.level.value} | {rule_cell(f.rule)} | {where} | {text} |"


def _table(findings: list[Finding], budget: int) -> tuple[list[str], int]:
    """Rows until the budget runs out; returns the lines and how many findings were left off."""
    out = ["| level | rule | location | message |", "| --- | --- | --- | --- |"]
    used = sum(len(x) + 1 for x in out)
    for i, f in enumerate(findings):
        row = _row(f)
        if used + len(row) + 1 > budget:
            return out, len(findings) - i
        out.append(row)
        used += len(row) + 1
    return out, 0


def render(report: RunResult) -> str:
    lines = [MARKER, _title(report), "", _facts(report), ""]
    notes = common.stub_notes(report.info)
    if notes:
        lines += [f"- {cell(x)}" for x in notes] + [""]
    if report.incomplete:
        lines += _incomplete(report)
    if report.coverage:
        lines += _matrix(report, BUDGET // 2)
    act = common.active(report)
    main = [f for f in act if f.level is not Level.INFO]
    info = [f for f in act if f.level is Level.INFO]
    left = BUDGET - sum(len(x) + 1 for x in lines)
    if main:
        table, cut = _table(main, left)
        lines += ["#### Findings", "", *table, ""]
        if cut:
            lines += [f"_{cut} more not shown (comment size limit); run `supakit audit` for the full report._", ""]
        left -= sum(len(x) + 1 for x in table)
    elif not info:
        lines += ["No findings.", ""]
    if info:
        table, cut = _table(info, max(left, 0))
        lines += ["<details>", f"<summary>{common.plural(len(info), 'info finding')}</summary>", "",
                  *table, ""]
        if cut:
            lines += [f"_{cut} more not shown._", ""]
        lines += ["</details>", ""]
    return "\n".join(lines)
