"""Which tables to fill, and in what order: parents before children, cycles broken at a
nullable foreign key."""

from __future__ import annotations

from collections.abc import Iterable

from toolkit.facts.scope import AUTH_USERS
from toolkit.model import Snapshot, Table


def fill_order(snapshot: Snapshot, targets: Iterable[Table]) -> tuple[list[Table], set[tuple[str, str]]]:
    """The targets and every table their foreign keys need, parents first, plus the foreign
    keys (table, constraint) left NULL to break a cycle."""
    need: dict[str, Table] = {}
    stack = list(targets)
    while stack:
        t = stack.pop()
        if t.identity in need or t.identity == AUTH_USERS:
            continue
        need[t.identity] = t
        for fk in t.foreign_keys:
            parent = snapshot.table(fk.ref_table)
            if parent is not None and parent.kind in ("r", "p"):
                stack.append(parent)
    deps = {i: {fk.ref_table for fk in t.foreign_keys if fk.ref_table in need and fk.ref_table != i}
            for i, t in need.items()}
    order: list[Table] = []
    done: set[str] = set()
    deferred: set[tuple[str, str]] = set()
    while len(done) < len(need):
        ready = sorted(i for i in need if i not in done and deps[i] <= done)
        if not ready:
            pick = min((i for i in need if i not in done),
                       key=lambda i: (_required_open(need[i], done), i))
            deferred.update((pick, fk.name) for fk in need[pick].foreign_keys
                            if fk.ref_table in need and fk.ref_table not in done
                            and fk.ref_table != pick)
            ready = [pick]
        for i in ready:
            done.add(i)
            order.append(need[i])
    return order, deferred


def _required_open(t: Table, done: set[str]) -> int:
    cols = {c.name: c for c in t.columns}
    return sum(1 for fk in t.foreign_keys if fk.ref_table not in done and fk.ref_table != t.identity
               and all(cols[c].not_null for c in fk.columns if c in cols))
