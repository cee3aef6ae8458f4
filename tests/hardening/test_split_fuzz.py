"""The splitter raises nothing but SqlSyntaxError, and every statement it returns sits exactly
where it says, on any text at all; the lint rules survive the inputs that once broke the parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.lint import rules as _lint_rules  # noqa: F401  (registers the lint checks)
from toolkit.lint.source import LintContext, ParsedFile
from toolkit.model import Stage
from toolkit.registry import checks
from toolkit.sql.split import SourceText, SqlSyntaxError, Statement, split_statements

# Every code point, lone surrogates and NUL included: a str can hold them even if a file cannot.
ANY_CHAR = st.characters(blacklist_categories=())

SQL_PIECES = st.sampled_from([
    "select ", "1", "(", ")", "[", "]", ",", ";", "'", "''", '"', "$$", "$a$", "$", "--", "/*", "*/",
    "\n", " ", "\t", "e'\\'", "U&'\\0041'", "::", "create table t (a int)", "do $$ begin end $$",
    "create function f() returns int language sql as ", "begin", "commit", "é", "日本", "\ufeff",
    "\x00", "\ud800", "copy t from stdin", "\\.", "array[", "case when true then ", " end",
    "(select ", "values (1)", "create policy p on t using (", "alter table t enable row level security",
])
SQLISH = st.lists(SQL_PIECES, max_size=60).map("".join)


def check_split(text: str) -> list[Statement]:
    """split_statements' contract: SqlSyntaxError or statements at their exact positions."""
    try:
        stmts = split_statements(text)
    except SqlSyntaxError as e:
        assert 0 <= e.offset <= len(text)
        assert e.line >= 1 and e.column >= 1 and e.message
        return []
    src = SourceText(text)
    last = 0
    for i, s in enumerate(stmts):
        assert s.index == i
        assert s.start >= last
        assert text[s.start:s.start + len(s.text)] == s.text
        assert (s.line, s.column) == src.line_col(s.start)
        last = s.start + len(s.text)
    return stmts


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(ANY_CHAR, max_size=200), SQLISH))
def test_split_contract_on_any_text(text: str) -> None:
    check_split(text)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(ANY_CHAR, max_size=2000), SQLISH, st.binary(max_size=2000).map(
    lambda b: b.decode("utf-8", "surrogateescape"))))
def test_split_contract_on_any_text_long_run(text: str) -> None:
    check_split(text)


def _nested(open_: str, close: str, depth: int) -> str:
    return "select " + open_ * depth + "1" + close * depth + ";"


NASTY = {
    "parens-1k": _nested("(", ")", 1_000),
    "parens-100k": _nested("(", ")", 100_000),
    "unbalanced-100k": "select " + "(" * 100_000,
    "subqueries-3k": _nested("(select ", ")", 3_000),
    "arrays-5k": _nested("array[", "]", 5_000),
    "case-3k": _nested("case when true then ", " end", 3_000),
    "plpgsql-blocks-2k": "do $$ " + "begin " * 2_000 + "end; " * 2_000 + "$$;",
    "nul-hides-the-rest": "select 1;\x00 alter table public.t disable row level security;",
    "lone-surrogate": "select 1;\nselect '\ud800';",
    "surrogate-escaped-bytes": b"select '\xff\xfe';".decode("utf-8", "surrogateescape"),
    "unterminated-quote": "select 'never closed",
    "unterminated-dollar": "create function f() returns int language sql as $body$ select 1",
    "unterminated-ident": 'select "never closed',
    "unterminated-comment": "/* /* nested, never closed */",
    "a-million-semicolons": ";" * 1_000_000,
    "ten-megabytes-unterminated": "select $$" + "x" * 10_000_000,
}


@pytest.mark.parametrize("text", NASTY.values(), ids=NASTY.keys())
def test_nasty_inputs(text: str) -> None:
    check_split(text)


@pytest.mark.parametrize("name", ["subqueries-3k", "nul-hides-the-rest", "lone-surrogate"])
def test_text_the_parser_cannot_see_whole_is_a_syntax_error(name: str) -> None:
    with pytest.raises(SqlSyntaxError) as e:
        split_statements(NASTY[name])
    expected = {"subqueries-3k": (1, 1, "too deep"), "nul-hides-the-rest": (1, 10, "NUL"),
                "lone-surrogate": (2, 9, "not valid UTF-8")}[name]
    assert (e.value.line, e.value.column) == expected[:2] and expected[2] in e.value.message


@pytest.mark.parametrize("text", NASTY.values(), ids=NASTY.keys())
def test_every_lint_rule_survives_nasty_inputs(text: str) -> None:
    pf = ParsedFile.parse(Path("/p/supabase/migrations/x.sql"), "supabase/migrations/x.sql", text)
    for _, rule in checks(Stage.LINT):
        list(rule(pf, LintContext()))
