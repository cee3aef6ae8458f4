"""Find and order migration files exactly as the Supabase CLI does, and read them safely."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import MigrationError

# The CLI's own pattern (pkg/migration/list.go): leading digits, underscore, anything, .sql
CLI_PATTERN = re.compile(r"^([0-9]+)_(.*)\.sql$")
LEGACY_INIT = re.compile(r"^([0-9]{14})_init\.sql$")
LEGACY_INIT_BEFORE = "20211209000000"


@dataclass(frozen=True)
class MigrationFile:
    path: Path
    rel: str  # path relative to the project root, as shown in findings
    version: str
    name: str

    def read(self) -> str:
        return read_sql_file(self.path, self.rel)

    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Discovery:
    files: list[MigrationFile]
    skipped: list[tuple[str, str]]  # (relative path, why the CLI would not apply it)


@dataclass(frozen=True)
class Utf8Problem:
    """Where a file stops being UTF-8 (1-based line and byte column) and the offending byte."""

    line: int
    column: int
    byte: int


def decode_sql(data: bytes) -> tuple[str, Utf8Problem | None]:
    """The text without a BOM, or "" and where decoding failed."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        col = e.start - (before.rfind(b"\n") + 1) + 1
        return "", Utf8Problem(line, col, data[e.start])
    return text.removeprefix("\ufeff"), None


def read_bytes(path: Path, rel: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise MigrationError(f"{rel}: cannot read file: {e.strerror}") from None


def read_sql_file(path: Path, rel: str) -> str:
    data = read_bytes(path, rel)
    text, problem = decode_sql(data)
    if problem is not None:
        raise MigrationError(
            f"{rel}:{problem.line}:{problem.column}: file is not valid UTF-8 (byte 0x{problem.byte:02x})")
    return text


def discover(migrations_dir: Path, project_root: Path) -> Discovery:
    """Files in CLI order (byte-wise file-name sort); others are listed as skipped, never dropped."""
    if not migrations_dir.exists():
        return Discovery([], [])
    if not migrations_dir.is_dir():
        raise MigrationError(f"{migrations_dir}: not a folder")
    try:
        entries = sorted(migrations_dir.iterdir(), key=lambda p: p.name.encode())
    except OSError as e:
        raise MigrationError(f"{migrations_dir}: cannot list folder: {e.strerror}") from None
    files: list[MigrationFile] = []
    skipped: list[tuple[str, str]] = []
    folder = _rel(migrations_dir, project_root)  # resolved once: the files are its entries
    for i, p in enumerate(entries):
        rel = f"{folder}/{p.name}" if folder != "." else p.name
        if p.is_dir():
            skipped.append((rel, "sub-folders are ignored by the Supabase CLI"))
            continue
        m = CLI_PATTERN.match(p.name)
        if not m:
            if p.suffix == ".sql" or p.name.endswith(".sql"):
                skipped.append((rel, 'file name must match "<timestamp>_name.sql"; the Supabase CLI skips it'))
            else:
                skipped.append((rel, "not a .sql file; the Supabase CLI ignores it"))
            continue
        lm = LEGACY_INIT.match(p.name)
        if i == 0 and lm and lm.group(1) < LEGACY_INIT_BEFORE:
            skipped.append((rel, "legacy init migration; the Supabase CLI skips it"))
            continue
        files.append(MigrationFile(p, rel, m.group(1), m.group(2)))
    return Discovery(files, skipped)


def _rel(p: Path, root: Path) -> str:
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return p.as_posix()
