"""The data model every stage shares: findings and their locations, and the catalog snapshot.

This module imports nothing else of ours, so any stage can use it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Level(str, Enum):
    ERROR = "error"
    WARN = "warn"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 1, "warn": 2, "error": 3}[self.value]


class Category(str, Enum):
    SECURITY = "security"
    PERFORMANCE = "performance"
    HYGIENE = "hygiene"


@dataclass(frozen=True)
class Location:
    """A place in a project file; `file` is relative to the project root, line and column 1-based."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class ObjectRef:
    type: str  # table, view, policy, function, index, extension, schema, bucket, migration, file
    schema: str | None
    name: str
    parent: str | None = None  # e.g. the table of a policy or index

    def __str__(self) -> str:
        base = f"{self.schema}.{self.name}" if self.schema else self.name
        return f"{base} on {self.parent}" if self.parent else base


@dataclass
class Finding:
    rule: str
    level: Level
    category: Category
    object: ObjectRef
    message: str
    remediation: str = ""
    location: Location | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    suppressed_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["level"] = self.level.value
        d["category"] = self.category.value
        d["location"] = asdict(self.location) if self.location else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        loc = d.get("location")
        return cls(
            rule=d["rule"],
            level=Level(d["level"]),
            category=Category(d["category"]),
            object=ObjectRef(**d["object"]),
            message=d["message"],
            remediation=d.get("remediation", ""),
            location=Location(**loc) if loc else None,
            evidence=d.get("evidence") or {},
            suppressed_by=d.get("suppressed_by"),
        )


@dataclass(frozen=True)
class SourceEvent:
    """One DDL command's effect on one object, traced to the statement that ran it."""

    location: Location
    command_tag: str  # e.g. "CREATE TABLE", "ALTER TABLE", "CREATE POLICY"
    object_type: str  # as pg_event_trigger_ddl_commands() names it: "table", "policy", ...
    identity: str  # pg_identify_object() identity, e.g. "public.invoices", "p on public.t"
    statement_kind: str  # libpg_query node name of the statement
    statement: str  # the statement text (trimmed to a reasonable size)


@dataclass
class SourceMap:
    """Which statement created or last touched each object."""

    events: list[SourceEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index: dict[tuple[str, str], list[SourceEvent]] = {}
        for ev in self.events:
            self._index.setdefault((ev.object_type, ev.identity), []).append(ev)

    def add(self, ev: SourceEvent) -> None:
        self.events.append(ev)
        self._index.setdefault((ev.object_type, ev.identity), []).append(ev)

    def events_for(self, object_type: str, identity: str) -> list[SourceEvent]:
        return self._index.get((object_type, identity), [])

    def created(self, object_type: str, identity: str) -> Location | None:
        evs = self.events_for(object_type, identity)
        for ev in reversed(evs):
            if ev.command_tag.startswith("CREATE"):
                return ev.location
        return evs[0].location if evs else None

    def to_list(self) -> list[dict[str, Any]]:
        return [asdict(e) for e in self.events]

    @classmethod
    def from_list(cls, items: list[dict[str, Any]]) -> SourceMap:
        return cls([SourceEvent(**{**e, "location": Location(**e["location"])}) for e in items])


COVERAGE_STATUSES = ("no grant", "denied", "row-scoped", "predicate", "open", "no RLS")


@dataclass(frozen=True)
class CoverageCell:
    """What one API role can do with one command on one exposed table."""

    schema: str
    table: str
    role: str  # anon | authenticated
    command: str  # select | insert | update | delete
    status: str  # one of COVERAGE_STATUSES
    policies: tuple[str, ...] = ()


@dataclass
class AuditReport:
    """Everything a reporter renders. `info` holds run facts: project, engine, exposure, applied
    migrations, apply failures, stubbed extensions, probe summary, timings."""

    findings: list[Finding] = field(default_factory=list)
    coverage: list[CoverageCell] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def active(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed_by]

    def worst(self) -> Level | None:
        levels = [f.level for f in self.active()]
        return max(levels, key=lambda lv: lv.rank) if levels else None
