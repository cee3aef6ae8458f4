"""An existing database, named by URL. Only ever read: every session is READ ONLY."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from toolkit.engine.base import Database
from toolkit.errors import EngineError, first_line

if TYPE_CHECKING:
    import psycopg

# user:password@ in a URL; the greedy password runs to the last @ before the host part ends.
_PASSWORD_IN_URL = re.compile(r"(?P<pre>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^\s/?#]*)(?P<post>@)", re.I)
# password=... in a key=value string or a URL query (where & ends it).
_PASSWORD_KV = re.compile(r"(?P<pre>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|[^\s&]+)", re.I)
# Statement and lock timeouts keep a read of a busy production database from waiting on its locks.
SESSION_OPTIONS = {
    "default_transaction_read_only": "on",
    "statement_timeout": "30000",
    "lock_timeout": "2000",
    "idle_in_transaction_session_timeout": "60000",
}
CONNECT_TIMEOUT_S = 10


def redact(text: str) -> str:
    """Hide passwords in URLs and key=value connection strings anywhere in `text`."""
    text = _PASSWORD_IN_URL.sub(lambda m: f"{m['pre']}***{m['post']}", text)
    return _PASSWORD_KV.sub(lambda m: f"{m['pre']}***", text)


class UrlDatabase(Database):
    def __init__(self, url: str) -> None:
        super().__init__(dsn=url, superuser_dsn=None, kind="url", throwaway=False)

    def connect(self, *, superuser: bool = False, autocommit: bool = True) -> psycopg.Connection[Any]:
        """A read-only session: every transaction psycopg opens is BEGIN READ ONLY, and the
        server refuses writes even outside one. The URL's own options (sslmode, ...) are kept."""
        import psycopg
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        try:
            params = conninfo_to_dict(self.dsn)
        except psycopg.Error as e:
            raise EngineError(f"invalid database URL {redact(self.dsn)}: {_brief(e)}") from None
        options = " ".join(f"-c {k}={v}" for k, v in SESSION_OPTIONS.items())
        if params.get("options"):
            options = f"{params['options']} {options}"
        params["options"] = options
        params.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
        params.setdefault("application_name", "supakit")
        try:
            conn = psycopg.connect(make_conninfo("", **params), autocommit=autocommit)
        except psycopg.Error as e:
            raise EngineError(f"cannot connect to {redact(self.dsn)}: {_brief(e)}") from None
        conn.read_only = True
        return conn


def _brief(e: BaseException) -> str:
    """libpq says which host it tried on the first line and why it failed on the second."""
    return redact(first_line(e, lines=2))
