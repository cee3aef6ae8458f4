"""Storage: objects in A's folder of every bucket, and what B and anon can do with them.

Objects are named `<user id>/...` as Supabase's examples and the Storage API expect; the Storage
API runs these same statements on storage.objects with the caller's role and claims. A public
bucket serves its files by URL to anyone, so reading one there is listing, not a leak of content.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from toolkit.errors import first_line
from toolkit.facts.scope import Scope
from toolkit.model import Snapshot, Table
from toolkit.probe.checks import Attempt, Prober, TableResult, role_of
from toolkit.probe.session import User
from toolkit.probe.sqltext import column_list, lit
from toolkit.probe.synth import Filled, Row

if TYPE_CHECKING:
    import psycopg

PROBE_BUCKET = "supakit-probe-private"
ALLOW_DELETE = "SELECT set_config('storage.allow_delete_query', 'true', true)"


def probe_buckets(conn: psycopg.Connection, snapshot: Snapshot, objects: Table
                  ) -> list[tuple[str, bool]]:
    """(bucket, public) for the project's buckets; when none is private but storage.objects has
    policies, a private bucket of our own too."""
    buckets = [(b.id, b.public) for b in snapshot.buckets]
    if any(not public for _, public in buckets) or not objects.policies:
        return buckets
    conn.execute("INSERT INTO storage.buckets (id, name, public) VALUES (%s, %s, false) "
                 "ON CONFLICT (id) DO NOTHING", [PROBE_BUCKET, PROBE_BUCKET])
    return [*buckets, (PROBE_BUCKET, False)]


def _values(objects: Table, bucket: str, name: str, owner: User | None) -> dict[str, str]:
    cols = {c.name for c in objects.columns}
    out = {"bucket_id": lit(bucket), "name": lit(name)}
    if "owner" in cols:
        out["owner"] = f"CAST({lit(owner.id)} AS uuid)" if owner else "NULL"
    if "owner_id" in cols:
        out["owner_id"] = lit(owner.id) if owner else "NULL"
    if "metadata" in cols:
        out["metadata"] = lit('{"mimetype": "text/plain", "size": 5}') + "::jsonb"
    return out


def _insert_sql(values: dict[str, str], returning: str = "") -> str:
    sql = (f"INSERT INTO storage.objects ({column_list(list(values))}) "
           f"VALUES ({', '.join(values.values())})")
    return f"{sql} RETURNING {returning}" if returning else sql


def place_objects(conn: psycopg.Connection, objects: Table, bucket: str, users: dict[str, User],
                  public: bool = False) -> TableResult:
    """A's and B's objects in their own folders of `bucket`; the result is skipped when they
    cannot be stored."""
    import psycopg

    filled = Filled(objects, Scope("owner", owner="owner"))
    result = TableResult(objects, filled, bucket=bucket, public_bucket=public)
    for label in ("A", "B"):
        name = f"{users[label].id}/supakit-probe/{label.lower()}.txt"
        try:
            with conn.transaction():
                got = conn.execute(_insert_sql(_values(objects, bucket, name, users[label]),
                                               "tableoid::int8, ctid::text, id::text")).fetchone()
        except psycopg.Error as e:
            result.skipped = f"could not store an object in bucket {bucket}: {first_line(e)}"
            return result
        if got:
            filled.rows[label] = Row({"id": str(got[2])}, int(got[0]), str(got[1]))
    return result


def probe_bucket(prober: Prober, result: TableResult, users: dict[str, User]) -> TableResult:
    """What anon and B can do with the objects `place_objects` stored."""
    if result.skipped:
        return result
    objects, filled, bucket = result.table, result.filled, result.bucket or ""
    add = result.attempts.append
    ours = list(filled.rows.values())
    a_rows = [filled.rows["A"]]
    if _can(prober, objects, "anon", "select"):
        add(prober.select("anon", filled, ours, "read"))
    if _can(prober, objects, "anon", "insert"):
        add(_insert(prober, "anon", objects, bucket, f"anon/supakit-probe-{bucket}.txt", None,
                    "write"))
    if _can(prober, objects, "anon", "update"):
        changed = prober.update("anon", filled, ours, "write", {"metadata": "metadata"})
        if changed is not None:
            add(changed)
    if _can(prober, objects, "anon", "delete"):
        add(prober.delete("anon", filled, ours, "write", pre=(ALLOW_DELETE,)))
    if _can(prober, objects, "B", "select"):
        add(prober.select("B", filled, a_rows, "read"))
    if _can(prober, objects, "B", "update"):
        changed = prober.update("B", filled, a_rows, "write", {"metadata": "metadata"})
        if changed is not None:
            add(changed)
    if _can(prober, objects, "B", "delete"):
        add(prober.delete("B", filled, a_rows, "write", pre=(ALLOW_DELETE,)))
    if _can(prober, objects, "B", "insert"):
        spoof = _insert(prober, "B", objects, bucket, f"{users['A'].id}/supakit-probe/from-b.txt",
                        users["B"], "spoof")
        spoof.fakes = "folder"
        add(spoof)
    return result


def _can(prober: Prober, objects: Table, caller: str, command: str) -> bool:
    """The Storage API, not PostgREST, serves storage.objects: the schema need not be exposed."""
    role = role_of(caller)
    return prober.exposure.has_usage("storage", role) and prober.exposure.has_privilege(
        objects, role, command)


def _insert(prober: Prober, caller: str, objects: Table, bucket: str, name: str,
            owner: User | None, purpose: str) -> Attempt:
    sql = _insert_sql(_values(objects, bucket, name, owner))
    return prober.run(caller, "insert", purpose, sql, targeted=1, rows_sql=f"{sql} RETURNING *",
                      new_row=True)
