"""What the differ cannot write: settings on which migrations and declared schemas still disagree
after the generated migration ran. Compared from two catalog snapshots, so a pure function like
every rule; each difference becomes a `diff_not_expressed` finding with the line that declared it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from toolkit.model import Category, Finding, Level, ObjectRef, Snapshot, SourceMap, Stage, Table
from toolkit.registry import RuleInfo, register

# Reported by `supakit diff` (toolkit/diff/run.py) from the two snapshots it compares.
DIFF_NOT_EXPRESSED = register(RuleInfo(
    id="diff_not_expressed", level=Level.WARN, category=Category.SECURITY, stage=Stage.DIFF,
    summary="The declared schemas change something `supakit diff` cannot write (view options, FORCE RLS, "
            "function, schema or column privileges); add it to the migration by hand."))


def _roles(values: tuple[str, ...]) -> str:
    return ", ".join(values) or "no API role"


def _grants(on: str, role: str, have: set[str], want: set[str]) -> str:
    """The GRANT and REVOKE that turn `have` into `want` for `role` on `on`."""
    who = "public" if role == "PUBLIC" else role
    out = []
    if want - have:
        out.append(f"grant {', '.join(sorted(want - have))} on {on} to {who};")
    if have - want:
        out.append(f"revoke {', '.join(sorted(have - want))} on {on} from {who};")
    return " ".join(out)


def _column_grants(on: str, role: str, have: dict[str, tuple[str, ...]], want: dict[str, tuple[str, ...]]) -> str:
    out = []
    for priv in sorted(set(have) | set(want)):
        a, b = set(have.get(priv, ())), set(want.get(priv, ()))
        for cols, verb in ((b - a, "grant"), (a - b, "revoke")):
            if cols:
                who = f"to {role}" if verb == "grant" else f"from {role}"
                out.append(f"{verb} {priv} ({', '.join(sorted(cols))}) on {on} {who};")
    return " ".join(out)


def _changed(what: str, before: object, after: object) -> str:
    return f"{what}: {before} after the migration, {after} in the declared schemas"


@dataclass(frozen=True)
class _Gap:
    ref: ObjectRef
    what: str
    fix: str  # the SQL that closes it
    key: tuple[str, str]  # (object type, identity) in the declared side's source map
    wider: bool  # the migration leaves more access than declared


def _privilege_gaps(ref: ObjectRef, on: str, key: tuple[str, str], label: str, priv: str,
                    have: tuple[str, ...], want: tuple[str, ...]) -> Iterator[_Gap]:
    """One privilege (EXECUTE, USAGE, CREATE) held by a set of roles."""
    if set(have) != set(want):
        fix = " ".join(_grants(on, role, {priv} if role in have else set(), {priv} if role in want else set())
                       for role in sorted(set(have) ^ set(want)))
        yield _Gap(ref, _changed(label, _roles(have), _roles(want)), fix, key, bool(set(have) - set(want)))


def _table_gaps(have: Table, t: Table) -> Iterator[_Gap]:
    ref = ObjectRef("view" if t.is_view else "table", t.schema, t.name)
    key = (ref.type, t.identity)
    if t.kind == "v":
        for opt in ("security_invoker", "security_barrier"):
            a, b = getattr(have, opt), getattr(t, opt)
            if a != b:
                yield _Gap(ref, _changed(opt, a, b), f"alter view {t.identity} set ({opt} = {str(b).lower()});",
                           key, b)
    if t.kind in ("r", "p") and have.force_rls != t.force_rls:
        verb = "force" if t.force_rls else "no force"
        yield _Gap(ref, _changed("force row level security", have.force_rls, t.force_rls),
                   f"alter table {t.identity} {verb} row level security;", key, t.force_rls)
    for role in sorted(set(have.privileges) | set(t.privileges)):
        a, b = set(have.privileges.get(role, ())), set(t.privileges.get(role, ()))
        if a != b:  # migra reads no grant on a view (its query joins pg_tables)
            yield _Gap(ref, _changed(f"privileges of {role}", ", ".join(sorted(a)) or "none",
                                     ", ".join(sorted(b)) or "none"), _grants(t.identity, role, a, b), key, bool(a - b))
    for role in sorted(set(have.column_privileges) | set(t.column_privileges)):
        only = _granted(have, role) | _granted(t, role)
        ca, cb = _columns(have, role, only), _columns(t, role, only)
        if ca != cb:
            wider = any(set(ca.get(p, ())) - set(cb.get(p, ())) for p in ca)
            yield _Gap(ref, _changed(f"column privileges of {role}", _show(ca), _show(cb)),
                       _column_grants(t.identity, role, ca, cb), key, wider)


_COLUMN_PRIVILEGES = ("select", "insert", "update")


def _granted(t: Table, role: str) -> set[str]:
    return {c for cols in t.column_privileges.get(role, {}).values() for c in cols}


def _columns(t: Table, role: str, only: set[str]) -> dict[str, tuple[str, ...]]:
    """What `role` may do with the columns in `only`: the snapshot lists a column only when it has
    grants of its own (and then with the table's); otherwise the table's privileges decide."""
    own = t.column_privileges.get(role, {})
    table = set(t.privileges.get(role, ())) & set(_COLUMN_PRIVILEGES)
    rest = only - _granted(t, role)
    out = {}
    for priv in _COLUMN_PRIVILEGES:
        cols = (set(own.get(priv, ())) & only) | (rest if priv in table else set())
        if cols:
            out[priv] = tuple(sorted(cols))
    return out


def _show(privs: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{p} ({', '.join(cols)})" for p, cols in privs.items()) or "none"


def _differences(now: Snapshot, want: Snapshot, schemas: set[str]) -> Iterator[_Gap]:
    for t in want.tables:
        have = now.table(t.identity)
        if t.schema in schemas and have is not None and have.kind == t.kind:
            yield from _table_gaps(have, t)
    funcs = {f.identity: f for f in now.functions}
    for f in want.functions:
        have_f = funcs.get(f.identity)
        if f.schema in schemas and have_f is not None:
            yield from _privilege_gaps(ObjectRef("function", f.schema, f"{f.name}({f.identity_args})"),
                                       f"function {f.signature}", ("function", f.identity), "EXECUTE", "execute",
                                       have_f.execute, f.execute)
    for s in want.schemas:
        have_s = now.schema(s.name)
        if s.name in schemas and have_s is not None:
            for priv in ("usage", "create"):
                yield from _privilege_gaps(ObjectRef("schema", None, s.name), f"schema {s.name}", ("schema", s.name),
                                           f"{priv.upper()} on the schema", priv, getattr(have_s, priv),
                                           getattr(s, priv))


def not_expressed(now: Snapshot, want: Snapshot, schemas: set[str], declared: SourceMap | None) -> list[Finding]:
    """Findings for every difference the differ left, located where the schemas declare the object.
    An error when the migration would leave more access than the schemas declare."""
    out = []
    for gap in _differences(now, want, schemas):
        out.append(DIFF_NOT_EXPRESSED.finding(
            gap.ref, f"{gap.ref} differs in {gap.what}; the differ (migra) does not write this change"
            + (", so the migration leaves more access than declared" if gap.wider else ""),
            remediation=f"Add it to the new migration by hand, e.g. `{gap.fix}`, then run `supakit diff` again.",
            location=declared.created(*gap.key) if declared is not None else None,
            level=Level.ERROR if gap.wider else None,
            evidence={"differs": gap.what, "fix": gap.fix, "wider": gap.wider}))
    return out


__all__ = ["DIFF_NOT_EXPRESSED", "not_expressed"]
