"""Four audits of the same project at once: no port, socket or template-cache races."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import write_files

SQL = {"20240101000000_notes.sql": """
create table public.notes (id uuid primary key default gen_random_uuid(), body text);
alter table public.notes enable row level security;
"""}


def test_four_audits_at_once_with_a_cold_cache(tmp_path: Path, public_tmp: Path) -> None:
    root = write_files(tmp_path / "p", SQL)
    cache = tmp_path / "cold-cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "SUPAKIT_TMPDIR": str(public_tmp)}
    procs = [
        subprocess.Popen([sys.executable, "-m", "toolkit", "audit", "--no-probe", "--format", "json",
                          "--project-dir", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
        for _ in range(4)
    ]
    results = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode in (0, 1), err
        assert '"version": 1' in out
    templates = [d for d in (cache / "supakit").iterdir() if d.is_dir()]
    assert len(templates) == 1
    assert list(public_tmp.glob("supakit-run-*")) == []
