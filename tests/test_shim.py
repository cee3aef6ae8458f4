"""The Supabase shim behaves like Supabase where RLS audits depend on it."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from toolkit.engine.base import Database

SUB = str(uuid.uuid4())


def _as(conn: psycopg.Connection, role: str, claims: dict | None) -> None:
    conn.execute("select set_config('role', %s, true)", (role,))
    if claims is not None:
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))


def test_auth_uid_reads_request_jwt_claims(db: Database) -> None:
    with db.connect(autocommit=False) as conn:
        _as(conn, "authenticated", {"sub": SUB, "role": "authenticated", "email": "a@example.com"})
        uid, role, email, jwt = conn.execute("select auth.uid(), auth.role(), auth.email(), auth.jwt()").fetchone()
        assert str(uid) == SUB and role == "authenticated" and email == "a@example.com"
        assert jwt["sub"] == SUB
        conn.rollback()


def test_auth_uid_is_null_without_claims_and_after_a_transaction(db: Database) -> None:
    with db.connect(autocommit=False) as conn:
        assert conn.execute("select auth.uid()").fetchone()[0] is None
        _as(conn, "authenticated", {"sub": SUB})
        conn.commit()
        # after a transaction-local set_config the GUC is '' rather than NULL
        assert conn.execute("select current_setting('request.jwt.claims', true)").fetchone()[0] == ""
        assert conn.execute("select auth.uid(), auth.jwt()").fetchone() == (None, None)


def test_legacy_single_claim_guc_wins(db: Database) -> None:
    other = str(uuid.uuid4())
    with db.connect(autocommit=False) as conn:
        conn.execute("select set_config('request.jwt.claim.sub', %s, true)", (other,))
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": SUB}),))
        assert str(conn.execute("select auth.uid()").fetchone()[0]) == other


def test_anon_and_authenticated_cannot_read_auth_users(db: Database) -> None:
    for role in ("anon", "authenticated"):
        with db.connect(autocommit=False) as conn:
            _as(conn, role, {"role": role})
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("select * from auth.users")


def test_roles_have_supabase_attributes(db: Database) -> None:
    with db.connect() as conn:
        rows = dict(
            (r[0], r[1:])
            for r in conn.execute(
                "select rolname, rolsuper, rolbypassrls, rolinherit, rolcanlogin from pg_roles "
                "where rolname in ('postgres','anon','authenticated','service_role','authenticator')"
            )
        )
    assert rows["postgres"][:2] == (False, True)  # not superuser, bypasses RLS
    assert rows["service_role"][1] is True
    assert rows["anon"][1] is False and rows["authenticated"][1] is False
    assert rows["authenticator"][2] is False  # NOINHERIT
    assert rows["authenticator"][3] is True


def test_legacy_exposure_grants_new_tables_to_api_roles(db: Database) -> None:
    with db.connect() as conn:
        conn.execute("create table public.t_legacy (id int)")
        assert conn.execute("select has_table_privilege('anon', 'public.t_legacy', 'select')").fetchone()[0]


def test_explicit_exposure_keeps_new_tables_private(make_db) -> None:  # type: ignore[no-untyped-def]
    db = make_db("explicit")
    with db.connect() as conn:
        conn.execute("create table public.t_explicit (id int)")
        privs = conn.execute(
            "select has_table_privilege('anon', 'public.t_explicit', 'select'), "
            "has_table_privilege('authenticated', 'public.t_explicit', 'insert'), "
            "has_table_privilege('anon', 'public.t_explicit', 'truncate')"
        ).fetchone()
    assert privs == (False, False, True)


def test_migrations_can_do_what_supabase_allows(db: Database, apply_sql) -> None:  # type: ignore[no-untyped-def]
    _, result = apply_sql(db, {"20240101000000_a.sql": """
        create table public.notes (id uuid primary key default gen_random_uuid(),
          user_id uuid references auth.users(id) on delete cascade, body text);
        alter table public.notes enable row level security;
        create policy notes_own on public.notes for select to authenticated using ((select auth.uid()) = user_id);
        create policy obj_own on storage.objects for select to authenticated
          using (bucket_id = 'b' and (storage.foldername(name))[1] = (select auth.uid())::text);
        insert into storage.buckets (id, name, public) values ('b', 'b', false);
        select uuid_generate_v4(), crypt('x', gen_salt('bf'));
    """})
    assert result.complete and result.platform_changes == []


def test_postgres_alone_cannot_touch_the_platform_schemas(db: Database) -> None:
    """Outside the applier (no supautils stand-in) PostgreSQL refuses what it refuses on hosted."""
    for sql in ("create policy p on storage.objects for select using (true)",
                "create or replace function auth.uid() returns uuid language sql as 'select null::uuid'",
                "alter table auth.users enable row level security",
                "insert into auth.schema_migrations values ('1')"):
        with db.connect() as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql)  # type: ignore[arg-type]


def test_storage_helpers(db: Database) -> None:
    with db.connect() as conn:
        row = conn.execute(
            "select storage.foldername('u/a/b.tar.gz'), storage.filename('u/a/b.tar.gz'), "
            "storage.extension('u/a/b.tar.gz')"
        ).fetchone()
    assert row == (["u", "a"], "b.tar.gz", "gz")


@pytest.mark.parametrize(
    "sql",
    [
        "copy (select 1) to program 'id'",
        "alter system set work_mem = '1GB'",
        "select pg_read_file('/etc/passwd')",
        "create role sneaky superuser",
    ],
)
def test_postgres_role_cannot_escape_the_cluster(db: Database, sql: str) -> None:
    with db.connect() as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(sql)  # type: ignore[arg-type]
