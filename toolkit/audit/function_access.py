"""Which tables a function reaches, through its own body and the project's functions it calls,
and whether anything on that path looks at the caller. Names in a body are resolved against the
snapshot the way Postgres would: a qualified name as written, an unqualified one through the
function's pinned search_path (else the owner's default, `public`). A view stands for the
relations it reads."""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.model import Function, Snapshot, Table
from toolkit.sql.function_body import UNREAD, BodyFacts, body_facts

_DEFAULT_PATH = ("public", "extensions")


@dataclass(frozen=True)
class Access:
    reads: tuple[str, ...] = ()  # table identities
    writes: tuple[str, ...] = ()
    commands: tuple[tuple[str, str], ...] = ()  # (table, insert | update | delete) it runs
    caller_checks: tuple[str, ...] = ()  # "auth.uid()", "current_user", or "private.f() → auth.uid()"
    dynamic: bool = False  # some body on the path runs EXECUTE: the tables it reaches are unknown
    known: bool = True  # every body on the path could be read

    @property
    def touches(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.reads) | set(self.writes)))


class FunctionAccess:
    """Access of each function of one snapshot, worked out once per function."""

    def __init__(self, snapshot: Snapshot, user_functions: list[Function]) -> None:
        self._tables = {(t.schema, t.name): t for t in snapshot.tables}
        self._by_identity = {t.identity: t for t in snapshot.tables}
        self._functions: dict[tuple[str, str], list[Function]] = {}
        for fn in user_functions:
            self._functions.setdefault((fn.schema, fn.name), []).append(fn)
        self._facts: dict[str, BodyFacts] = {}
        self._memo: dict[str, Access] = {}

    def of(self, fn: Function) -> Access:
        """Only a walk that started at `fn` is kept: one cut short by a call cycle is not."""
        got = self._memo.get(fn.identity)
        if got is None:
            got = self._memo[fn.identity] = self._walk(fn, set())
        return got

    def body(self, fn: Function) -> BodyFacts:
        got = self._facts.get(fn.identity)
        if got is None:
            got = self._facts[fn.identity] = body_facts(fn.definition, fn.language)
        return got

    def _walk(self, fn: Function, seen: set[str]) -> Access:
        seen.add(fn.identity)
        facts = self.body(fn)
        if facts is UNREAD or not facts.parsed:
            return Access(known=False)
        path = _search_path(fn)
        reads = {t for name in facts.reads for t in self._relations(name, path)}
        commands = {(t, cmd) for name, cmd in facts.commands for t in self._relations(name, path)}
        checks = list(facts.caller_checks)
        dynamic, known = facts.dynamic, True
        for name in sorted(facts.calls):
            for callee in self._callees(name, path):
                if callee.identity in seen:
                    continue
                sub = self._memo.get(callee.identity) or self._walk(callee, seen)
                reads.update(sub.reads)
                commands.update(sub.commands)
                checks += [f"{callee.schema}.{callee.name}() → {c.split(' → ')[-1]}"
                           for c in sub.caller_checks]
                dynamic = dynamic or sub.dynamic
                known = known and sub.known
        return Access(tuple(sorted(reads)), tuple(sorted({t for t, _ in commands})),
                      tuple(sorted(commands)), tuple(dict.fromkeys(checks)), dynamic, known)

    def _relations(self, name: str, path: tuple[str, ...]) -> list[str]:
        """Table identities a name stands for; a view stands for what it reads."""
        schema, _, rel = name.rpartition(".")
        table = (self._tables.get((schema, rel)) if schema else
                 next((t for s in path if (t := self._tables.get((s, rel))) is not None), None))
        if table is None:
            return []
        out: list[str] = []
        self._expand(table, out, set())
        return out

    def _expand(self, table: Table, out: list[str], seen: set[str]) -> None:
        if table.identity in seen:
            return
        seen.add(table.identity)
        if table.kind in ("v", "m") and table.reads:
            for ref in table.reads:
                inner = self._by_identity.get(ref)
                if inner is not None:
                    self._expand(inner, out, seen)
            return
        out.append(table.identity)

    def _callees(self, name: str, path: tuple[str, ...]) -> list[Function]:
        schema, _, fname = name.rpartition(".")
        if schema:
            return self._functions.get((schema, fname), [])
        for s in path:
            found = self._functions.get((s, fname))
            if found:
                return found
        return []


def _search_path(fn: Function) -> tuple[str, ...]:
    """The schemas an unqualified name is looked up in while the function runs."""
    if fn.search_path is None:
        return _DEFAULT_PATH
    parts = [p.strip().strip('"') for p in fn.search_path.split(",")]
    return tuple(p for p in parts if p and p != "$user")


__all__ = ["Access", "FunctionAccess"]
