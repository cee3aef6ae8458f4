"""File discovery and ordering exactly as the Supabase CLI does it."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.errors import MigrationError
from toolkit.migrations import discover, read_sql_file


def _touch(d: Path, *names: str) -> None:
    d.mkdir(parents=True, exist_ok=True)
    for n in names:
        (d / n).write_text("select 1;")


def test_order_is_the_cli_file_name_sort(tmp_path: Path) -> None:
    m = tmp_path / "supabase" / "migrations"
    _touch(m, "2_b.sql", "10_a.sql", "1_c.sql", "20240101000000_x.sql", "20240101000000_a.sql", "3_.sql")
    disc = discover(m, tmp_path)
    assert [f.path.name for f in disc.files] == [
        "10_a.sql", "1_c.sql", "20240101000000_a.sql", "20240101000000_x.sql", "2_b.sql", "3_.sql",
    ]
    first = disc.files[0]
    assert (first.version, first.name, first.rel) == ("10", "a", "supabase/migrations/10_a.sql")


def test_files_the_cli_skips_are_reported_not_dropped(tmp_path: Path) -> None:
    m = tmp_path / "supabase" / "migrations"
    _touch(m, "20240101000000_ok.sql", "init.sql", "v2_x.sql", "notes.md", "20240101000001_x.SQL")
    (m / "sub").mkdir()
    disc = discover(m, tmp_path)
    assert [f.path.name for f in disc.files] == ["20240101000000_ok.sql"]
    skipped = dict(disc.skipped)
    assert set(skipped) == {
        "supabase/migrations/init.sql", "supabase/migrations/v2_x.sql", "supabase/migrations/notes.md",
        "supabase/migrations/20240101000001_x.SQL", "supabase/migrations/sub",
    }
    assert "skips it" in skipped["supabase/migrations/init.sql"]


def test_legacy_init_file_is_skipped_like_the_cli(tmp_path: Path) -> None:
    m = tmp_path / "supabase" / "migrations"
    _touch(m, "20200101000000_init.sql", "20240101000000_real.sql")
    disc = discover(m, tmp_path)
    assert [f.version for f in disc.files] == ["20240101000000"]


def test_missing_folder_is_empty(tmp_path: Path) -> None:
    assert discover(tmp_path / "nope", tmp_path).files == []


def test_non_utf8_file_names_the_position(tmp_path: Path) -> None:
    p = tmp_path / "20240101000000_bad.sql"
    p.write_bytes(b"select 1;\nselect '\xff';\n")
    with pytest.raises(MigrationError, match=r"x\.sql:2:9: file is not valid UTF-8|bad\.sql:2:9"):
        read_sql_file(p, "x.sql")
