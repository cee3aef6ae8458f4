"""A second database in the same throwaway cluster: a copy of the shimmed one, independent of it."""

from __future__ import annotations


def test_sibling_is_a_shimmed_independent_copy(db) -> None:  # type: ignore[no-untyped-def]
    other = db.sibling("second")
    with other.connect() as conn:
        assert conn.execute("select to_regclass('auth.users') is not null").fetchone() == (True,)
        conn.execute("create table public.only_here (id int)")
        # the shim's database-level search_path travels with it (a template copy alone drops it)
        setting = conn.execute("select setconfig from pg_db_role_setting where setrole = 0 and "
                               "setdatabase = (select oid from pg_database where datname = 'second')").fetchone()
        assert setting is not None and any(s.startswith("search_path=") for s in setting[0])
        assert conn.execute("select current_user, current_database()").fetchone() == ("postgres", "second")
    with db.connect() as conn:
        assert conn.execute("select to_regclass('public.only_here')").fetchone() == (None,)
