"""The Supabase shim: SQL that makes a plain PostgreSQL look like a Supabase database."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

EXPOSURE_MODES = ("legacy", "explicit")
SCRIPTS = ("supabase.sql", "trace.sql")


def read_sql(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@cache
def shim_hash() -> str:
    """Changes whenever any SQL baked into the template changes (the shim, the trace, the
    supautils helpers and the stubs pre-installed with them), so stale templates are rebuilt."""
    h = hashlib.sha256()
    for name in SCRIPTS:
        h.update(read_sql(name).encode())
    stubs = resources.files(__package__).joinpath("stubs")
    for entry in sorted(stubs.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            h.update(entry.name.encode())
            h.update(entry.read_bytes())
    return h.hexdigest()[:12]


def load(conn: psycopg.Connection) -> None:
    """Everything a new hosted project has before its first migration, on a superuser connection:
    the shim, the source-map trace, supakit's supautils helpers and the pre-installed extensions."""
    from toolkit.extensions import install_helpers, preinstall

    conn.execute(read_sql("supabase.sql"))
    conn.execute(read_sql("trace.sql"))
    install_helpers(conn)
    preinstall(conn)
