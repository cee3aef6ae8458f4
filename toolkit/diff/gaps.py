"""What the differ cannot write: settings on which migrations and declared schemas still disagree
after the generated migration ran. Compared from two catalog snapshots, so a pure function like
every rule; each difference becomes a `diff_not_expressed` finding with the line that declared it."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.model import Category, Finding, Level, Location, ObjectRef, Snapshot, SourceMap
from toolkit.registry import RuleInfo, register

DIFF_NOT_EXPRESSED = register(RuleInfo(
    id="diff_not_expressed", level=Level.WARN, category=Category.SECURITY,
    summary="The declared schemas change something `supakit diff` cannot write (view options, FORCE RLS, "
            "function, schema or column privileges); add it to the migration by hand.",
    stage="diff"))


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


def _differences(now: Snapshot, want: Snapshot, schemas: set[str]) -> Iterator[tuple[ObjectRef, str, str, tuple[str, str]]]:
    """(object, what differs, the SQL that would fix it, its source-map key)."""
    for t in want.tables:
        have = now.table(t.identity)
        if t.schema not in schemas or have is None or have.kind != t.kind:
            continue
        ref = ObjectRef("view" if t.is_view else "table", t.schema, t.name)
        if t.kind == "v":
            for opt in ("security_invoker", "security_barrier"):
                if getattr(have, opt) != getattr(t, opt):
                    yield (ref, _changed(opt, getattr(have, opt), getattr(t, opt)),
                           f"alter view {t.identity} set ({opt} = {str(getattr(t, opt)).lower()});", ("view", t.identity))
        if t.kind in ("r", "p") and have.force_rls != t.force_rls:
            verb = "force" if t.force_rls else "no force"
            yield (ref, _changed("force row level security", have.force_rls, t.force_rls),
                   f"alter table {t.identity} {verb} row level security;", ("table", t.identity))
        for role in sorted(set(have.privileges) | set(t.privileges)):
            a_privs, b_privs = set(have.privileges.get(role, ())), set(t.privileges.get(role, ()))
            if a_privs != b_privs:  # migra reads no grant on a view (its query joins pg_tables)
                yield (ref, _changed(f"privileges of {role}", ", ".join(sorted(a_privs)) or "none",
                                     ", ".join(sorted(b_privs)) or "none"),
                       _grants(t.identity, role, a_privs, b_privs), (ref.type, t.identity))
        for role in sorted(set(have.column_privileges) | set(t.column_privileges)):
            a, b = have.column_privileges.get(role, {}), t.column_privileges.get(role, {})
            if a != b:
                yield (ref, _changed(f"column privileges of {role}", a or "none", b or "none"),
                       _column_grants(t.identity, role, a, b), (ref.type, t.identity))
    funcs = {f.identity: f for f in now.functions}
    for f in want.functions:
        have_f = funcs.get(f.identity)
        if f.schema not in schemas or have_f is None or set(have_f.execute) == set(f.execute):
            continue
        ref = ObjectRef("function", f.schema, f"{f.name}({f.identity_args})")
        yield (ref, _changed("EXECUTE", _roles(have_f.execute), _roles(f.execute)),
               " ".join(_grants(f"function {f.signature}", role, {"execute"} if role in have_f.execute else set(),
                                {"execute"} if role in f.execute else set())
                        for role in sorted(set(have_f.execute) ^ set(f.execute))), ("function", f.identity))
    for s in want.schemas:
        have_s = now.schema(s.name)
        if s.name not in schemas or have_s is None:
            continue
        for priv in ("usage", "create"):
            a, b = getattr(have_s, priv), getattr(s, priv)
            if set(a) != set(b):
                yield (ObjectRef("schema", None, s.name), _changed(f"{priv.upper()} on the schema", _roles(a),
                                                                   _roles(b)),
                       " ".join(_grants(f"schema {s.name}", role, {priv} if role in a else set(),
                                        {priv} if role in b else set()) for role in sorted(set(a) ^ set(b))),
                       ("schema", s.name))


def not_expressed(now: Snapshot, want: Snapshot, schemas: set[str], declared: SourceMap | None) -> list[Finding]:
    """Findings for every difference the differ left, located where the schemas declare the object."""
    out = []
    for ref, what, fix, key in _differences(now, want, schemas):
        loc: Location | None = declared.created(*key) if declared is not None else None
        out.append(Finding(
            rule=DIFF_NOT_EXPRESSED.id, level=Level.WARN, category=Category.SECURITY, object=ref,
            message=f"{ref} differs in {what}; the differ (migra) does not write this change",
            remediation=f"Add it to the new migration by hand, e.g. `{fix}`, then run `supakit diff` again.",
            location=loc, evidence={"differs": what}))
    return out


__all__ = ["DIFF_NOT_EXPRESSED", "not_expressed"]
