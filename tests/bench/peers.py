"""Yardsticks on the same database: `supabase db advisors --db-url` and `pgrls lint --database-url`
against `supakit audit --db-url --no-probe`.

The peers are installed once into a scratch folder outside the repository (never into our venv
or pyproject) and only timed, never imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.stages import SUPAKIT
from tests.bench.timing import Timing, repeat, run_process

SUPABASE_CLI = "supabase@2.117.0"
PGRLS = "pgrls==0.57.1"
INSTALL_TIMEOUT_S = 240


def scratch() -> Path:
    return Path(os.environ.get("SUPAKIT_BENCH_PEERS") or "/tmp/supakit-bench-peers")


def _install_supabase(folder: Path) -> tuple[list[str] | None, str]:
    npm_dir = folder / "npm"
    cli = npm_dir / "node_modules" / ".bin" / "supabase"
    if not cli.exists():
        npm_dir.mkdir(parents=True, exist_ok=True)
        try:
            res = subprocess.run(["npm", "i", "-E", "--no-audit", "--no-fund", SUPABASE_CLI], cwd=npm_dir,
                                 capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"npm i -E {SUPABASE_CLI} failed ({e})"
        if res.returncode != 0:
            return None, f"npm i -E {SUPABASE_CLI} failed: {_tail(res.stderr or res.stdout)}"
    try:
        res = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"the Supabase CLI does not run ({e})"
    if res.returncode != 0:
        return None, f"the Supabase CLI does not run: {_tail(res.stderr or res.stdout)}"
    return [str(cli)], f"supabase {res.stdout.strip()}"


def _install_pgrls(folder: Path) -> tuple[list[str] | None, str]:
    venv = folder / "pgrls-venv"
    exe = venv / "bin" / "pgrls"
    if not exe.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True,
                           timeout=INSTALL_TIMEOUT_S)
            res = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", PGRLS], capture_output=True,
                                 text=True, timeout=INSTALL_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError) as e:
            return None, f"pip install {PGRLS} failed ({e})"
        if res.returncode != 0:
            return None, f"pip install {PGRLS} failed: {_tail(res.stderr or res.stdout)}"
    return [str(exe)], f"pgrls {PGRLS.split('==')[1]}"


def _tail(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "(no output)"


@dataclass
class PeerResult:
    name: str
    command: str
    timing: Timing | None = None
    note: str = ""
    findings: str = ""


@dataclass
class Comparison:
    url: str
    results: list[PeerResult] = field(default_factory=list)


def compare(socket_dir: str, project_root: Path, repeats: int) -> Comparison:
    """Time each tool against the database listening on `socket_dir` (a unix socket, no TCP)."""
    url = f"postgresql://postgres@/postgres?host={socket_dir}"
    out = Comparison(url)
    # Each tool as the issue names it, with its default (text) report; the output goes to a pipe.
    ours = [SUPAKIT, "audit", "--db-url", url, "--no-probe", "--project-dir", str(project_root)]
    timing, _ = repeat(lambda: run_process(ours, ok=(0, 1)), repeats)
    _, res = run_process([*ours, "--format", "json"], ok=(0, 1))
    out.results.append(PeerResult("supakit", "supakit audit --db-url URL --no-probe", timing,
                                  findings=_count_json(res.stdout, "findings")))

    folder = scratch()
    folder.mkdir(parents=True, exist_ok=True)
    cli, what = _install_supabase(folder)
    if cli is None:
        out.results.append(PeerResult("supabase", "supabase db advisors --db-url URL",
                                      note=f"not measurable here: {what}"))
    else:
        # The Go CLI rejects a host-less URL; libpq's `host` parameter still picks the socket.
        cli_url = f"postgresql://postgres@localhost/postgres?host={socket_dir}"
        args = [*cli, "db", "advisors", "--db-url", cli_url]
        try:
            timing, _ = repeat(lambda: run_process(args, ok=(0, 1), env={"DO_NOT_TRACK": "1"}), repeats)
            _, res = run_process([*args, "--output-format", "json"], ok=(0, 1), env={"DO_NOT_TRACK": "1"})
            out.results.append(PeerResult("supabase", "supabase db advisors --db-url URL", timing,
                                          note=what, findings=_count_json(res.stdout, "results")))
        except RuntimeError as e:
            out.results.append(PeerResult("supabase", "supabase db advisors --db-url URL",
                                          note=f"not measurable here: {e}"))
    exe, what = _install_pgrls(folder)
    if exe is None:
        out.results.append(PeerResult("pgrls", "pgrls lint --database-url URL", note=f"not measurable here: {what}"))
    else:
        args = [*exe, "lint", "--database-url", url]
        try:
            timing, _ = repeat(lambda: run_process(args, ok=(0, 1)), repeats)
            _, res = run_process([*args, "--format", "json"], ok=(0, 1))
            out.results.append(PeerResult("pgrls", "pgrls lint --database-url URL", timing, note=what,
                                          findings=_count_json(res.stdout, "violations")))
        except RuntimeError as e:
            out.results.append(PeerResult("pgrls", "pgrls lint --database-url URL", note=f"not measurable here: {e}"))
    return out


def _count_json(text: str, key: str) -> str:
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return "?"
    items = data.get(key) if isinstance(data, dict) else data
    return str(len(items)) if isinstance(items, list) else "?"
