"""The probe's rules. Each is an observed fact about a throwaway copy of the project, never a
guess from policy text: a request as anon or as a synthetic user did (or could not do) this.
The checks read one probed table or bucket (`Seen`) each; the probe's runner calls them in the
order they are registered here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from toolkit.facts import table_ref
from toolkit.facts.scope import BLOCKING
from toolkit.facts.sensitive import sensitive_columns
from toolkit.model import Category, Cause, Finding, Level, ObjectRef, Stage, Table
from toolkit.probe import expect as ex
from toolkit.probe.verdict import Context, Seen, join, observed
from toolkit.registry import RuleInfo, register, rule

if TYPE_CHECKING:
    from toolkit.probe.checks import Attempt

PROBE_ANON_READ = RuleInfo(
    id="probe_anon_read", level=Level.ERROR, category=Category.SECURITY, stage=Stage.PROBE,
    summary="A request with the anon key read rows the probe created for a signed-in user.",
    fix="Enable RLS and give anon no SELECT policy on this table (or revoke SELECT from anon). "
        "If the rows really are public, declare it: [tool.supakit.expect.<table>] select = \"public\".")
PROBE_ANON_WRITE = RuleInfo(
    id="probe_anon_write", level=Level.ERROR, category=Category.SECURITY, stage=Stage.PROBE,
    summary="A request with the anon key inserted, updated or deleted rows.",
    fix="Revoke INSERT/UPDATE/DELETE from anon, or write policies `to authenticated` that tie the "
        "row to (select auth.uid()).")
PROBE_CROSS_USER_READ = RuleInfo(
    id="probe_cross_user_read", level=Level.ERROR, category=Category.SECURITY, stage=Stage.PROBE,
    summary="User B read rows owned by user A (or by A's organisation), which B has no part in.",
    fix="Scope the SELECT policy to the row's owner or organisation, e.g. using (user_id = "
        "(select auth.uid())) or using (org_id in (select private.user_org_ids())).")
PROBE_CROSS_USER_WRITE = RuleInfo(
    id="probe_cross_user_write", level=Level.ERROR, category=Category.SECURITY, stage=Stage.PROBE,
    summary="User B updated or deleted rows owned by user A (or by A's organisation).",
    fix="Scope the UPDATE/DELETE policy's USING to the row's owner or organisation instead of any "
        "signed-in user.")
PROBE_OWNER_SPOOF = RuleInfo(
    id="probe_owner_spoof", level=Level.ERROR, category=Category.SECURITY, stage=Stage.PROBE,
    summary="A user created a row in someone else's name or organisation, or handed their own "
            "row to someone else.",
    fix="Add a WITH CHECK that ties the new row to the caller, e.g. with check (user_id = "
        "(select auth.uid())), and for organisation data with check (org_id in (select "
        "private.user_org_ids())).")
PROBE_POLICY_ERROR = RuleInfo(
    id="probe_policy_error", level=Level.ERROR, category=Category.HYGIENE, stage=Stage.PROBE,
    summary="User A's own read or write of A's rows failed with an error raised inside a policy: "
            "the app is broken for every user.",
    fix="Run the statement from the evidence as a signed-in user and fix the policy the error "
        "comes from; a policy that reads its own table recurses (see policy_infinite_recursion).")
EXPECTATION_MISMATCH = RuleInfo(
    id="expectation_mismatch", level=Level.ERROR, category=Category.SECURITY, stage=Stage.PROBE,
    summary="Who can read or write a table differs from the access declared in "
            "[tool.supakit.expect].",
    fix="Change the policies until the probe sees the declared access, or correct the "
        "declaration in [tool.supakit.expect].")
# Reported by the probe's runner for what it could not test.
PROBE_SKIPPED = register(RuleInfo(
    id="probe_skipped", level=Level.INFO, category=Category.HYGIENE, stage=Stage.PROBE,
    summary="The probe could not fill or test a table, so its access was not proven either way.",
    fix="Make the table fillable (see the reason), or exclude it with "
        "[tool.supakit.probe] skip = [\"schema.table\"]."))

# Reported by the probe's runner for the functions it called over /rpc (rpc_verdict.py).
_RPC_FIX = ("Compare every row it returns or changes with the caller (where user_id = (select "
            "auth.uid())), or make it security invoker so the tables' policies apply, or revoke "
            "execute from the roles that must not call it. If it is public on purpose, declare it: "
            "[tool.supakit.expect.<function>] call = \"public\" (or \"authenticated\").")
PROBE_RPC_ANON_READ = register(RuleInfo(
    id="probe_rpc_anon_read", level=Level.ERROR, category=Category.SECURITY, stage=Stage.PROBE,
    summary="A function called over /rpc with the anon key returned a signed-in user's private data.",
    fix=_RPC_FIX))
PROBE_RPC_ANON_WRITE = register(RuleInfo(
    id="probe_rpc_anon_write", level=Level.ERROR, category=Category.SECURITY, stage=Stage.PROBE,
    summary="A function called over /rpc with the anon key changed a signed-in user's rows.",
    fix=_RPC_FIX))
PROBE_RPC_CROSS_USER_READ = register(RuleInfo(
    id="probe_rpc_cross_user_read", level=Level.ERROR, category=Category.SECURITY, stage=Stage.PROBE,
    summary="A function user B called over /rpc, with user A's ids, returned user A's private data.",
    fix=_RPC_FIX))
PROBE_RPC_CROSS_USER_WRITE = register(RuleInfo(
    id="probe_rpc_cross_user_write", level=Level.ERROR, category=Category.SECURITY, stage=Stage.PROBE,
    summary="A function user B called over /rpc, with user A's ids, changed user A's rows.",
    fix=_RPC_FIX))
PROBE_RPC_SKIPPED = register(RuleInfo(
    id="probe_rpc_skipped", level=Level.INFO, category=Category.HYGIENE, stage=Stage.PROBE,
    summary="The probe could not call a function the API exposes, so what it does was not proven "
            "either way.",
    fix="Give the argument a default or a type the probe can make, or make sure the function can "
        "run on an empty database; the static audit still judges its body."))

# infinite_recursion: "infinite recursion detected in policy for relation ...".
RECURSION_SQLSTATE = "42P17"
_VERBS = {"select": "read", "insert": "insert", "update": "update", "delete": "delete"}
# A SELECT that works on a public bucket lists every file name: a warning, not a leak of content.
LISTING_FIX = ("Drop the SELECT policy: files of a public bucket are served by URL without one. If "
               "clients must list files, make the bucket private and scope the policy to the "
               "caller's folder, e.g. (storage.foldername(name))[1] = (select auth.uid())::text.")


def _listing(seen: Seen) -> dict[str, Any]:
    """How a read finding changes on a public bucket."""
    if not seen.listing:
        return {}
    return {"level": Level.WARN, "remediation": LISTING_FIX, "extra": {"listing": True}}


def _nobodys(seen: Seen, attempts: list[Attempt]) -> bool:
    """Rows that belong to no user or organisation (no owner, tenant or parent scope), reached
    through policies written for them: what a catalogue or a waitlist is made for."""
    table = seen.result.table
    return (seen.result.bucket is None and table.rls and not seen.result.filled.scope.scoped
            and all(a.policies for a in attempts))


@rule(PROBE_ANON_READ)
def anon_read(ctx: Context, seen: Seen) -> Iterator[Finding]:
    """Info when the rows are nobody's and nothing in them looks sensitive: a public catalogue."""
    got = [a for a in seen.allowed if a.caller == "anon" and a.command == "select" and seen.undeclared(a)]
    if not got:
        return
    a = got[0]
    verb, things = ("listed", "files") if seen.listing else ("read", "rows")
    yield observed(PROBE_ANON_READ, ctx, seen, f"anon (no sign-in) {verb} {a.rows} of the "
                   f"{a.targeted} {things} the probe created in {seen.what}", got,
                   **(_listing(seen) or _public_by_policy(ctx, seen, got)))


def _public_by_policy(ctx: Context, seen: Seen, attempts: list[Attempt]) -> dict[str, Any]:
    """How an anon read changes when the rows are nobody's: info, unless anon also read columns
    that look sensitive."""
    if not _nobodys(seen, attempts):
        return {}
    table = seen.result.table
    secrets = sensitive_columns(ctx.settings, table, ctx.facts.exposure.readable_columns(table, "anon"))
    if secrets:
        return {"note": f"its rows belong to no user, but anon also read {join(secrets)}"}
    return {"level": Level.INFO, "note": f"public by policy: {seen.what} holds no user or tenant data",
            "remediation": f"Nothing to do if these rows are meant to be public; declare it to have the "
                           f"probe check it: [tool.supakit.expect.{table.name}] select = \"public\"."}


@rule(PROBE_ANON_WRITE)
def anon_write(ctx: Context, seen: Seen) -> Iterator[Finding]:
    """A warning when anon may only add rows that are nobody's (a waitlist, a contact form): spam,
    not a leak. Changing or deleting rows stays an error."""
    got = [a for a in seen.allowed if a.caller == "anon" and a.command != "select" and seen.undeclared(a)]
    if not got:
        return
    spam = all(a.command == "insert" for a in got) and _nobodys(seen, got)
    note = f"a spam risk: {seen.what} holds no user or tenant data" if spam else ""
    fix = ("If anon signing up or writing in is the point, rate-limit it (a captcha, an Edge Function, "
           "a trigger that caps rows per email or per minute) and suppress this with the reason.") if spam else None
    yield observed(PROBE_ANON_WRITE, ctx, seen, f"anon (no sign-in) could "
                   f"{join([a.command for a in got])} rows in {seen.what}", got,
                   level=Level.WARN if spam else None, note=note, remediation=fix, cause=Cause.ANON_WRITE)


@rule(PROBE_CROSS_USER_READ)
def cross_user_read(ctx: Context, seen: Seen) -> Iterator[Finding]:
    got = [a for a in seen.allowed if a.caller in ("B", "D") and a.purpose == "read" and seen.undeclared(a)]
    if got:
        who = join([{"B": "user B", "D": "an anonymous sign-in user"}[a.caller] for a in got])
        done = "listed user A's files" if seen.listing else "read user A's rows"
        yield observed(PROBE_CROSS_USER_READ, ctx, seen, f"{who} {done} in {seen.what}", got,
                       **_listing(seen))


@rule(PROBE_CROSS_USER_WRITE)
def cross_user_write(ctx: Context, seen: Seen) -> Iterator[Finding]:
    got = [a for a in seen.allowed if a.caller == "B" and a.purpose == "write" and seen.undeclared(a)]
    if got:
        yield observed(PROBE_CROSS_USER_WRITE, ctx, seen, f"user B could "
                       f"{join([a.command for a in got])} user A's rows in {seen.what}", got)


@rule(PROBE_OWNER_SPOOF)
def owner_spoof(ctx: Context, seen: Seen) -> Iterator[Finding]:
    """One finding per cause: rows under A's parents (parent_key_not_checked sees them too), rows
    handed or moved to someone else (update_without_with_check), rows in someone else's name."""
    got = [a for a in seen.allowed if a.purpose == "spoof" and seen.undeclared(a)]
    got += [a for a in seen.allowed if a.purpose in ("handover", "move", "reparent")
            and ex.OPENNESS.get(seen.declared.get("update", "owner"), 0) < ex.OPENNESS["authenticated"]]
    parents = [a.parent_key.columns for a in got if a.parent_key is not None]
    groups: dict[str | None, list[Attempt]] = {}
    for a in got:
        cause = (Cause.parent_key(parents) if a.parent_key is not None
                 else Cause.OWNER_NOT_PINNED if a.purpose in ("handover", "move") else None)
        groups.setdefault(cause, []).append(a)
    for cause, attempts in groups.items():
        # A row B attached under A's parent that only B can read, and that goes when the parent
        # goes, still reaches what reads A's rows server-side: a warning, not a leak.
        unseen = all(a.parent_key is not None and not a.shown and a.parent_key.on_delete not in BLOCKING
                     for a in attempts)
        note = "only user B can read the row there, and it goes when the parent goes" if unseen else ""
        yield observed(PROBE_OWNER_SPOOF, ctx, seen, "; ".join(_spoof_phrase(seen, a) for a in attempts),
                       attempts, level=Level.WARN if unseen else None, note=note, cause=cause)


def _spoof_phrase(seen: Seen, a: Attempt) -> str:
    what, result = seen.what, seen.result
    if a.purpose == "handover":
        return f"user A could hand their row in {what} to user B (UPDATE of {result.filled.scope.owner})"
    if a.purpose == "move":
        return f"user A could move their row in {what} into user B's organisation"
    if a.purpose == "reparent":
        return f"user B could move their row in {what} under user A's row in {a.fakes.split(' ', 1)[1]}"
    if a.fakes.startswith("parent "):
        return f"user B could insert a row in {what} under user A's row in {a.fakes.split(' ', 1)[1]}"
    if result.bucket is not None:
        return f"user B could upload into user A's folder of {what}"
    if a.fakes.startswith("membership "):
        return f"user B could join user A's {a.fakes.split(' ', 1)[1]} by inserting into {what}"
    return {
        "name": f"user B could insert a row in {what} in user A's name",
        "tenant": f"user B could insert a row in {what} into user A's organisation",
        "parent": f"user B could insert a row in {what} under user A's rows",
    }.get(a.fakes, f"user B could insert a row in {what}")


@rule(PROBE_POLICY_ERROR)
def policy_error(ctx: Context, seen: Seen) -> Iterator[Finding]:
    got = [a for a in seen.result.attempts if a.purpose == "own" and a.in_policy]
    if got:
        verbs = join([_VERBS[a.command] for a in got])
        errors = "; ".join(dict.fromkeys(a.detail for a in got))
        recursion = any(a.sqlstate == RECURSION_SQLSTATE for a in got)
        yield observed(PROBE_POLICY_ERROR, ctx, seen, f"user A could not {verbs} their own rows in "
                       f"{seen.what}: {errors}", got, policies_did="raised while checking",
                       cause=Cause.POLICY_RECURSION if recursion else None)


@rule(EXPECTATION_MISMATCH)
def expectation_mismatch(ctx: Context, seen: Seen) -> Iterator[Finding]:
    for command, level in sorted(seen.declared.items()):
        got = _mismatch(ctx, seen, command, level)
        if got is not None:
            yield got


def _mismatch(ctx: Context, seen: Seen, command: str, level: str) -> Finding | None:
    result, what = seen.result, seen.what
    saw, attempt, sure = ex.observed(result, command)
    if ex.matches(level, saw, has_peer=ctx.has_peer):
        return None
    broader = ex.OPENNESS[saw] > ex.OPENNESS[level]
    if not broader and not sure:
        return None
    if broader and attempt is not None:
        caller = {"anon": "anon", "B": "user B", "C": "user C (a colleague of A's)",
                  "A": "user A"}[attempt.caller]
        done = f"{caller} could {_VERBS[command]} " + (
            "a row" if command == "insert" else "user A's rows" if attempt.caller != "A" else "their own rows")
        message = f"{what}: {command} is declared '{level}' but {done} (observed '{saw}')"
        attempts = [attempt]
    else:
        message = f"{what}: {command} is declared '{level}' but the probe saw only '{saw}' access"
        attempts = [a for a in result.attempts if a.command == command]
    return observed(EXPECTATION_MISMATCH, ctx, seen, message, attempts,
                    {"declared": level, "observed": saw, "command": command},
                    level=None if broader else Level.WARN)


def skipped_finding(ctx: Context, table: Table, reason: str) -> Finding:
    return PROBE_SKIPPED.finding(table_ref(table), f"{table.identity} was not probed: {reason}",
                                 location=ctx.facts.locate.table(table), evidence={"reason": reason})


def expectation_problem(problem: str, *, what: str = "table") -> Finding:
    """A declaration in [tool.supakit.expect] that names no probed table (or function)."""
    return EXPECTATION_MISMATCH.finding(
        ObjectRef("file", None, "supakit settings"), problem, level=Level.WARN,
        remediation=f"Name a {what} in an exposed schema, as `{what}` or `schema.{what}`.",
        evidence={"problem": problem})
