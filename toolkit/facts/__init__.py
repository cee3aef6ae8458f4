"""Facts about one snapshot that more than one stage needs: who can reach what through the Data
API, which objects are the project's own, how findings name objects, and where in the migrations
each object came from. Computed once per run (`Facts(snapshot, source_map)`) and read by the
audit and the probe (a report that needs them reads them here too); pure, like the audit: no
database.
"""

from __future__ import annotations

from toolkit.facts.exposure import Exposure, is_platform_schema
from toolkit.facts.locations import Locations
from toolkit.facts.refs import function_ref, index_ref, object_type, policy_ref, table_ref
from toolkit.facts.scope import Scopes
from toolkit.model import Function, Snapshot, SourceMap, Table


class Facts:
    def __init__(self, snapshot: Snapshot, source_map: SourceMap | None = None) -> None:
        self.snapshot = snapshot
        self.source_map = source_map
        self.exposure = Exposure(snapshot)
        self.locate = Locations(snapshot, source_map)
        self._user_tables: dict[str, list[Table]] = {}
        self._user_functions: list[Function] | None = None
        self._scopes: Scopes | None = None

    @property
    def scopes(self) -> Scopes:
        """Whose each table's rows are (owner, tenant, derived from a parent, nobody's)."""
        if self._scopes is None:
            self._scopes = Scopes(self.snapshot.tables)
        return self._scopes

    def user_tables(self, kinds: str = "rp") -> list[Table]:
        """The project's own relations of these kinds (r table, p partitioned, v view,
        m materialized view, f foreign table): not a platform schema's, not an extension's."""
        got = self._user_tables.get(kinds)
        if got is None:
            got = [t for t in self.snapshot.tables
                   if t.kind in kinds and self.exposure.is_user_table(t)]
            self._user_tables[kinds] = got
        return got

    def user_functions(self) -> list[Function]:
        if self._user_functions is None:
            self._user_functions = [f for f in self.snapshot.functions
                                    if self.exposure.is_user_function(f)]
        return self._user_functions


__all__ = ["Exposure", "Facts", "Locations", "Scopes", "function_ref", "index_ref", "is_platform_schema",
           "object_type", "policy_ref", "table_ref"]
