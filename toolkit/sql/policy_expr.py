"""What a policy's USING / WITH CHECK expression does, read with sqlglot from pg_get_expr's text.

The questions the audit asks: which columns of the policy's own row does it read, does it tie
a row column to the caller (`user_id = (select auth.uid())`, `org_id in (select ... where
user_id = auth.uid())`), is it literally true, does it call auth helpers per row instead of
once as an InitPlan, does it trust `user_metadata`. The analysis never raises: text sqlglot
cannot parse gets conservative answers (row-dependent, not tied to the caller) and regexes
for the auth-call and metadata tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeVar

import sqlglot
from sqlglot import exp

_E = TypeVar("_E", bound=exp.Expr)

# Helpers whose per-row evaluation costs a function call each row (Supabase's initplan advice).
AUTH_FUNCTIONS = frozenset({"auth.uid", "auth.jwt", "auth.role", "auth.email"})
# Helpers that identify the caller (auth.role() names a class of callers, not one caller).
CALLER_FUNCTIONS = frozenset({"auth.uid", "auth.jwt", "auth.email"})
SETTING_FUNCTIONS = frozenset({"current_setting", "pg_catalog.current_setting"})
METADATA_RE = re.compile(r"user_metadata|raw_user_meta_data", re.IGNORECASE)
_CALL_RE = re.compile(r"\b(auth\.(?:uid|jwt|role|email)|current_setting)\s*\(", re.IGNORECASE)
_WRAPPED_RE = re.compile(r"select\s+$", re.IGNORECASE)
_TRUE_TEXTS = {"true", "1=1", "'t'", "(true)"}
_SELECT_RE = re.compile(r"\bselect\b", re.IGNORECASE)
MAX_BRANCHES = 32

# Comparisons through which a row column can be tied to the caller.
_COMPARISONS: tuple[type[exp.Expr], ...] = (
    exp.EQ, exp.NullSafeEQ, exp.In, exp.Like, exp.ILike, exp.ArrayContainsAll,
    exp.ArrayContainedBy, exp.ArrayOverlaps, exp.RegexpLike,
)
# sqlglot models these as functions too; they are operators, not calls.
_OPERATORS: tuple[type[exp.Expr], ...] = (
    exp.Connector, exp.Binary, exp.Unary, exp.Cast, exp.Case, exp.If, exp.Not, exp.Paren,
)


@dataclass(frozen=True)
class Branch:
    """One way to pass an expression: the terms of one alternative of its ORs (`a and (b or c)`
    has the branches `a and b` and `a and c`)."""

    caller_columns: frozenset[str] = frozenset()  # own columns one of its terms ties to the caller
    # Terms that tie the row to another table's row without the caller (`exists (select 1 from
    # chats c where c.id = chat_id and c.shared)`), with the own columns each reads.
    related: tuple[tuple[str, frozenset[str]], ...] = ()


@dataclass(frozen=True)
class ExprFacts:
    """Answers for one expression. `parsed` is False when sqlglot could not read it."""

    text: str | None
    parsed: bool = True
    columns: frozenset[str] = frozenset()  # own-row columns read anywhere
    row_dependent: bool = False  # the result depends on the row being checked
    always_true: bool = False  # literally true (`true`, `1 = 1`, `x OR true`)
    caller_scoped: bool = False  # every way to pass ties a row column to the caller
    caller_columns: frozenset[str] = frozenset()  # own columns compared with the caller
    other_caller_columns: frozenset[tuple[str, str]] = frozenset()  # (table, column) in subqueries
    unwrapped_calls: tuple[str, ...] = ()  # auth.uid() etc. evaluated per row
    user_metadata: bool = False
    functions: frozenset[str] = frozenset()  # qualified names of the functions it calls
    literals: tuple[tuple[str, str], ...] = field(default=())  # (own column, string literal)
    subqueries: bool = False  # has a sub-select (even `(select auth.uid())`): Postgres expands RLS in it
    reads: frozenset[str] = frozenset()  # schema-qualified tables its sub-selects read
    branches: tuple[Branch, ...] = ()  # its OR alternatives, when it was parsed

    def literals_for(self, column: str) -> tuple[str, ...]:
        return tuple(lit for col, lit in self.literals if col == column)


def is_literally_true(text: str | None) -> bool:
    """Cheap text test for the trivially-true forms pg_get_expr prints."""
    if text is None:
        return False
    return re.sub(r"\s+", "", text).lower().strip("()") in {t.strip("()") for t in _TRUE_TEXTS}


def _fallback(text: str) -> ExprFacts:
    """Conservative facts for text sqlglot rejected: assume it reads the row, never the caller."""
    calls = []
    for m in _CALL_RE.finditer(text):
        if not _WRAPPED_RE.search(text[: m.start()]):
            calls.append(m.group(1).lower() + "()")
    return ExprFacts(
        text=text,
        parsed=False,
        row_dependent=True,
        always_true=is_literally_true(text),
        unwrapped_calls=tuple(dict.fromkeys(calls)),
        user_metadata=bool(METADATA_RE.search(text)),
        subqueries=bool(_SELECT_RE.search(text)),
    )


def function_name(node: exp.Expr) -> str | None:
    """`auth.uid` for `auth.uid()`, `current_setting` for an unqualified call, else None."""
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
        qualifier = node.this
        if isinstance(qualifier, exp.Identifier | exp.Column):
            return f"{qualifier.name}.{_func_name(node.expression)}".lower()
        return None
    if isinstance(node, exp.Func) and not isinstance(node, _OPERATORS) \
            and not isinstance(node.parent, exp.Dot):
        return _func_name(node).lower()
    return None


def _func_name(fn: exp.Func) -> str:
    if isinstance(fn, exp.Anonymous):
        return fn.name
    return fn.sql_name()


_SUBQUERIES = (exp.Select, exp.Subquery, exp.Exists)


class _Analysis:
    """One pass from the leaves up records, per node: the function it calls, whether it
    involves the caller, the own-row columns it reads, and those it reads outside subqueries."""

    def __init__(self, root: exp.Expr, table: str, helpers: frozenset[str]) -> None:
        self.table = table
        self.helpers = helpers
        self._sources_cache: dict[int, dict[str, str]] = {}
        self.nodes = list(root.walk())
        self.fname: dict[int, str | None] = {}
        self.caller: dict[int, bool] = {}
        self.own: dict[int, frozenset[str]] = {}
        self.direct: dict[int, frozenset[str]] = {}
        empty: frozenset[str] = frozenset()
        for node in reversed(self.nodes):  # children before their parents
            key = id(node)
            name = function_name(node)
            self.fname[key] = name
            caller = name is not None and self._is_caller_call(node, name)
            own: frozenset[str] = empty
            direct: frozenset[str] = empty
            if isinstance(node, exp.Column) and self._is_own(node):
                own = direct = frozenset((node.name,))
            for child in node.iter_expressions():
                ck = id(child)
                caller = caller or self.caller[ck]
                if self.own[ck]:
                    own = own | self.own[ck]
                    if not isinstance(child, _SUBQUERIES):
                        direct = direct | self.direct[ck]
            self.caller[key] = caller
            self.own[key] = own
            self.direct[key] = direct

    # --- scopes -------------------------------------------------------------------------------
    def _sources(self, select: exp.Select) -> dict[str, str]:
        """alias or name -> qualified table name, for the FROM/JOIN items of one SELECT."""
        out = self._sources_cache.get(id(select))
        if out is None:
            out = {}
            for tbl in select.find_all(exp.Table):
                if _nearest_select(tbl) is not select:
                    continue
                out[tbl.alias_or_name] = f"{tbl.db}.{tbl.name}" if tbl.db else tbl.name
            self._sources_cache[id(select)] = out
        return out

    def _is_own(self, col: exp.Column) -> bool:
        qualifier = col.table
        scope = _nearest_select(col)
        while scope is not None:
            sources = self._sources(scope)
            if qualifier and qualifier in sources:
                return False
            if not qualifier and sources:
                return False
            scope = _nearest_select(scope)
        return not qualifier or qualifier == self.table

    def own_columns(self, node: exp.Expr) -> frozenset[str]:
        return self.own[id(node)]

    # --- the caller -----------------------------------------------------------------------------
    def _is_caller_call(self, node: exp.Expr, name: str) -> bool:
        if name in CALLER_FUNCTIONS or name in self.helpers:
            return True
        if name in SETTING_FUNCTIONS:
            call = node.expression if isinstance(node, exp.Dot) else node
            args = list(call.expressions) if isinstance(call, exp.Anonymous) else []
            first = next(iter(_walk(args[0], exp.Literal)), None) if args else None
            return first is not None and str(first.this).startswith("request.jwt")
        return False

    def involves_caller(self, node: exp.Expr) -> bool:
        return self.caller[id(node)]

    def _direct_columns(self, node: exp.Expr) -> frozenset[str]:
        """Own columns read by `node` outside any subquery (`foldername(name)[1]` reads name)."""
        return self.direct[id(node)]

    def comparison_columns(self, node: exp.Expr) -> frozenset[str]:
        """Own columns this node ties to the caller, when it is a comparison or a helper call."""
        if isinstance(node, _COMPARISONS):
            sides: list[exp.Expr] = [s for s in (node.this, node.args.get("expression"),
                                                 node.args.get("query")) if s is not None]
            sides += list(node.args.get("expressions") or [])
            callers = [self.caller[id(side)] for side in sides]
            if not any(callers):
                return frozenset()
            found: set[str] = set()
            for i, side in enumerate(sides):
                if any(callers[:i]) or any(callers[i + 1:]):
                    found |= self.direct[id(side)]
            return frozenset(found)
        name = self.fname[id(node)]
        if name is None or not isinstance(node, exp.Dot | exp.Anonymous):
            return frozenset()
        if name in self.helpers or self.caller[id(node)]:
            return self.direct[id(node)]
        return frozenset()

    def correlated_caller_columns(self, query: exp.Expr) -> frozenset[str]:
        """Own columns a correlated subquery that involves the caller reads (EXISTS membership)."""
        if self.caller[id(query)]:
            return self.own[id(query)]
        return frozenset()

    def scoped(self, node: exp.Expr) -> bool:
        if isinstance(node, exp.Paren):
            return self.scoped(node.this)
        if isinstance(node, exp.And):
            return self.scoped(node.this) or self.scoped(node.expression)
        if isinstance(node, exp.Or):
            return self.scoped(node.this) and self.scoped(node.expression)
        if isinstance(node, exp.Exists | exp.Subquery):
            return bool(self.correlated_caller_columns(node))
        return bool(self.comparison_columns(node))

    def scoped_columns(self, node: exp.Expr) -> frozenset[str]:
        """Own columns a term ties to the caller; empty when it does not tie the row to the caller."""
        if not self.scoped(node):
            return frozenset()
        return frozenset(c for n in node.walk() if isinstance(n, (*_COMPARISONS, *_SUBQUERIES))
                         for c in self.comparison_columns(n) | self.correlated_caller_columns(n))

    def related_columns(self, node: exp.Expr) -> frozenset[str]:
        """Own columns a term's correlated sub-selects read: a predicate on another table's row."""
        return frozenset(c for n in node.walk() if isinstance(n, exp.Select) for c in self.own[id(n)])

    def branch(self, terms: list[exp.Expr]) -> Branch:
        caller: frozenset[str] = frozenset()
        related = []
        for term in terms:
            cols = self.scoped_columns(term)
            if cols:
                caller |= cols
            elif rel := self.related_columns(term):
                related.append((term.sql(dialect="postgres"), rel))
        return Branch(caller, tuple(related))

    # --- other facts ----------------------------------------------------------------------------
    def unwrapped_calls(self) -> list[str]:
        calls = []
        for node in self.nodes:
            name = self.fname[id(node)]
            if name is None or not (name in AUTH_FUNCTIONS or name in SETTING_FUNCTIONS):
                continue
            if not self._evaluated_once(node):
                calls.append(("current_setting" if name in SETTING_FUNCTIONS else name) + "()")
        return list(dict.fromkeys(calls))

    def _evaluated_once(self, node: exp.Expr) -> bool:
        """Inside a sub-select that reads no column of the row: Postgres runs it as an InitPlan."""
        scope = _nearest_select(node)
        while scope is not None:
            if not self.own_columns(scope):
                return True
            scope = _nearest_select(scope)
        return False

    def literals(self) -> list[tuple[str, str]]:
        out = []
        for node in self.nodes:
            if isinstance(node, exp.EQ | exp.In) and isinstance(node.this, exp.Column):
                if not self._is_own(node.this):
                    continue
                for lit in _walk(node, exp.Literal, skip_selects=True):
                    if lit.is_string:
                        out.append((node.this.name, str(lit.this)))
        return out


def _nearest_select(node: exp.Expr) -> exp.Select | None:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.Select):
            return parent
        parent = parent.parent
    return None


def _walk(node: exp.Expr, kind: type[_E], *, skip_selects: bool = False) -> Iterator[_E]:
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, kind):
            yield cur
        for child in cur.iter_expressions():
            if skip_selects and isinstance(child, exp.Select | exp.Subquery | exp.Exists):
                continue
            stack.append(child)


def _always_true(node: exp.Expr) -> bool:
    if isinstance(node, exp.Paren):
        return _always_true(node.this)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Or):
        return _always_true(node.this) or _always_true(node.expression)
    if isinstance(node, exp.And):
        return _always_true(node.this) and _always_true(node.expression)
    if isinstance(node, exp.EQ):
        left, right = _unparen(node.this), _unparen(node.expression)
        return isinstance(left, exp.Literal) and left == right
    return False


def _alternatives(node: exp.Expr) -> list[list[exp.Expr]]:
    """The OR alternatives of an expression, each as its AND-ed terms (distributing AND over OR);
    one alternative holding the whole expression when there would be too many."""
    node = _unparen(node)
    if not isinstance(node, exp.Or | exp.And):
        return [[node]]
    left, right = _alternatives(node.this), _alternatives(node.expression)
    if isinstance(node, exp.Or):
        out = left + right
    elif len(left) * len(right) <= MAX_BRANCHES:
        out = [a + b for a in left for b in right]
    else:
        return [[node]]
    return out if len(out) <= MAX_BRANCHES else [[node]]


def _reads(root: exp.Expr) -> frozenset[str]:
    return frozenset(f"{t.db}.{t.name}" for t in root.find_all(exp.Table)
                     if t.db and _nearest_select(t) is not None)


def _unparen(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _caller_columns(an: _Analysis) -> set[str]:
    found: set[str] = set()
    for node in an.nodes:
        found |= an.comparison_columns(node)
        if isinstance(node, exp.Select) and _nearest_select(node) is None:
            found |= an.correlated_caller_columns(node)
    return found


def _other_caller_columns(an: _Analysis) -> set[tuple[str, str]]:
    """Columns of other tables compared with the caller inside subqueries (membership lookups)."""
    found: set[tuple[str, str]] = set()
    for select in (n for n in an.nodes if isinstance(n, exp.Select)):
        sources = an._sources(select)
        for node in select.walk():
            if not isinstance(node, _COMPARISONS) or _nearest_select(node) is not select:
                continue
            sides = [s for s in (node.this, node.args.get("expression")) if s is not None]
            for i, side in enumerate(sides):
                if not any(an.involves_caller(o) for o in sides[:i] + sides[i + 1:]):
                    continue
                col = _unparen(side)
                while isinstance(col, exp.Cast):
                    col = _unparen(col.this)
                if not isinstance(col, exp.Column):
                    continue
                if col.table in sources:
                    found.add((sources[col.table], col.name))
                elif not col.table and len(sources) == 1:
                    found.add((next(iter(sources.values())), col.name))
    return found


def analyze(text: str | None, table: str, helpers: Iterable[str] = ()) -> ExprFacts:
    """Facts about one USING / WITH CHECK text of a policy on `table` (its unqualified name).

    `helpers` are qualified names (schema.function) of functions that stand for the caller,
    e.g. SECURITY DEFINER membership checks such as `private.is_member(org_id)`.
    """
    if text is None:
        return ExprFacts(text=None)
    try:
        return _analyze(text, table, frozenset(h.lower() for h in helpers))
    except Exception:  # noqa: BLE001 - any parser or walker failure gets the fallback
        return _fallback(text)


def _analyze(text: str, table: str, helpers: frozenset[str]) -> ExprFacts:
    try:
        root = sqlglot.parse_one(text, read="postgres")
    except Exception:  # noqa: BLE001
        return _fallback(text)
    if root is None:
        return _fallback(text)
    an = _Analysis(root, table, helpers)
    columns = an.own_columns(root)
    functions = frozenset(n for n in an.fname.values() if n)
    return ExprFacts(
        text=text,
        parsed=True,
        columns=columns,
        row_dependent=bool(columns),
        always_true=_always_true(root),
        caller_scoped=an.scoped(root),
        caller_columns=frozenset(_caller_columns(an)),
        other_caller_columns=frozenset(_other_caller_columns(an)),
        unwrapped_calls=tuple(an.unwrapped_calls()),
        user_metadata=bool(METADATA_RE.search(text)),
        functions=functions,
        literals=tuple(dict.fromkeys(an.literals())),
        subqueries=any(isinstance(n, exp.Select) for n in an.nodes),
        reads=_reads(root),
        branches=tuple(an.branch(terms) for terms in _alternatives(root)),
    )


SELF = "supakit_self"  # stands for the policy's own table in normalised texts
_STRING = re.compile(r"'(?:[^']|'')*'")


def _word(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


def _found(text: str, needle: str, start: int = 0) -> list[int]:
    out = []
    i = text.find(needle, start)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def _own_qualifiers(text: str, table: str) -> list[tuple[int, int]]:
    """Where the table's name qualifies a column (`t.org_id`, `"My T".org_id`), left to right.
    Plain string search: a regular expression per table cost more than the rules themselves."""
    plain, quoted = table + ".", '"' + table.replace('"', '""') + '".'
    hits = [(i, i + len(plain)) for i in _found(text, plain)
            if not i or not (_word(text[i - 1]) or text[i - 1] in '."')]
    hits += [(i, i + len(quoted)) for i in _found(text, quoted)
             if not i or not (_word(text[i - 1]) or text[i - 1] == ".")]
    out: list[tuple[int, int]] = []
    for begin, end in sorted(hits):
        if not out or begin >= out[-1][1]:
            out.append((begin, end))
    return out


def _reads_itself(text: str, table: str) -> bool:
    """`schema.table`: the policy reads its own table in a subquery."""
    name = "." + (table if table == table.lower() else f'"{table}"')
    return any(i + len(name) == len(text) or not _word(text[i + len(name)]) for i in _found(text, name))


def normalise(text: str, table: str) -> str | None:
    """The text with the own table's qualifier replaced by SELF, so the same policy on many
    tables is analysed once; None when the text does not name the table (nothing to do) or
    names it inside a string literal or reads the table itself in a subquery (left alone)."""
    if table not in text:
        return None
    spans = _own_qualifiers(text, table)
    if not spans:
        return None
    if "'" in text and _own_qualifiers("".join(_STRING.findall(text)), table):
        return None
    if _reads_itself(text, table):
        return None
    parts, last = [], 0
    for begin, end in spans:
        parts += [text[last:begin], SELF, "."]
        last = end
    return "".join([*parts, text[last:]])


# Literals that a placeholder may stand for: identifier-like, so sqlglot reads and prints them
# the same way whatever they say (`status = 'published'::text`, `->> 'role'`).
_PLAIN_LITERAL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PLACEHOLDER = "supakit_lit"
# Where a literal's content matters to the analysis (current_setting's `request.jwt...`) or to
# sqlglot (interval units; escapes), or a placeholder could clash, literals are kept as written.
_LITERALS_MATTER = re.compile(r"current_setting|interval|supakit_lit|[\\$]", re.IGNORECASE)


def _closing(text: str, start: int, quote: str) -> int:
    """Index of the quote closing the one at `start` (a doubled quote is part of the text)."""
    i = text.find(quote, start + 1)
    while i >= 0 and text.startswith(quote, i + 1):
        i = text.find(quote, i + 2)
    return i


def literal_shape(text: str) -> tuple[str, dict[str, str]] | None:
    """The text with every identifier-like string literal replaced by a placeholder (equal
    literals by the same one), and placeholder -> literal; None when there is none to replace or
    replacing could change what sqlglot reads. Policies that differ only in such literals
    (`category = 'books'`, `category = 'music'`) are then analysed once."""
    if "'" not in text or _LITERALS_MATTER.search(text):
        return None
    parts: list[str] = []
    found: dict[str, str] = {}
    i = last = 0
    while True:
        quote = min((j for j in (text.find("'", i), text.find('"', i)) if j >= 0), default=-1)
        if quote < 0:
            break
        end = _closing(text, quote, text[quote])
        if end < 0:
            return None
        content = text[quote + 1:end]
        if text[quote] == "'" and _PLAIN_LITERAL.match(content):
            before = text[:quote].rstrip()[-1:]
            if before and (before.isalnum() or before in "_'\"&"):
                return None  # a typed literal (date 'x'), E'x', U&'x': left alone
            name = found.setdefault(content, f"{_PLACEHOLDER}{len(found)}")
            parts += [text[last:quote + 1], name]
            last = end
        i = end + 1
    if not found:
        return None
    return "".join([*parts, text[last:]]), {f"'{v}'": f"'{k}'" for k, v in found.items()}


def _with_literals(facts: ExprFacts, text: str, back: dict[str, str]) -> ExprFacts | None:
    """Facts of a literal shape, for `text` (whose literals `back` gives); None when a
    placeholder would be left in them."""
    if not facts.parsed:
        return None

    def sql(s: str) -> str:
        for name, literal in back.items():
            s = s.replace(name, literal)
        return s

    values = {k[1:-1]: v[1:-1] for k, v in back.items()}
    branches = tuple(replace(b, related=tuple((sql(q), cols) for q, cols in b.related)) if b.related else b
                     for b in facts.branches)
    out = _evolve(facts, text=text, user_metadata=bool(METADATA_RE.search(text)),
                  literals=tuple((col, values.get(lit, lit)) for col, lit in facts.literals),
                  branches=branches)
    if any(_PLACEHOLDER in q for b in branches for q, _ in b.related) \
            or any(_PLACEHOLDER in lit for _, lit in out.literals):
        return None
    return out


class PolicyAnalyzer:
    """`analyze` with a cache: real schemas repeat the same few policy texts on many tables,
    often differing only in the table's own name, which is normalised away first, or in
    identifier-like string literals, which are analysed once per shape (`literal_shape`)."""

    def __init__(self, helpers: Iterable[str] = ()) -> None:
        self.helpers = frozenset(h.lower() for h in helpers)
        self._cache: dict[str | None, ExprFacts] = {}
        self._shapes: dict[tuple[str, str], ExprFacts] = {}

    def __call__(self, text: str | None, table: str) -> ExprFacts:
        norm = normalise(text, table) if text is not None else None
        key = norm if norm is not None else text
        facts = self._cache.get(key)
        if facts is None:
            facts = self._analyze(key, SELF if norm is not None else table)
            self._cache[key] = facts
        if norm is not None and facts.text != text:
            facts = _evolve(facts, text=text,
                            branches=tuple(_named(b, table) if b.related else b for b in facts.branches))
        return facts

    def _analyze(self, text: str | None, table: str) -> ExprFacts:
        shape = literal_shape(text) if text is not None else None
        if text is not None and shape is not None:
            # A text that does not name the table (plain or quoted) reads the same on every table:
            # only a qualifier equal to its name makes a column its own (_Analysis._is_own).
            named = table in text or table.replace('"', '""') in text
            key = (shape[0], table if named else "")
            facts = self._shapes.get(key)
            if facts is None:
                facts = self._shapes[key] = analyze(shape[0], table, self.helpers)
            got = _with_literals(facts, text, shape[1])
            if got is not None:
                return got
        return analyze(text, table, self.helpers)

def _evolve(facts: ExprFacts, **changes: object) -> ExprFacts:
    """`dataclasses.replace` without running the frozen __init__ again (a fifth of the time; the
    cache hands out a copy per policy whose text names its table)."""
    new = object.__new__(ExprFacts)
    new.__dict__.update(facts.__dict__)
    new.__dict__.update(changes)
    return new


def _named(branch: Branch, table: str) -> Branch:
    """A branch of a normalised text, with the table's own name back in it."""
    def back(sql: str) -> str:
        return sql.replace(SELF + ".", table + ".")

    return replace(branch, related=tuple((back(sql), cols) for sql, cols in branch.related))
