"""How each column of a table gets its value: left to its default, taken from a parent row or
a user, or chosen from typed candidates (`free`) under the table's and its domains' checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit.facts.scope import Scope
from toolkit.model import Column, Table
from toolkit.probe.solver import domain_check
from toolkit.probe.typeinfo import Extras, TypeInfo

# Role values that give a member the most power in their own organisation, so the probe tests
# what the strongest outsider could do.
STRONG_ROLES = ("owner", "admin", "administrator", "editor")


@dataclass
class Shape:
    """How each column of a table is filled."""

    types: dict[str, str]  # column -> SQL type for casts
    base: dict[str, tuple[TypeInfo, int, list[str]]]  # column -> resolved base, typmod, domain checks
    free: list[str]  # columns that need a value from the candidates
    nullable_free: set[str]  # free columns that may stay NULL
    checks: list[tuple[tuple[str, ...], str]]  # (columns, expression)
    prefer: tuple[str, ...] = ()
    strong: set[str] = field(default_factory=set)  # free only to pick a member's strongest role


def settable(col: Column) -> bool:
    return not col.generated and col.identity != "always"


def table_shape(t: Table, scope: Scope, extras: Extras) -> Shape:
    fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
    user_cols = set(scope.user_columns)
    table_checks = [(c.columns, c.expression) for c in extras.checks.get(t.identity, [])]
    in_checks = {col for cols, _ in table_checks for col in cols}
    types: dict[str, str] = {}
    base: dict[str, tuple[TypeInfo, int, list[str]]] = {}
    free: list[str] = []
    nullable: set[str] = set()
    strong_cols: set[str] = set()
    checks = list(table_checks)
    prefer = STRONG_ROLES if scope.membership else ()
    for col in t.columns:
        types[col.name] = col.type
        got_type = extras.column_type(t.identity, col.name)
        if got_type is None:
            continue
        info, typmod = got_type
        resolved, base_mod, dchecks = extras.resolve(info, typmod)
        base[col.name] = (resolved, base_mod, dchecks)
        if not settable(col) or col.name in fk_cols or col.name in user_cols:
            continue
        required = col.not_null or info.not_null
        strong = bool(prefer) and _offers(resolved, table_checks, col.name, prefer)
        if (required and col.default is None) or strong:
            free.append(col.name)
            if strong and not (required and col.default is None):
                strong_cols.add(col.name)
        elif col.default is None and (col.name in in_checks or dchecks):
            free.append(col.name)
            nullable.add(col.name)
        for expr in dchecks:
            checks.append(((col.name,), domain_check(expr, col.name)))
    return Shape(types, base, free, nullable, checks, prefer, strong_cols)


def _offers(info: TypeInfo, checks: list[tuple[tuple[str, ...], str]], col: str,
            words: tuple[str, ...]) -> bool:
    if info.typtype == "e":
        return any(w in info.labels for w in words)
    return any(f"'{w}'" in expr for cols, expr in checks if col in cols for w in words)
