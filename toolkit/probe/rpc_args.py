"""The arguments of an RPC call, taken from user A's data where the name says what they are.

An argument naming a user (`user_id`, `owner_id`, ...) gets A's user id; one naming a row of a
table (`order_id` → orders, `org_id` → organisations, a column that references that table, or
`id` in `get_order`), or typed with a table's own key type (a domain such as `public.order_id`),
gets the key of A's row there; one with the name of a column of a table
of A's (`username`, `email`) gets A's value of it; an argument of a table's row type gets A's
whole row. Anything else keeps its default, or gets a synthesised value of its type. The values
go into a JSON body, as PostgREST receives `POST /rpc/<name>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from toolkit.facts.scope import AUTH_USERS, OWNER_NAMES, unique_keys
from toolkit.model import Argument, Function, Snapshot, Table
from toolkit.probe.session import User
from toolkit.probe.sqltext import cast, lit, row_filter, text_value
from toolkit.probe.synth import Synthesizer
from toolkit.probe.typeinfo import Extras, TypeInfo
from toolkit.probe.values import Candidates

# Row index of synthesised arguments: no row of A, B, C or D (0-3) holds these values.
ARG_INDEX = 9
_PREFIX = re.compile(r"^(?:p_|_|in_|arg_|param_|v_|target_|the_)+")
_USER_NAMES = frozenset(OWNER_NAMES) | {"user", "userid", "user_uuid", "profile", "member"}
_ALIASES = {"org": ("organisation", "organization"), "user": ("profile",), "team": ("group",)}
_TEXT = frozenset({"text", "character varying", "character", "varchar", "citext", "name"})
_INTEGER = frozenset({"smallint", "integer", "bigint", "numeric"})
_COMMON_TYPES = _TEXT | _INTEGER | {"uuid", "tid"}


@dataclass
class ArgPlan:
    """A call's JSON body (an SQL expression) and what each argument was given."""

    body_sql: str = "'{}'::jsonb"
    record: list[Argument] = field(default_factory=list)  # the arguments passed, in order
    given: dict[str, str] = field(default_factory=dict)  # argument -> where its value came from
    whole_body: Argument | None = None  # a single unnamed json/text argument takes the body
    reason: str | None = None  # no call is possible


class ArgPicker:
    def __init__(self, snapshot: Snapshot, synth: Synthesizer, users: dict[str, User],
                 types: dict[int, TypeInfo], type_oids: dict[str, int]) -> None:
        self.synth = synth
        self.users = users
        self.types = types
        self.type_oids = type_oids
        self.cands = Candidates(types)
        self.extras = Extras(types=types)
        self.filled = {k: f for k, f in synth.filled.items() if "A" in f.rows}
        self.by_name: dict[str, list[Table]] = {}
        for f in self.filled.values():
            self.by_name.setdefault(f.table.name.lower(), []).append(f.table)
        self.fk_targets: dict[str, dict[str, None]] = {}  # column name -> tables it references
        for t in snapshot.tables:
            for fk in t.foreign_keys:
                if len(fk.columns) == 1 and fk.ref_table in self.filled:
                    self.fk_targets.setdefault(fk.columns[0].lower(), {})[fk.ref_table] = None
        # column name -> A's scoped tables that have it, those where it is unique first
        groups: dict[str, list[Table]] = {}
        for f in self.filled.values():
            if f.scope.scoped:
                for col in f.table.columns:
                    groups.setdefault(col.name, []).append(f.table)
        self.by_column = {name: [t.identity for t in sorted(tables, key=lambda t: (
            not any(k == (name,) for k in unique_keys(t)), t.identity))]  # noqa: B023
            for name, tables in groups.items()}
        self.has_column = {name: set(ids) for name, ids in self.by_column.items()}
        # a key type of the project's own (a domain such as public.order_id) -> the table keyed by it
        self.key_types: dict[str, str] = {}
        for f in sorted(self.filled.values(), key=lambda f: f.table.identity):
            key = f.table.column(f.key[0]) if len(f.key) == 1 else None
            if key is not None and _bare(key.type) not in _COMMON_TYPES:
                self.key_types.setdefault(_bare(key.type), f.table.identity)

    def plan(self, fn: Function) -> ArgPlan:
        inputs = fn.inputs
        plan = ArgPlan()
        if len(inputs) == 1 and not inputs[0].name:
            plan.whole_body = inputs[0]
            plan.given[""] = "an empty JSON body (the function takes the whole body)"
            return plan
        pairs: list[str] = []
        for arg in inputs:
            value, source = self._value(fn, arg)
            if value is None:
                if arg.has_default:
                    continue
                plan.reason = source
                return plan
            plan.record.append(arg)
            plan.given[arg.name] = source
            pairs += [lit(arg.name), value]
        if pairs:
            plan.body_sql = f"jsonb_build_object({', '.join(pairs)})"
        return plan

    # --- one argument ---------------------------------------------------------------------------
    def _value(self, fn: Function, arg: Argument) -> tuple[str | None, str]:
        """(SQL expression of arg's type, where it came from); (None, why) when there is none."""
        row_type = self.filled.get(arg.type)
        if row_type is not None:
            return self._row(arg.type), f"user A's row of {arg.type}"
        element = arg.type[:-2] if arg.type.endswith("[]") else None
        base = _PREFIX.sub("", arg.name.lower())
        if element is not None:
            single = base[:-1] if base.endswith("s") else base
            found = self._from_a(fn, single, element)
            if found is not None:
                return f"ARRAY[{found[0]}]", f"[{found[1]}]"
        else:
            found = self._from_a(fn, base, arg.type)
            if found is not None:
                return found
        if arg.has_default:
            return None, "its default"
        return self._synthesised(arg)

    def _from_a(self, fn: Function, base: str, type_name: str) -> tuple[str, str] | None:
        user = self.users.get("A")
        if base in _USER_NAMES and user is not None and _fits("uuid", type_name):
            return text_value(user.id, type_name), "user A's id"
        if base == "id" or base.endswith("_id"):
            stem = base[:-3] if base.endswith("_id") else ""
            for table in self._tables_for(fn, stem, base):
                filled = self.filled[table]
                key = filled.key
                if len(key) != 1 or key == ("tableoid", "ctid"):
                    continue
                col = filled.table.column(key[0])
                value = filled.rows["A"].values.get(key[0])
                if col is not None and value is not None and _fits(col.type, type_name):
                    return text_value(value, type_name), f"user A's {table}.{key[0]}"
        for table in self._by_column(fn, base):
            filled = self.filled[table]
            col = filled.table.column(base)
            value = filled.rows["A"].values.get(base)
            if col is not None and value is not None and _fits(col.type, type_name):
                return text_value(value, type_name), f"user A's {table}.{base}"
        keyed = self.key_types.get(_bare(type_name))
        if keyed is not None:
            filled = self.filled[keyed]
            value = filled.rows["A"].values.get(filled.key[0])
            if value is not None:
                return text_value(value, type_name), f"user A's {keyed}.{filled.key[0]}"
        if base in ("email", "phone") and user is not None:
            value = user.email if base == "email" else user.phone
            if value and _fits("text", type_name):
                return text_value(value, type_name), f"user A's {AUTH_USERS}.{base}"
        return None

    def _tables_for(self, fn: Function, stem: str, base: str) -> list[str]:
        """Tables a key argument can name: by its stem (`order` of `order_id`), by the tables its
        name references as a column, or, for a bare `id`, by the words of the function's name."""
        stems = [stem] if stem else _name_stems(fn.name)
        out: list[str] = []
        for s in stems:
            for name in _plurals(s):
                out += [t.identity for t in self.by_name.get(name, ())]
        if stem:
            out += list(self.fk_targets.get(base, {}))
        return list(dict.fromkeys(t for t in out if t in self.filled))

    def _by_column(self, fn: Function, column: str) -> Iterator[str]:
        """Tables of A's with such a column: those the function's name mentions first, then those
        where it is unique, then the rest (scoped tables only: unscoped rows are nobody's).
        Lazily, so a column many tables share costs nothing past the first that fits."""
        have = self.has_column.get(column, set())
        named = [t.identity for s in _name_stems(fn.name) for name in _plurals(s)
                 for t in self.by_name.get(name, ()) if t.identity in have]
        yield from named
        yield from (t for t in self.by_column.get(column, []) if t not in named)

    def _row(self, table: str) -> str:
        filled = self.filled[table]
        where = row_filter(filled.key, [filled.key_of(filled.rows["A"])], self.synth.shape(filled.table).types)
        return f"(SELECT to_jsonb(supakit_a) FROM {table} AS supakit_a WHERE {where} LIMIT 1)"

    def _synthesised(self, arg: Argument) -> tuple[str | None, str]:
        oid = self.type_oids.get(arg.type)
        info = self.types.get(oid) if oid is not None else None
        if info is None:
            return None, f"argument {arg.name} has type {arg.type}, which the probe does not know"
        base_info, typmod, checks = self.extras.resolve(info)
        if not self.cands.makes(base_info):
            return None, f"argument {arg.name} has type {arg.type}, which the probe cannot make"
        got = [c for c in self.cands.for_type(arg.name, base_info, typmod, ARG_INDEX, checks=checks,
                                              salt=f"rpc.{arg.name}") if c is not None]
        if not got:
            return None, f"argument {arg.name} has type {arg.type}, which the probe cannot make"
        return cast(got[0], arg.type), "a synthesised value"


def _fits(column_type: str, arg_type: str) -> bool:
    """Whether a value of the column's type passes as the argument (through JSON, as PostgREST
    passes it): the same type, integers as integers, anything as text."""
    col, arg = _bare(column_type), _bare(arg_type)
    return col == arg or arg in _TEXT or (col in _INTEGER and arg in _INTEGER)


def _bare(type_name: str) -> str:
    return re.sub(r"\(.*\)", "", type_name).strip()


def _name_stems(name: str) -> list[str]:
    """`cancel_order_item` -> order_item, cancel_order, item, order, cancel (longest first)."""
    words = [w for w in name.lower().split("_") if w]
    runs = {"_".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
    return sorted(runs, key=lambda s: (-len(s), s))


def _plurals(stem: str) -> list[str]:
    out = [stem, f"{stem}s", f"{stem}es"]
    if stem.endswith("y"):
        out.append(f"{stem[:-1]}ies")
    for alias in _ALIASES.get(stem, ()):
        out += [alias, f"{alias}s"]
    return out


def _singulars(name: str) -> list[str]:
    out = [name]
    if name.endswith("ies"):
        out.append(f"{name[:-3]}y")
    if name.endswith("es"):
        out.append(name[:-2])
    if name.endswith("s"):
        out.append(name[:-1])
    return out


__all__ = ["ARG_INDEX", "ArgPicker", "ArgPlan"]
