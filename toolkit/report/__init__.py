"""Reporters: one module per output format, all fed the same RunResult."""

from __future__ import annotations

from toolkit.errors import ConfigError
from toolkit.model import RunResult

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown", "html")


def render(report: RunResult, fmt: str, *, color: bool = False) -> str:
    """The report as text in `fmt`. Suppressed findings are counted, never shown as active."""
    if fmt == "text":
        from toolkit.report import text

        return text.render(report, color=color)
    if fmt == "json":
        from toolkit.report import json_report

        return json_report.render(report)
    if fmt == "sarif":
        from toolkit.report import sarif

        return sarif.render(report)
    if fmt == "junit":
        from toolkit.report import junit

        return junit.render(report)
    if fmt == "github":
        from toolkit.report import github

        return github.render(report)
    if fmt == "markdown":
        from toolkit.report import markdown

        return markdown.render(report)
    if fmt == "html":
        from toolkit.report import html

        return html.render(report)
    raise ConfigError(f"unknown report format '{fmt}' (choose from {', '.join(FORMATS)})")
