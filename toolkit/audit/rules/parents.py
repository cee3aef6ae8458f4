"""Rows attached to someone else's parent: an INSERT or UPDATE check that ignores a foreign key
to a row only its owner or organisation can read (a task put into another user's project)."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.audit.context import AuditContext, fmt_list
from toolkit.facts import policy_ref
from toolkit.facts.scope import BLOCKING
from toolkit.model import Category, Cause, Finding, ForeignKey, Level, Policy, Table, quote_ident
from toolkit.registry import RuleInfo, Stage, rule

PARENT_KEY_NOT_CHECKED = RuleInfo(
    id="parent_key_not_checked", level=Level.ERROR, category=Category.SECURITY,
    summary="An INSERT or UPDATE policy ignores a foreign key to a row only its owner or "
            "organisation can read, so a user can attach rows to someone else's (a task in "
            "another user's project); a warning when only the row's author can read it and it goes "
            "with the parent.",
    stage=Stage.AUDIT)

ROLE = "authenticated"


def _private(ctx: AuditContext, parent: Table) -> bool:
    """Signed-in users read only their own (or their organisation's) rows of `parent`."""
    if not ctx.exposure.reaches(parent, ROLE, "select"):
        return True
    return parent.rls and ctx.reads_pinned(parent, ROLE) is not False


def _guarded_parents(ctx: AuditContext, t: Table, private: dict[str, bool]) -> list[tuple[ForeignKey, Table]]:
    """Foreign keys to parents whose rows belong to someone and that signed-in users read only
    their own of (`private` remembers the answer per parent)."""
    scopes = ctx.facts.scopes
    out = []
    for fk in t.foreign_keys:
        parent = ctx.snapshot.table(fk.ref_table)
        if parent is None or parent.identity == t.identity or fk.ref_table in scopes.user_keys:
            continue
        if parent.identity not in private:
            private[parent.identity] = scopes.of(parent).scoped and _private(ctx, parent)
        if private[parent.identity]:
            out.append((fk, parent))
    return out


def _writes(ctx: AuditContext, t: Table, fk: ForeignKey) -> tuple[str, ...]:
    """The commands through which a signed-in user can set the key."""
    cmds = ["insert"] if ctx.exposure.reaches(t, ROLE, "insert") else []
    whole = any("update" in t.privileges.get(r, ()) for r in (ROLE, "PUBLIC"))
    cols = {c for r in (ROLE, "PUBLIC") for c in t.column_privileges.get(r, {}).get("update", ())}
    if ctx.exposure.reaches(t, ROLE, "update") and (whole or set(fk.columns) <= cols):
        cmds.append("update")
    return tuple(cmds)


def _reads_key(ctx: AuditContext, p: Policy, command: str, fk: ForeignKey) -> bool | None:
    """The policy's check of the new row reads the key; None when it grants nothing for the
    command or cannot be judged (always true: policy_always_true; unparsed)."""
    exprs = ctx.command_exprs(p, command)
    if not exprs:
        return None
    new_row = exprs[-1]
    if new_row.always_true or not new_row.parsed:
        return None
    return bool(set(fk.columns) & new_row.columns)


@rule(PARENT_KEY_NOT_CHECKED)
def parent_key_not_checked(ctx: AuditContext) -> Iterator[Finding]:
    private: dict[str, bool] = {}
    for t in ctx.user_tables():
        if not t.rls or not t.foreign_keys:
            continue
        ignored: dict[str, list[tuple[ForeignKey, Table, str]]] = {}
        for fk, parent in _guarded_parents(ctx, t, private):
            for command in _writes(ctx, t, fk):
                policies = [p for p in t.policies if p.applies_to(ROLE) and p.covers(command)]
                if any(not p.permissive and _reads_key(ctx, p, command, fk) for p in policies):
                    continue
                for p in policies:
                    if p.permissive and _reads_key(ctx, p, command, fk) is False:
                        ignored.setdefault(p.identity, []).append((fk, parent, command))
        for p in t.policies:
            found = ignored.get(p.identity)
            if found:
                yield _finding(ctx, t, p, found)


def _level(ctx: AuditContext, t: Table, keys: list[ForeignKey]) -> tuple[Level, str]:
    """An error when someone besides the row's author reads the attached row (the parent's owner
    finds it in their project), or when the key keeps the parent from being deleted; a warning
    when only its author reads it and it goes with the parent: it still reaches whatever reads
    the parent's rows with the service role."""
    users = frozenset(ctx.facts.scopes.of(t).user_columns)
    unseen = bool(users) and ctx.reads_pinned(t, ROLE, users) is not False
    blocking = [fk for fk in keys if fk.on_delete in BLOCKING]
    if unseen and not blocking:
        return Level.WARN, (" (only its author can read it there, and it goes with the parent; it still "
                            "reaches what reads the parent's rows server-side)")
    if unseen:
        return Level.ERROR, (f" and, with {blocking[0].name} not cascading, keep its owner from deleting it")
    return Level.ERROR, ""


def _finding(ctx: AuditContext, t: Table, p: Policy, found: list[tuple[ForeignKey, Table, str]]) -> Finding:
    keys = list(dict.fromkeys(f"{', '.join(fk.columns)} → {parent.identity}" for fk, parent, _ in found))
    commands = sorted({c for _, _, c in found})
    fk, parent, _ = found[0]
    scope = ctx.facts.scopes.of(parent)
    # An owner's parent is pinned to the caller; an organisation's (or a derived one) to the rows
    # the caller can read, which RLS on the policy's own sub-select decides.
    owner = scope.owner if scope.kind == "owner" else None
    match = " and ".join(f"p.{quote_ident(rc)} = {quote_ident(t.name)}.{quote_ident(c)}"
                         for c, rc in zip(fk.columns, fk.ref_columns, strict=True))
    pin = f" and p.{quote_ident(owner)} = (select auth.uid())" if owner else ""
    check = p.with_check if p.with_check is not None else p.using
    level, note = _level(ctx, t, [key for key, _, _ in found])
    return PARENT_KEY_NOT_CHECKED.finding(
        policy_ref(p),
        f"policy {p.name!r} on {t.identity} lets authenticated {'/'.join(commands)} rows without checking "
        f"{fmt_list(keys)}: a user can attach a row to a {parent.identity} row that only its owner "
        f"{'or organisation ' if owner is None else ''}can read{note}", level=level,
        remediation=f"alter policy {quote_ident(p.name)} on {t.identity} with check ({check} and exists "
                    f"(select 1 from {parent.identity} p where {match}{pin}));",
        location=ctx.locate.policy(p),
        evidence={"keys": keys, "commands": commands, "with_check": p.with_check, "using": p.using},
        cause=Cause.parent_key(key.columns for key, _, _ in found),
    )
