"""The machine report: versioned, stable key order, deterministic finding order."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from toolkit import __version__
from toolkit.model import AuditReport
from toolkit.report import common

SCHEMA_VERSION = 1


def build(report: AuditReport) -> dict[str, Any]:
    info = report.info
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
        "coverage": [
            {**asdict(c), "policies": list(c.policies)} for c in common.sorted_cells(report.coverage)
        ],
        "findings": [f.to_dict() for f in common.active(report)],
        "suppressed": [f.to_dict() for f in common.suppressed(report)],
        "info": {k: info[k] for k in sorted(info)},
    }


def render(report: AuditReport) -> str:
    return json.dumps(build(report), indent=2, ensure_ascii=False, default=common.jsonable) + "\n"
