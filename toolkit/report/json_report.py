"""The machine report: versioned, stable key order, deterministic finding order."""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import Any

from toolkit import __version__
from toolkit.model import CoverageCell, RunResult
from toolkit.report import common, indented_json

SCHEMA_VERSION = 1
_CELL_FIELDS = tuple(f.name for f in fields(CoverageCell) if f.name != "locations")
_cell_values = attrgetter(*_CELL_FIELDS)


def _cell(c: CoverageCell) -> dict[str, Any]:
    """A cell's fields in declaration order; dataclasses.asdict's deep copy costs 0.3 s at 8,000 cells."""
    d = dict(zip(_CELL_FIELDS, _cell_values(c), strict=True))
    d["policies"] = list(c.policies)
    return d


def build(report: RunResult) -> dict[str, Any]:
    info = report.report_info()
    s = common.summarize(report)
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "supakit", "version": __version__},
        "project": {"root": info.get("project"), "exposed_schemas": info.get("exposed_schemas")},
        "exposure": info.get("exposure"),
        "summary": {
            **s.counts(),
            "suppressed": s.suppressed,
            "tables": s.tables,
            "incomplete": s.incomplete,
        },
        "coverage": [_cell(c) for c in common.sorted_cells(report.coverage)],
        "findings": [f.to_dict() for f in common.active(report)],
        "suppressed": [f.to_dict() for f in common.suppressed(report)],
        "info": {k: info[k] for k in sorted(info)},
    }


def render(report: RunResult) -> str:
    return indented_json.dumps(build(report), common.jsonable) + "\n"
