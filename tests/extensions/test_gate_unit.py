"""The gate's pure parts: stub headers, option stripping, messages and settings."""

from __future__ import annotations

import pytest

from toolkit.errors import ConfigError
from toolkit.extensions import (
    absent_extensions_setting,
    parse_stub,
    strip_index_options,
    stubs,
    unavailable_message,
)
from toolkit.sql.split import split_statements

REQUIRED = {"vector", "pg_net", "pgsodium", "supabase_vault", "pgjwt", "pg_graphql", "http", "wrappers",
            "plv8", "pg_cron"}


def test_every_required_extension_has_a_stub_that_says_what_it_does() -> None:
    found = stubs()
    assert set(found) >= REQUIRED
    for stub in found.values():
        assert stub.version and stub.supports and stub.lacks, stub.name
        assert f"-- supakit stub: {stub.name}\n" in stub.script


def test_fixed_schemas_follow_the_real_control_files() -> None:
    found = stubs()
    assert found["supabase_vault"].schema == "vault"
    assert found["pg_graphql"].schema == "graphql"
    assert found["pgsodium"].schema == "pgsodium"
    assert found["pg_cron"].schema == "pg_catalog"
    assert found["vector"].schema is None and found["vector"].relocatable
    assert not found["pg_net"].relocatable


def test_header_parsing_stops_at_the_first_blank_line() -> None:
    stub = parse_stub("x", "-- version: 1.0\n-- relocatable: true\n\n-- schema: nope\ncreate table t ();\n")
    assert (stub.version, stub.relocatable, stub.schema) == ("1.0", True, None)


@pytest.mark.parametrize("sql", [
    "create index on t using hnsw (e vector_cosine_ops) with (m = 16, ef_construction = 64);",
    "create index i on public.t using ivfflat (e vector_l2_ops)\n  with (\n    lists = 100\n  )\n  where e is not null;",
    "create index on t using hnsw ((e::halfvec(3)) halfvec_l2_ops) with (m=8) tablespace pg_default;",
])
def test_strip_index_options_removes_only_the_with_clause_and_keeps_positions(sql: str) -> None:
    out = strip_index_options(sql)
    assert len(out) == len(sql) and out.count("\n") == sql.count("\n")
    assert "with" not in out.lower().replace("where", "")
    stmt = split_statements(out)[0]
    assert stmt.kind == "index_stmt" and len(stmt.node.options) == 0
    assert len(split_statements(out)[0].node.index_params) == 1
    for keep in ("where e is not null", "tablespace pg_default", "::halfvec(3)"):
        if keep in sql:
            assert keep in out


def test_strip_index_options_leaves_a_statement_without_options_alone() -> None:
    sql = "create index on t using hnsw (e vector_l2_ops) where note = 'with (x)';"
    assert strip_index_options(sql) == sql


def test_unavailable_message_names_a_package_and_the_way_out() -> None:
    msg = unavailable_message("postgis", 15)
    assert msg.startswith('extension "postgis" is not available on this PostgreSQL; install it')
    assert "apt-get install postgresql-15-postgis-3" in msg and "absent_extensions" in msg
    assert "apt-get install postgresql-16-pg-hashids" in unavailable_message("pg_hashids", 16)


def test_absent_extensions_setting_is_checked() -> None:
    assert absent_extensions_setting(None, None) == ()
    assert absent_extensions_setting(["timescaledb"], None) == ("timescaledb",)
    with pytest.raises(ConfigError, match="absent_extensions must be a list of extension names"):
        absent_extensions_setting("timescaledb", None)
    with pytest.raises(ConfigError):
        absent_extensions_setting([""], None)


def test_docs_describe_every_stub() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "extensions.md").read_text(encoding="utf-8")
    headings = {line[4:].split(" ")[0] for line in text.splitlines() if line.startswith("### ")}
    assert set(stubs()) <= headings
