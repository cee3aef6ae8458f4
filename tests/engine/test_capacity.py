"""A throwaway cluster holds as many locks in one transaction as probing a 5,000-table project
takes (the probe fills every table inside a single transaction)."""

from __future__ import annotations

from toolkit.engine.base import Database


def test_one_transaction_can_hold_twenty_thousand_locks(db: Database) -> None:
    with db.connect() as conn, conn.transaction():
        row = conn.execute("select count(pg_advisory_xact_lock(i)) from generate_series(1, 20000) i").fetchone()
        assert row == (20000,)
