"""Lock safety and migration hygiene from squawk-cli: one run over every file, mapped to our findings."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.errors import SupakitError, first_line
from toolkit.lint.source import ParsedFile
from toolkit.model import Category, Finding, Level, Location, ObjectRef, Stage
from toolkit.registry import RuleInfo
from toolkit.registry import get as get_rule

# Off unless a project asks for them (`squawk_include`), and why:
DEFAULT_EXCLUDE = (
    # Fire on nearly every statement, CREATE TABLE included (squawk #673); Supabase migrations mostly
    # create new objects. Projects with large, busy tables should include them.
    "require-lock-timeout",
    "require-statement-timeout",
    # Idempotency advice for statements outside a transaction; Supabase wraps each file in one.
    "prefer-robust-stmts",
    # Replaced by our Supabase-aware transaction_control_in_migration and
    # concurrently_in_multi_statement_file, which know what the CLI does with such statements.
    "transaction-nesting",
    "ban-uncommitted-transaction",
    "ban-concurrent-index-creation-in-transaction",
)
# Off in squawk itself until a project includes them.
OPT_IN = ("require-table-schema",)
SQUAWK_TIMEOUT = 300
_INVALID_RULE = re.compile(r"invalid rule name ([A-Za-z0-9_-]+)")


class SquawkMissing(SupakitError):
    """squawk-cli is not installed where we look."""


@dataclass
class SquawkOptions:
    exclude: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    pg_version: int | None = None
    binary: str | None = None


def find_squawk(explicit: str | None = None) -> str:
    """$SUPAKIT_SQUAWK, then PATH, then the scripts folder of this Python (a venv install)."""
    wanted = explicit or os.environ.get("SUPAKIT_SQUAWK")
    if wanted:
        if Path(wanted).is_file() and os.access(wanted, os.X_OK):
            return wanted
        raise SquawkMissing(f"squawk-cli not found at {wanted} (SUPAKIT_SQUAWK)")
    found = shutil.which("squawk")
    if found:
        return found
    beside = Path(sys.executable).parent / ("squawk.exe" if os.name == "nt" else "squawk")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    raise SquawkMissing(
        "squawk-cli is not installed (pip install squawk-cli), so lock-safety checks cannot run; "
        "install it, or skip them with --no-squawk / [tool.supakit.lint] squawk = false"
    )


def effective_rules(opts: SquawkOptions) -> tuple[list[str], list[str]]:
    """(exclude, include): our defaults minus what the project includes, plus what it excludes."""
    include = [r.removeprefix("squawk/") for r in opts.include]
    exclude = [r for r in DEFAULT_EXCLUDE if r not in include]
    exclude += [r.removeprefix("squawk/") for r in opts.exclude if r.removeprefix("squawk/") not in exclude]
    return exclude, [r for r in include if r not in exclude]


def _command(binary: str, files: Sequence[str], exclude: list[str], include: list[str], pg: int | None) -> list[str]:
    cmd = [binary, "--reporter", "json", "--assume-in-transaction"]
    if pg:
        cmd.append(f"--pg-version={pg}.0")
    if exclude:
        cmd.append("--exclude=" + ",".join(exclude))
    if include:
        cmd.append("--include=" + ",".join(include))
    return [*cmd, *files]


class SquawkRun:
    """squawk running in the background while our own rules parse the same files."""

    def __init__(self, paths: Sequence[Path], opts: SquawkOptions, cwd: Path) -> None:
        self.binary = find_squawk(opts.binary)
        self.exclude, self.include = effective_rules(opts)
        self.paths = [str(p) for p in paths]
        self.opts, self.cwd = opts, cwd
        self._proc: subprocess.Popen[bytes] | None = None
        if self.paths:
            self._proc = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        cmd = _command(self.binary, self.paths, self.exclude, self.include, self.opts.pg_version)
        try:
            return subprocess.Popen(cmd, cwd=self.cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as e:
            raise SquawkMissing(f"cannot run squawk-cli at {self.binary}: {e.strerror}") from None

    def _wait(self, proc: subprocess.Popen[bytes]) -> tuple[int, bytes, str]:
        try:
            out, err = proc.communicate(timeout=SQUAWK_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise SupakitError(f"squawk-cli did not finish within {SQUAWK_TIMEOUT} s") from None
        return proc.returncode, out, err.decode("utf-8", "replace").strip()

    def cancel(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()

    def findings(self, parsed: Sequence[ParsedFile]) -> list[Finding]:
        if self._proc is None:
            return []
        code, out, err = self._wait(self._proc)
        for _ in DEFAULT_EXCLUDE:
            bad = _INVALID_RULE.search(err) if code not in (0, 1) else None
            if bad is None:
                break
            if bad.group(1) not in DEFAULT_EXCLUDE or bad.group(1) not in self.exclude:
                raise SupakitError(f"[tool.supakit.lint]: squawk does not know the rule {bad.group(1)!r}")
            self.exclude.remove(bad.group(1))  # an older squawk without that rule: nothing to switch off
            code, out, err = self._wait(self._spawn())
        try:
            items = json.loads(out or b"[]")
        except ValueError:
            raise SupakitError(f"squawk-cli failed: {first_line(err, fallback=f'exit code {code}')}") from None
        if not isinstance(items, list):
            raise SupakitError("squawk-cli printed an unexpected JSON report")
        by_path = {str(pf.path): pf for pf in parsed}
        return [f for item in items if isinstance(item, dict) and (f := _to_finding(item, by_path)) is not None]


def run_squawk(files: Sequence[ParsedFile], opts: SquawkOptions, cwd: Path) -> list[Finding]:
    return SquawkRun([pf.path for pf in files], opts, cwd).findings(files)


def _char_column(pf: ParsedFile, line0: int, byte_col: int) -> int:
    """squawk counts bytes from the start of the line (a BOM included); we count characters."""
    raw = pf.line_text(line0 + 1).encode("utf-8")
    if line0 == 0 and pf.had_bom:
        byte_col = max(0, byte_col - 3)
    return len(raw[:byte_col].decode("utf-8", "ignore")) + 1


def _to_finding(item: dict[str, Any], by_path: dict[str, ParsedFile]) -> Finding | None:
    pf = by_path.get(str(item.get("file", "")))
    name = str(item.get("rule_name") or "unknown")
    if pf is None:
        return None
    if name == "syntax-error" and pf.syntax_error is not None:
        return None  # our own sql_syntax_error, from Postgres' grammar, already says where
    line0 = int(item.get("line") or 0)
    col = _char_column(pf, line0, int(item.get("column") or 0))
    info = get_rule(f"squawk/{name}") or _unlisted(name, item)
    message = str(item.get("message") or name)
    if name == "syntax-error":
        message = f"squawk could not parse this statement ({message}); its checks for this file may be incomplete"
    return info.finding(
        ObjectRef("file", None, pf.rel), message,
        location=Location(pf.rel, line0 + 1, col),
        remediation=str(item.get("help") or ""),
        evidence={"squawk_rule": name, "end_line": int(item.get("line_end") or line0) + 1},
    )


def _unlisted(name: str, item: dict[str, Any]) -> RuleInfo:
    """A rule a newer squawk added and squawk_ids.py does not list yet: warn (or error when
    squawk says so), hygiene. Not registered: it exists only for this finding."""
    level = Level.ERROR if item.get("level") == "Error" else Level.WARN
    return RuleInfo(id=f"squawk/{name}", level=level, category=Category.HYGIENE, stage=Stage.LINT,
                    summary=str(item.get("message") or name))
