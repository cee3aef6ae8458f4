"""The one contract every engine satisfies: a database to apply to, read, or probe."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING

from toolkit.errors import EngineError, first_line

if TYPE_CHECKING:
    import psycopg


@contextlib.contextmanager
def database_errors(what: str = "database error") -> Iterator[None]:
    """A psycopg error inside (a server that died, a refused query) becomes an EngineError with
    its first line; usable as a decorator too."""
    import psycopg

    try:
        yield
    except psycopg.Error as e:
        raise EngineError(f"{what}: {first_line(e)}") from None


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
        with database_errors("cannot connect to the database"):
            return psycopg.connect(dsn, autocommit=autocommit)

    def sibling(self, name: str) -> Database:
        """A copy of this database as it is now, in the same cluster (a throwaway one): a second
        shimmed database costs a file copy instead of a second cluster. Nobody may be connected
        to this database meanwhile. The copy goes when the cluster does."""
        import psycopg
        from psycopg import sql
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        if not self.throwaway or self.superuser_dsn is None:
            raise ValueError("only a throwaway database can be copied")

        def dsn_for(base: str, dbname: str) -> str:
            return make_conninfo("", **{**conninfo_to_dict(base), "dbname": dbname})

        source = str(conninfo_to_dict(self.dsn).get("dbname") or "postgres")
        with psycopg.connect(dsn_for(self.superuser_dsn, "template1"), autocommit=True) as conn:
            # FILE_COPY: a small template copies three times faster than through the WAL; the
            # checkpoint it needs is cheap on a cluster that runs with fsync off.
            strategy = sql.SQL(" strategy file_copy" if conn.info.server_version >= 150000 else "")
            conn.execute(sql.SQL("create database {} template {} owner {}{}").format(
                sql.Identifier(name), sql.Identifier(source),
                sql.Identifier(conn.execute("select pg_get_userbyid(datdba) from pg_database where datname = %s",
                                            (source,)).fetchone()[0]), strategy))  # type: ignore[index]
            settings = conn.execute(
                "select unnest(setconfig) from pg_db_role_setting where setrole = 0 and setdatabase = "
                "(select oid from pg_database where datname = %s)", (source,)).fetchall()
        copy_dsn = dsn_for(self.superuser_dsn, name)
        with psycopg.connect(copy_dsn, autocommit=True) as conn:
            for (setting,) in settings:  # database-level settings do not travel with the template
                key, _, value = setting.partition("=")
                conn.execute("select set_config(%s, %s, false)", (key, value))
                conn.execute(sql.SQL("alter database {} set {} from current").format(
                    sql.Identifier(name), sql.Identifier(key)))
        return Database(dsn=dsn_for(self.dsn, name), superuser_dsn=copy_dsn, kind=self.kind, throwaway=True,
                        server_version=self.server_version, shim_loaded=self.shim_loaded, exposure=self.exposure)

    def close(self) -> None:
        """Stop and delete whatever the engine started. Safe to call twice."""

    def close_later(self) -> None:
        """close(), except that what may outlive the call (a throwaway cluster's folder, once its
        server has stopped) is removed beside the caller's next work, and by the process's exit
        at the latest."""
        self.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
