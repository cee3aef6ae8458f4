"""`supakit new` with arbitrary names and table options: either one clear refusal, or exactly one
new file inside the migrations folder whose SQL parses and names only what was asked for."""

from __future__ import annotations

import re
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.errors import SupakitError
from toolkit.scaffold import build_content, new_migration
from toolkit.sql.split import split_statements

FILE_NAME = re.compile(r"^\d{14}_[a-z0-9_]+\.sql$")
HOSTILE = st.sampled_from(["..", "/", "\\", "\x00", "'", '"', "`", ";", "--", "$$", " ", "\n", "é", "Ω",
                           "drop table users", "../../etc/passwd", "%s", "${HOME}", "*", "~"])
NAMES = st.one_of(st.text(max_size=40), st.lists(st.one_of(HOSTILE, st.text(string.ascii_letters, max_size=5)),
                                                max_size=8).map("".join))
IDENT = st.from_regex(r"[a-z_][a-z0-9_]{0,70}", fullmatch=True)
IDENTS = st.one_of(IDENT, IDENT, NAMES)  # mostly well-formed, so the success path is exercised too
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(NAMES)
def test_any_name_makes_one_safe_file_or_a_clear_refusal(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "supabase" / "migrations"
    before = set(tmp_path.rglob("*"))
    try:
        made = new_migration(folder, name, "select 1;\n")
    except SupakitError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert made.path.parent == folder and FILE_NAME.match(made.path.name)
    assert set(tmp_path.rglob("*")) - before <= {folder, folder.parent, made.path}
    made.path.unlink()


@SETTINGS
@given(IDENTS, st.lists(st.tuples(IDENTS, st.sampled_from(["text", "int", "uuid!", "timestamptz", "text; x"])),
                        max_size=3), st.one_of(st.none(), IDENTS), st.booleans())
def test_table_options_render_sql_that_parses_or_are_refused(table: str, columns: list[tuple[str, str]],
                                                             owner: str | None, public_read: bool) -> None:
    try:
        sql = build_content("t", table=table, schema="public", owner_column=owner,
                            columns=[f"{c}:{t}" for c, t in columns], public_read=public_read, sql=None)
    except SupakitError as e:
        assert str(e) and "\n" not in str(e)
        return
    statements = split_statements(sql)
    kinds = {s.kind for s in statements}
    assert "create_stmt" in kinds and kinds <= {
        "create_schema_stmt", "create_stmt", "alter_table_stmt", "create_policy_stmt", "index_stmt",
        "grant_stmt", "create_function_stmt", "create_trig_stmt"}
    created = [s.node.relation.relname for s in statements if s.kind == "create_stmt"]
    assert created == [table]
