"""Reporters: one module per output format, all fed the same RunResult."""

from __future__ import annotations

from toolkit.errors import ConfigError
from toolkit.model import RunResult

# The module that renders each format (imported when a report is rendered, or preloaded).
MODULES = {"text": "toolkit.report.text", "json": "toolkit.report.json_report", "sarif": "toolkit.report.sarif",
           "junit": "toolkit.report.junit", "github": "toolkit.report.github",
           "markdown": "toolkit.report.markdown", "html": "toolkit.report.html"}
FORMATS = tuple(MODULES)


def render(report: RunResult, fmt: str, *, color: bool = False) -> str:
    """The report as text in `fmt`. Suppressed findings are counted, never shown as active."""
    if fmt not in MODULES:
        raise ConfigError(f"unknown report format '{fmt}' (choose from {', '.join(FORMATS)})")
    import importlib

    module = importlib.import_module(MODULES[fmt])
    return str(module.render(report, color=color) if fmt == "text" else module.render(report))
