"""The one contract every engine satisfies: a database to apply to, read, or probe."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg


@dataclass
class Database:
    """A PostgreSQL database supakit can talk to.

    `dsn` connects as the role migrations run as on Supabase (`postgres`); `superuser_dsn` connects
    as the cluster's bootstrap superuser (throwaway engines only). `throwaway` databases may be
    written to and probed; the others are only ever read.
    """

    dsn: str
    superuser_dsn: str | None
    kind: str
    throwaway: bool
    server_version: str = ""
    shim_loaded: bool = False
    exposure: str = "legacy"
    stubbed_extensions: list[str] = field(default_factory=list)

    def connect(self, *, superuser: bool = False, autocommit: bool = True) -> psycopg.Connection:
        import psycopg

        dsn = self.superuser_dsn if superuser and self.superuser_dsn else self.dsn
        return psycopg.connect(dsn, autocommit=autocommit)

    def close(self) -> None:
        """Stop and delete whatever the engine started. Safe to call twice."""

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
