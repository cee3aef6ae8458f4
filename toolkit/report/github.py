"""GitHub Actions workflow commands: one annotation per active finding, shown on the PR diff."""

from __future__ import annotations

from toolkit.model import Finding, Level, RunResult
from toolkit.report import common

COMMAND = {Level.ERROR: "error", Level.WARN: "warning", Level.INFO: "notice"}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(report: RunResult, f: Finding) -> str:
    props: list[tuple[str, str]] = []
    if f.location is not None:
        props += [("file", common.repo_path(report, f.location.file)),
                  ("line", str(f.location.line)), ("col", str(f.location.column))]
    props.append(("title", f.rule))
    body = f.message if f.location is not None else f"{f.object.label}: {f.message}"
    if f.remediation:
        body += "\n" + f.remediation
    body += "".join(f"\nalso {line}" for line in common.also_seen(f))
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMAND[f.level]} {joined}::{escape_data(body)}"


def render(report: RunResult) -> str:
    """The annotations, then one plain line (a log line, not an annotation) that says what ran
    and what it found, so a clean run is visibly a run."""
    lines = [annotation(report, f) for f in common.active(report)]
    stopped = common.stopped(report)
    if stopped:
        lines.append(f"::error title=supakit::{escape_data(stopped)}")
    s = common.summarize(report)
    command = report.info.get("command")
    facts = [s.phrase()]
    if report.coverage:
        facts.append(common.plural(s.tables, "table") + " audited")
    probe = common.probe_phrase(report.info)
    if probe:
        facts.append(probe)
    if s.incomplete:
        facts.append("incomplete")
    lines.append(f"supakit{' ' + str(command) if command else ''}: {' · '.join(facts)}")
    return "\n".join(lines) + "\n"
