"""Which values in an RPC response are user A's private data.

A value counts when the probe put it into A's rows only: a uuid, a number of four digits or more
(A's free numeric columns get one, see values.RECOGNISABLE_BASE), or text of five characters or
more, in a table that belongs to someone (owner, tenant or derived scope), found in no row of B,
C or D and in no unscoped table. A value the caller could read anyway through the Data API (the
table probe read A's row as that caller) or that the call itself sent is not a leak.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from toolkit.facts.scope import AUTH_USERS
from toolkit.probe.checks import TableResult
from toolkit.probe.session import User
from toolkit.probe.synth import Synthesizer

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# Types whose text form differs from their JSON form, or whose values are too common to mean
# anything when they come back.
_SKIP_TYPES = ("timestamp", "time ", "time(", "boolean", "json", "[]", "interval")
_MIN_TEXT = 5
_SUBSTRING = 8  # strings longer than this are also searched word by word
_WORDS = re.compile(r"[\s,;:()\[\]{}\"'<>|/=]+")


class PrivateValues:
    def __init__(self, synth: Synthesizer, users: dict[str, User], tables: list[TableResult]) -> None:
        self.where: dict[str, set[str]] = {}  # A's value -> "schema.table.column" it came from
        others: set[str] = set()
        self.readable: dict[str, set[str]] = {"anon": set(), "B": set()}
        a_values: dict[str, set[str]] = {}  # table identity -> A's values in it
        for identity, filled in synth.filled.items():
            types = {c.name: c.type for c in filled.table.columns}
            for slot, row in filled.rows.items():
                for col, value in row.values.items():
                    if value is None:
                        continue
                    if slot == "A" and filled.scope.scoped:
                        a_values.setdefault(identity, set()).add(value)
                        if _recognisable(value, types.get(col, "")):
                            self.where.setdefault(value, set()).add(f"{identity}.{col}")
                    else:
                        others.add(value)
        user = users.get("A")
        if user is not None and user.email:
            self.where.setdefault(user.email, set()).add(f"{AUTH_USERS}.email")
        for value in others:
            self.where.pop(value, None)
        for result in tables:
            for attempt in result.attempts:
                if attempt.allowed and attempt.command == "select" and attempt.caller in self.readable:
                    self.readable[attempt.caller] |= a_values.get(result.table.identity, set())

    def leaked(self, body: str | None, caller: str, sent: str | None) -> list[tuple[str, str]]:
        """(A's value, where it came from) for each private value of A's in the response."""
        if not body or not self.where:
            return []
        sent_values = set(_leaves(_loads(sent))) if sent else set()
        readable = self.readable.get(caller, set())
        found: dict[str, str] = {}
        for leaf in _leaves(_loads(body)):
            for value in self._hits(leaf):
                if value not in readable and value not in sent_values and value not in found:
                    found[value] = sorted(self.where[value])[0]
        return sorted(found.items(), key=lambda kv: (kv[1], kv[0]))

    def _hits(self, leaf: str) -> Iterator[str]:
        """The leaf itself, or a word of it (a value built into a sentence or a list)."""
        if leaf in self.where:
            yield leaf
        if len(leaf) > _SUBSTRING:
            yield from (w for w in _WORDS.split(leaf) if w != leaf and w in self.where)


def _recognisable(value: str, type_name: str) -> bool:
    if any(s in type_name for s in _SKIP_TYPES) or type_name == "time":
        return False
    if _UUID.match(value):
        return True
    if _NUMBER.match(value):
        return abs(float(value)) >= 1000
    return len(value) >= _MIN_TEXT


def _loads(text: str | None) -> Any:
    try:
        return json.loads(text or "null", parse_int=str, parse_float=str)
    except ValueError:
        return text


def _leaves(value: Any) -> Iterable[str]:
    """Every string and number in a JSON document, numbers as written. A string that itself
    holds JSON (a text result built with to_json) is opened too."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, str):
        yield value
        if value[:1] in ("{", "["):
            inner = _loads(value)
            if isinstance(inner, dict | list):
                yield from _leaves(inner)


__all__ = ["PrivateValues"]
