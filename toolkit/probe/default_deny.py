"""Requests whose answer Postgres fixes by default, answered from the catalog instead of sent.

With RLS on and no permissive policy for the role and command, Postgres plans a constant-false
qual: a select, update or delete sees no row, and an insert fails its WITH CHECK with 42501. That
holds only when nothing runs before that check or instead of it: a trigger (statement triggers
fire with no row; BEFORE ROW INSERT triggers run before the check), a rule, a column default, a
stored generated column or a domain check on an inserted value (both evaluated before the check),
a routed insert into a partitioned table (routing fails first when no partition takes the row),
statements run before the request, or `row_security` off (a query RLS would filter raises).
Whatever is not known to be harmless is sent. The values an insert supplies are literals cast to
their column's type, built to fit it (the same builder made the rows every request reads); tests
compare each answer with the request sent.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolkit.facts import Exposure
    from toolkit.model import Table
    from toolkit.probe.typeinfo import Extras

# A default that cannot raise: constants, casts, parentheses, commas, and these calls (pg_get_expr
# under search_path '': pg_catalog's functions unqualified, every other schema's qualified).
_SAFE_CALLS = ("now", "gen_random_uuid", "extensions.gen_random_uuid", "extensions.uuid_generate_v4",
               "nextval", "auth.uid", "auth.jwt", "auth.role", "timezone", "statement_timestamp",
               "transaction_timestamp")
_TYPE_WORD = r'(?:"[^"]+"|[A-Za-z_][\w$]*)'
_TOKEN = re.compile("|".join((
    r"\s+", r"[(),]",
    r"'(?:[^']|'')*'",  # a string constant
    r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?",
    r"(?:true|false|NULL)\b",
    r"(?:CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME|LOCALTIMESTAMP|LOCALTIME)\b",
    rf"::{_TYPE_WORD}(?:\.{_TYPE_WORD})?(?:\s+(?:varying|precision))?(?:\(\d+(?:,\s*\d+)?\))?"
    r"(?:\s+with(?:out)?\s+time\s+zone)?(?:\[\])*",
    "(?:" + "|".join(re.escape(f) for f in _SAFE_CALLS) + r")\(",
)))


def safe_default(expr: str) -> bool:
    """The default is made of constants, casts and calls that cannot fail (or be redefined)."""
    pos = 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if m is None or m.end() == pos:
            return False
        pos = m.end()
    return True


def why_denied(exposure: Exposure, extras: Extras, table: Table, role: str, command: str) -> str | None:
    """Why Postgres denies this request whatever the rows are, or None when it must be sent."""
    facts = extras.quiet.get(table.identity)
    api = extras.api_roles.get(role)
    if facts is None or api is None or not facts.quiet or api.bypass_rls:
        return None
    if table.owner in api.acts_as:  # the owner (or who has its rights) is not subject to RLS
        return None
    if not exposure.denied_by_default(table, role, command, api.acts_as):
        return None
    if not _table_grant(table, role, command):
        return None  # a missing column privilege would fail first, with its own message
    if command == "insert" and (table.kind != "r" or facts.loud_columns or role in facts.sequence_denied
                                or not all(safe_default(d) for d in facts.defaults)):
        return None
    return f"not sent: RLS is on and no policy gives {role} {command}; Postgres denies it by default"


def _table_grant(table: Table, role: str, command: str) -> bool:
    """The role holds the command's privilege on the whole table, and SELECT too where the
    request's WHERE reads columns (update, delete, select)."""
    need = (command,) if command == "insert" else (command, "select")
    return all(any(c in table.privileges.get(g, ()) for g in (role, "PUBLIC")) for c in need)
