"""An existing database, named by URL. Only ever read: every session is READ ONLY."""

from __future__ import annotations

import re

from toolkit.engine.base import Database

_PASSWORD_IN_URL = re.compile(r"(?P<pre>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<post>@)", re.I)
_PASSWORD_KV = re.compile(r"(?P<pre>\bpassword\s*=\s*)(?P<pw>'[^']*'|\S+)", re.I)


def redact(text: str) -> str:
    """Hide passwords in URLs and key=value connection strings anywhere in `text`."""
    text = _PASSWORD_IN_URL.sub(lambda m: f"{m['pre']}***{m['post']}", text)
    return _PASSWORD_KV.sub(lambda m: f"{m['pre']}***", text)


class UrlDatabase(Database):
    def __init__(self, url: str) -> None:
        super().__init__(dsn=url, superuser_dsn=None, kind="url", throwaway=False)

    def connect(self, *, superuser: bool = False, autocommit: bool = True):  # type: ignore[no-untyped-def]
        import psycopg

        conn = psycopg.connect(
            self.dsn,
            autocommit=autocommit,
            options="-c default_transaction_read_only=on -c statement_timeout=30000 -c lock_timeout=2000",
        )
        conn.read_only = True
        return conn
