"""The Supabase shim: SQL that makes a plain PostgreSQL look like a Supabase database."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

EXPOSURE_MODES = ("legacy", "explicit")


def read_sql(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@cache
def shim_hash() -> str:
    """Changes whenever any SQL baked into the template changes, so stale templates are rebuilt."""
    h = hashlib.sha256()
    for name in ("supabase.sql", "trace.sql"):
        h.update(read_sql(name).encode())
    return h.hexdigest()[:12]
