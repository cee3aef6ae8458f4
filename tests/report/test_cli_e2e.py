"""`supakit audit` end to end on a real throwaway database: JSON out, inline suppression, baseline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TABLE = "create table public.notes (id bigint primary key, body text);\n"


def audit(root: Path, *args: str) -> tuple[int, str, str]:
    p = subprocess.run([sys.executable, "-m", "toolkit", "audit", "--project-dir", str(root), "--no-probe",
                        "--engine", "local", *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def project(root: Path, sql: str) -> Path:
    mdir = root / "supabase" / "migrations"
    mdir.mkdir(parents=True, exist_ok=True)
    (mdir / "20240101000000_notes.sql").write_text(sql)
    return root


@pytest.mark.usefixtures("engine")
def test_audit_json_then_inline_suppression_then_baseline(tmp_path: Path) -> None:
    root = project(tmp_path / "p", TABLE)
    code, out, err = audit(root, "--format", "json")
    assert code in (0, 1), err
    doc = json.loads(out)
    assert doc["version"] == 1 and doc["exposure"] == "legacy"
    cells = {(c["role"], c["command"]): c["status"] for c in doc["coverage"] if c["table"] == "notes"}
    assert cells[("anon", "select")] == "no RLS"
    on_table = sorted({f["rule"] for f in doc["findings"]
                       if f["location"] and f["location"]["line"] == 1})
    assert on_table, "an exposed table without RLS must produce a finding on its create statement"

    project(root, f"-- supakit-ignore: {', '.join(on_table)} -- e2e test\n" + TABLE)
    code, out, err = audit(root, "--format", "json")
    doc = json.loads(out)
    suppressed = {f["rule"] for f in doc["suppressed"] if f["suppressed_by"] == "inline"}
    assert suppressed == set(on_table)
    assert not [f for f in doc["findings"] if f["rule"] == "unused_suppression"]

    project(root, TABLE)
    base = tmp_path / "baseline.json"
    code, _, err = audit(root, "--write-baseline", str(base))
    assert code == 0 and "to baseline" in err
    code, out, err = audit(root, "--baseline", str(base), "--format", "json", "--fail-on", "info")
    doc = json.loads(out)
    assert doc["findings"] == [] and code == 0, doc["findings"]
