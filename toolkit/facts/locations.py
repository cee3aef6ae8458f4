"""Where in the migrations each object came from: the `file:line:col` a finding points at."""

from __future__ import annotations

import functools
import re

from toolkit.facts.refs import object_type
from toolkit.model import ForeignKey, Function, Index, Location, Policy, Snapshot, SourceMap, Table

_DISABLES_RLS = re.compile(r"\bdisable\s+row\s+level\s+security\b", re.IGNORECASE)


class Locations:
    """Answers "which statement made this?" for one snapshot and the source map of its apply
    (None for a live database, where every answer is None)."""

    def __init__(self, snapshot: Snapshot, source_map: SourceMap | None) -> None:
        self.source_map = source_map
        self._by_name = {(t.schema, t.name): t for t in snapshot.tables}
        self._policies: dict[str, Location | None] = {}  # asked for by the matrix and many rules

    def created(self, object_type: str, identity: str) -> Location | None:
        if self.source_map is None:
            return None
        return self.source_map.created(object_type, identity)

    def table(self, table: Table) -> Location | None:
        return self.created(object_type(table), table.identity)

    def policy(self, policy: Policy) -> Location | None:
        """The CREATE POLICY, else the table it is on."""
        if policy.identity in self._policies:
            return self._policies[policy.identity]
        found = self.created("policy", policy.identity)
        if found is None:
            table = self._by_name.get((policy.schema, policy.table))
            found = self.table(table) if table else None
        self._policies[policy.identity] = found
        return found

    def function(self, fn: Function) -> Location | None:
        return self.created("function", fn.identity)

    def index(self, table: Table, index: Index) -> Location | None:
        return self.created("index", index.identity) or self.table(table)

    def rls_disabled(self, table: Table) -> Location | None:
        """The ALTER TABLE that turned RLS off when a migration did, else the CREATE."""
        if self.source_map is not None:
            for ev in reversed(self.source_map.events_for("table", table.identity)):
                if _DISABLES_RLS.search(ev.statement):
                    return ev.location
        return self.table(table)

    def foreign_key(self, table: Table, fk: ForeignKey) -> Location | None:
        """The statement that added the constraint: the latest one naming it or its columns
        next to REFERENCES, else where the table was created."""
        if self.source_map is not None:
            first = fk.columns[0] if fk.columns else fk.name
            events = self.source_map.events_for("table", table.identity)
            for needle, pattern in ((fk.name, _word), (first, _references)):
                # A pattern is compiled only for a statement that holds the name at all.
                key = needle.lower()
                for ev in reversed(events):
                    if key in ev.statement.lower() and pattern(needle).search(ev.statement):
                        return ev.location
        return self.table(table)


@functools.lru_cache(maxsize=1024)
def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _references(column: str) -> re.Pattern[str]:
    """The column next to REFERENCES, or inside FOREIGN KEY (...)."""
    c = re.escape(column)
    return re.compile(rf"\b{c}\b[^,;]*\breferences\b|\bforeign\s+key\s*\([^)]*\b{c}\b", re.IGNORECASE)
