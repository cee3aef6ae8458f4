"""Facts about a deployed database that the repo cannot tell us: which schemas PostgREST serves
(`pgrst.db_schemas`, when it is configured in the database) and its extra search path
(`pgrst.db_extra_search_path`, where GraphQL requests find their tables), and whether new tables
in `public` are granted to the API roles automatically (the exposure mode)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit.engine.base import database_errors

if TYPE_CHECKING:
    import psycopg

# PostgREST reads its in-database configuration from the settings of the role it logs in as
# (`authenticator`), for this database first, then for every database; we also honour a
# database-wide setting, which reaches every role.
DEPLOYMENT = """
select
  (select s.setconfig from pg_db_role_setting s
    where s.setrole = (select oid from pg_roles where rolname = 'authenticator')
      and s.setdatabase = (select oid from pg_database where datname = current_database())),
  (select s.setconfig from pg_db_role_setting s
    where s.setrole = (select oid from pg_roles where rolname = 'authenticator')
      and s.setdatabase = 0),
  (select s.setconfig from pg_db_role_setting s
    where s.setrole = 0
      and s.setdatabase = (select oid from pg_database where datname = current_database())),
  exists (
    select 1 from pg_default_acl d
    join pg_namespace n on n.oid = d.defaclnamespace
    cross join aclexplode(d.defaclacl) a
    where d.defaclrole = (select oid from pg_roles where rolname = 'postgres')
      and n.nspname = 'public' and d.defaclobjtype = 'r'
      and a.grantee = (select oid from pg_roles where rolname = 'anon')
      and a.privilege_type = 'SELECT'),
  current_setting('server_version'),
  current_user
"""

_SOURCES = ("role authenticator in this database", "role authenticator", "this database")


@dataclass(frozen=True)
class Deployment:
    """db_schemas (db_extra_search_path) is None when PostgREST's schemas (extra search path) are
    not configured inside the database."""

    db_schemas: tuple[str, ...] | None
    db_schemas_source: str | None
    db_extra_search_path: tuple[str, ...] | None
    exposure: str  # legacy | explicit
    server_version: str
    user: str


def _setting(config: list[str] | None, name: str) -> str | None:
    for item in config or ():
        key, _, value = item.partition("=")
        if key.strip().lower() == name:
            return value
    return None


def parse_schemas(value: str) -> tuple[str, ...]:
    """`pgrst.db_schemas` is a comma-separated list; names may be double-quoted."""
    out = []
    for part in value.split(","):
        name = part.strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('""', '"')
        if name:
            out.append(name)
    return tuple(out)


@database_errors()
def read_deployment(conn: psycopg.Connection) -> Deployment:
    """One query, in a read-only transaction on a read-only connection."""
    with conn.transaction():
        row = conn.execute(DEPLOYMENT).fetchone()
    assert row is not None
    role_db, role_all, db_all, anon_default_select, version, user = row
    schemas: tuple[str, ...] | None = None
    source = None
    extra: tuple[str, ...] | None = None
    for config, where in zip((role_db, role_all, db_all), _SOURCES, strict=True):
        value = _setting(config, "pgrst.db_schemas")
        if value is not None and schemas is None:
            schemas, source = parse_schemas(value), where
        value = _setting(config, "pgrst.db_extra_search_path")
        if value is not None and extra is None:
            extra = parse_schemas(value)
    return Deployment(
        db_schemas=schemas,
        db_schemas_source=source,
        db_extra_search_path=extra,
        exposure="legacy" if anon_default_select else "explicit",
        server_version=str(version),
        user=str(user),
    )


__all__ = ["DEPLOYMENT", "Deployment", "parse_schemas", "read_deployment"]
