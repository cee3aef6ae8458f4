"""Candidate values for one column, most plausible first, varied by a row index so rows of one
table differ wherever a unique key could bite. Candidates are SQL expressions before the cast;
the solver keeps those the table's CHECK constraints accept."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from decimal import Decimal

from toolkit.probe.sqltext import cast, lit
from toolkit.probe.typeinfo import TypeInfo

MAX_CANDIDATES = 12
_NS = uuid.UUID("8f3c1c7e-52b4-4a53-9d1e-2f1a4b5c6d7e")
_BASE_DAY = dt.date(2031, 3, 3)
# Values that tend to make a row world-readable; a synthetic row should not choose them unless
# nothing else passes, or the probe reports sharing the schema intends.
_PUBLIC_WORDS = frozenset({"public", "published", "shared", "open", "everyone", "anyone",
                           "world", "all", "listed", "visible", "global", "active"})
_STRING = re.compile(r"'((?:[^']|'')*)'")
_NUMBER = re.compile(r"(?<![\w.$])(-?\d+(?:\.\d+)?)(?![\w.])")
_INT_LIMITS = {"int2": 32767, "smallint": 32767, "int4": 2147483647, "integer": 2147483647,
               "int8": 9223372036854775807, "bigint": 9223372036854775807}


def check_literals(expressions: list[str]) -> tuple[list[str], list[Decimal]]:
    """String and numeric literals of the checks on one column, in order of appearance."""
    strings: list[str] = []
    numbers: list[Decimal] = []
    for expr in expressions:
        for m in _STRING.finditer(expr):
            s = m.group(1).replace("''", "'")
            num = _as_number(s)
            if num is not None:
                numbers.append(num)
            elif s not in strings:
                strings.append(s)
        for m in _NUMBER.finditer(_STRING.sub("''", expr)):
            num = _as_number(m.group(1))
            if num is not None:
                numbers.append(num)
    return strings, numbers


def _as_number(s: str) -> Decimal | None:
    try:
        return Decimal(s) if re.fullmatch(r"-?\d+(\.\d+)?", s.strip()) else None
    except ArithmeticError:
        return None


def _dedupe(items: list[str | None]) -> list[str | None]:
    out: list[str | None] = []
    for it in items:
        if it not in out:
            out.append(it)
    return out[:MAX_CANDIDATES]


def demote_public(words: list[str]) -> list[str]:
    """Keep order, but move world-readable-sounding values to the end."""
    return [w for w in words if w.lower() not in _PUBLIC_WORDS] + \
        [w for w in words if w.lower() in _PUBLIC_WORDS]


def stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NS, "/".join(str(p) for p in parts)))


def _text_hints(column: str, k: int) -> list[str]:
    name = column.lower()
    rules: list[tuple[str, Callable[[int], list[str]]]] = [
        (r"e?mail", lambda i: [f"probe.{i}@example.com"]),
        (r"slug|handle|username|user_name|login", lambda i: [f"probe-{i}", f"probe_{i}"]),
        (r"url|website|link|href|avatar|image|photo|picture|logo", lambda i: [
            f"https://example.com/probe-{i}.png"]),
        (r"phone|mobile|tel", lambda i: [f"+1555010{i:04d}"]),
        (r"colou?r|hex", lambda i: [f"#{(0x3a5f00 + i) & 0xFFFFFF:06x}"]),
        (r"country", lambda i: [["GB", "US", "DE", "FR", "NL", "SE", "IE", "ES"][i % 8],
                                ["GBR", "USA", "DEU", "FRA", "NLD", "SWE", "IRL", "ESP"][i % 8]]),
        (r"currency", lambda i: [["USD", "EUR", "GBP", "SEK"][i % 4]]),
        (r"^(lang|language|locale)", lambda i: [["en", "de", "fr", "sv"][i % 4]]),
        (r"time_?zone|^tz$", lambda i: ["UTC", "Europe/London"]),
        (r"zip|postcode|postal", lambda i: [f"{10000 + i}"]),
        (r"ip_?addr|^ip$", lambda i: [f"10.0.0.{i + 1}"]),
        (r"path|file|object|key$", lambda i: [f"probe/file-{i}.txt"]),
    ]
    out: list[str] = []
    for pattern, fn in rules:
        if re.search(pattern, name):
            out += fn(k)
    return out


def text_candidates(column: str, k: int, literals: list[str], max_len: int | None) -> list[str]:
    words = _text_hints(column, k)
    words += literals
    if max_len is not None and 0 < max_len <= 8:
        letter = chr(ord("a") + k % 26)
        words += [letter * max_len, letter.upper() * max_len, f"p{k}".ljust(max_len, "0"),
                  str(k + 1)]
    else:
        # Each column its own word, so a value coming back from a function names its column.
        words += [f"probe-{k}-{column}", f"probe-{k}", f"Probe {k}", f"probe_{k}", f"P{k}",
                  f"probe.{k}@example.com", f"PROBE{k}", str(k + 1), chr(ord("a") + k % 26)]
    if max_len is not None and max_len > 0:
        words = [w[:max_len] for w in words]
    seen: list[str] = []
    for w in words:
        if w not in seen:
            seen.append(w)
    return seen


RECOGNISABLE_BASE = 7031


def numeric_candidates(numbers: list[Decimal], k: int, *, integer: bool,
                       limit: Decimal | None, scale: int | None) -> list[str]:
    raw: list[Decimal] = []
    for n in numbers:
        raw += [n + k, n + 1 + k, n, n - 1 - k]
    # First a number nobody else's rows hold, so a value that comes back from a function call
    # can be recognised as this row's (the RPC probe looks for user A's values).
    raw += [Decimal(RECOGNISABLE_BASE + 1000 * k), Decimal(k + 1), Decimal(1), Decimal(0),
            Decimal(10 + k), Decimal(100 + k), Decimal(1000 + k), Decimal("0.5")]
    out: list[str] = []
    for n in raw:
        if integer and n != n.to_integral_value():
            continue
        if scale is not None:
            n = n.quantize(Decimal(1).scaleb(-scale)) if scale > 0 else n.to_integral_value()
        if limit is not None and abs(n) >= limit:
            continue
        s = format(n.normalize() if not integer else n.to_integral_value(), "f")
        if s not in out:
            out.append(s)
    return out


def _day(k: int) -> dt.date:
    return _BASE_DAY + dt.timedelta(days=3 * k)


def datetime_candidates(type_name: str, k: int) -> list[str]:
    day = _day(k)
    if type_name == "date":
        return [str(day), str(day + dt.timedelta(days=1)), str(day + dt.timedelta(days=2)),
                str(day - dt.timedelta(days=3650))]
    if type_name.startswith("time") and not type_name.startswith("timestamp"):
        return ["09:00:00", "10:00:00", "11:30:00", "23:00:00"]
    if type_name == "interval":
        return ["1 hour", "2 hours", "1 day", "30 minutes"]
    tz = "+00" if "with time zone" in type_name or type_name == "timestamptz" else ""
    stamps = [dt.datetime.combine(day, dt.time(9)) + dt.timedelta(hours=h) for h in (0, 1, 2, 26)]
    stamps.append(dt.datetime.combine(day - dt.timedelta(days=3650), dt.time(9)))
    return [s.strftime("%Y-%m-%d %H:%M:%S") + tz for s in stamps]


class Candidates:
    """Builds candidate lists for columns, given resolved type information."""

    def __init__(self, types: dict[int, TypeInfo]) -> None:
        self.types = types

    def for_type(self, column: str, info: TypeInfo, typmod: int, k: int, *,
                 checks: list[str], salt: str, prefer: tuple[str, ...] = ()) -> list[str | None]:
        """SQL expressions (not yet cast to the column type) for row index `k`."""
        strings, numbers = check_literals(checks)
        name = info.name
        cat = info.category
        if info.typtype == "e":
            labels = demote_public(list(info.labels))
            first = [p for p in prefer if p in labels]
            return _dedupe([lit(v) for v in first + [x for x in labels if x not in first]])
        if info.typtype == "r":
            return _dedupe(self._range(info, k))
        if info.typtype == "c" or info.typtype == "p":
            return []
        if cat == "A" and info.element in self.types:
            elem = self.types[info.element]
            inner = self.for_type(column, elem, -1, k, checks=[], salt=salt)
            arrays: list[str | None] = ["'{}'"]
            arrays += [f"ARRAY[{cast(e, elem.name)}]" for e in inner[:2] if e is not None]
            return _dedupe(arrays)
        if name == "uuid":
            return [lit(stable_uuid(salt, column, k))]
        if cat == "B":
            return ["false", "true"]
        if cat == "N" and name not in ("oid", "regclass", "regproc", "regtype"):
            return self._numbers(name, typmod, numbers, k)
        if cat == "D" or name == "interval":
            return _dedupe([lit(v) for v in datetime_candidates(name, k)])
        if name in ("json", "jsonb"):
            return ["'{}'", lit(f'{{"probe": {k}}}'), "'[]'"]
        if cat == "S" or name in ("citext", "name"):
            limit = typmod - 4 if typmod > 4 and name in ("character varying", "character",
                                                          "varchar", "bpchar") else None
            words = text_candidates(column, k, prefer_first(demote_public(strings), prefer), limit)
            return _dedupe([lit(w) for w in words])
        if cat == "I":
            return [lit(f"10.0.{k % 250}.1") if name == "inet" else lit(f"10.{k % 250}.0.0/16")]
        return _dedupe(self._other(name, k))

    def _numbers(self, name: str, typmod: int, numbers: list[Decimal], k: int) -> list[str | None]:
        integer = name in _INT_LIMITS
        limit: Decimal | None = Decimal(_INT_LIMITS[name]) if integer else None
        scale: int | None = None
        if name == "numeric" and typmod > 4:
            precision, scale = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
            limit = Decimal(10) ** (precision - scale)
        if name == "money":
            scale = 2
        return _dedupe(list(numeric_candidates(numbers, k, integer=integer, limit=limit,
                                               scale=scale)))

    def _range(self, info: TypeInfo, k: int) -> list[str | None]:
        sub = self.types.get(info.subtype or 0)
        if sub is None:
            return []
        if sub.category == "D":
            lo, hi = datetime_candidates(sub.name, k)[:2]
            return [lit(f"[{lo},{hi})")]
        if sub.category == "N":
            return [lit(f"[{k + 1},{k + 10})")]
        return []

    def _other(self, name: str, k: int) -> list[str | None]:
        if name in _OTHER_VALUES:
            return [lit(v) for v in _OTHER_VALUES[name](k)]
        return [lit(f"probe-{k}")]

    def makes(self, info: TypeInfo) -> bool:
        """Whether `for_type` knows real values of this (resolved) type, rather than a guess that
        only a type whose input accepts any text would take."""
        if info.typtype in ("c", "p"):
            return False
        if info.typtype == "e":
            return bool(info.labels)
        if info.typtype == "r":
            sub = self.types.get(info.subtype or 0)
            return sub is not None and sub.category in ("D", "N")
        if info.category == "A":
            elem = self.types.get(info.element or 0)
            return elem is not None and self.makes(elem)
        return (info.category in ("B", "D", "S", "I")
                or (info.category == "N" and info.name not in ("oid", "regclass", "regproc", "regtype"))
                or info.name in ("uuid", "interval", "json", "jsonb", "citext", "name")
                or info.name in _OTHER_VALUES)


_OTHER_VALUES: dict[str, Callable[[int], list[str]]] = {
    "bytea": lambda k: ["\\x" + f"{k:02x}"],
    "macaddr": lambda k: [f"08:00:2b:01:02:{k % 256:02x}"],
    "macaddr8": lambda k: [f"08:00:2b:01:02:03:04:{k % 256:02x}"],
    "bit": lambda k: ["1"], "bit varying": lambda k: ["1"],
    "tsvector": lambda k: ["probe"], "tsquery": lambda k: ["probe"],
    "xml": lambda k: ["<probe/>"],
    "point": lambda k: [f"({k},{k})"],
    "ltree": lambda k: [f"probe.p{k}"],
    "hstore": lambda k: [f"probe=>{k}"],
}


def prefer_first(words: list[str], prefer: tuple[str, ...]) -> list[str]:
    first = [p for p in prefer if p in words]
    return first + [w for w in words if w not in first]
