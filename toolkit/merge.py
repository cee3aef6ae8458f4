"""One cause, one finding. Lint, audit and probe often see the same problem from three sides (a
table without RLS is a lint hit, a catalog fact and a probe observation); a report lists it once,
under the strongest level, with the other sides as its evidence.

Runs on every report, after the suppressions (each finding is suppressed on its own, so an
`ignore` for one rule keeps working) and before rendering.
"""

from __future__ import annotations

from collections.abc import Iterable

from toolkit.model import Finding, Location, ObjectRef, Stage
from toolkit.registry import get

# Which side of a problem leads when levels tie: the catalog's statement of it, then the line
# that caused it, then the folder and apply checks, then what the probe or a live database saw.
STAGE_ORDER = (Stage.AUDIT, Stage.LINT, Stage.CHECK, Stage.APPLY, Stage.DRIFT, Stage.PROBE, Stage.DIFF,
               Stage.SUPPRESSION)


def merge_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Active findings that share an object and a cause become one; exact repeats (one rule,
    one object, one place, one message) are dropped. Suppressed findings stay as they are."""
    findings = list(findings)
    _one_name_per_function([f for f in findings if not f.suppressed_by])
    groups: dict[tuple[str | None, ...], list[Finding]] = {}
    order: list[list[Finding]] = []
    for f in findings:
        if f.suppressed_by:
            order.append([f])
            continue
        key = ("cause", f.object.owner, f.cause) if f.cause else (
            "same", f.rule, str(f.object), str(f.location), f.message)
        group = groups.get(key)
        if group is None:
            groups[key] = group = []
            order.append(group)
        group.append(f)
    return [_fold(group) for group in order]


def _rank(f: Finding, order: int) -> tuple[int, int, int]:
    info = get(f.rule)
    stage = STAGE_ORDER.index(info.stage) if info is not None and info.stage in STAGE_ORDER else len(STAGE_ORDER)
    return (-f.level.rank, stage, order)


def _fold(group: list[Finding]) -> Finding:
    """The strongest finding of the group, carrying the others (repeats of itself carry nothing)."""
    ranked = [f for _, f in sorted(enumerate(group), key=lambda p: _rank(p[1], p[0]))]
    lead, others = ranked[0], ranked[1:]
    for f in others:
        for g in (f, *f.merged):
            if g.rule != lead.rule or g.message != lead.message:
                lead.merged.append(g)
        f.merged = []
    return lead


def _one_name_per_function(findings: list[Finding]) -> None:
    """Lint names a function as written (`public.f`); the catalog with its arguments
    (`public.f(p_id uuid)`). A lint finding takes the catalog's name when the two agree on the
    function: one overload of that name, or the one created where the lint finding points."""
    full: dict[tuple[str | None, str], list[tuple[ObjectRef, Location | None]]] = {}
    for f in findings:
        o = f.object
        if o.type == "function" and "(" in o.name:
            full.setdefault((o.schema, o.name.split("(", 1)[0]), []).append((o, f.location))
    if not full:
        return
    for f in findings:
        o = f.object
        if o.type != "function" or "(" in o.name:
            continue
        schemas = [o.schema] if o.schema else sorted({s for s, n in full if n == o.name and s})
        named = {ref for schema in schemas for ref, _ in full.get((schema, o.name), [])}
        if len(named) > 1:
            named = {ref for schema in schemas for ref, loc in full.get((schema, o.name), [])
                     if loc is not None and loc == f.location}
        if len(named) == 1:
            f.object = next(iter(named))
