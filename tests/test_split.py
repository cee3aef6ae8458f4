"""Statement splitting keeps exact positions, even with dollar quotes, comments and multibyte text."""

from __future__ import annotations

import pytest

from toolkit.sql.split import SqlSyntaxError, split_statements


def test_positions_and_kinds() -> None:
    sql = (
        "-- a comment; with a semicolon\n"
        "create table \"ünï\" (id int);   /* trailing */\n"
        "\n"
        "  create function f() returns text language plpgsql as $fn$ begin return 'a;b'; end $fn$;\n"
        "create function g() returns int language sql begin atomic select 1; select 2; end;\n"
        "select 'x;y', E'\\';'"
    )
    stmts = split_statements(sql)
    assert [(s.line, s.column, s.kind) for s in stmts] == [
        (2, 1, "create_stmt"), (4, 3, "create_function_stmt"), (5, 1, "create_function_stmt"), (6, 1, "select_stmt"),
    ]
    assert stmts[1].text.endswith("$fn$")
    assert stmts[0].preamble.startswith("-- a comment")
    assert "/* trailing */" in stmts[1].preamble


def test_syntax_error_position_is_line_and_column() -> None:
    with pytest.raises(SqlSyntaxError) as e:
        split_statements("select 1;\n\n  selec 2;")
    assert (e.value.line, e.value.column) == (3, 3)
    assert "syntax error" in e.value.message


def test_syntax_error_after_multibyte_text() -> None:
    with pytest.raises(SqlSyntaxError) as e:
        split_statements("select 'ééé';\nselect 'ü' frm x;")
    assert (e.value.line, e.value.column) == (2, 12)  # at "frm", counted in characters


def test_empty_and_comment_only_files() -> None:
    assert split_statements("") == []
    assert split_statements("-- nothing here\n/* at all */\n") == []
