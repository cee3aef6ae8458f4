from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_project
from toolkit.checks.folder import check_folder
from toolkit.errors import MigrationError
from toolkit.model import Level


def rules_by_file(tmp_path: Path, files: dict[str, str], extra: dict[str, str] | None = None,
                  dirs: tuple[str, ...] = ()) -> dict[str, str]:
    project = write_project(tmp_path, files)
    for name, text in (extra or {}).items():
        (project.migrations_dir / name).write_text(text)
    for d in dirs:
        (project.migrations_dir / d).mkdir()
    return {f.object.name.rsplit("/", 1)[-1]: f.rule for f in check_folder(project)}


def test_a_clean_folder_has_no_findings(tmp_path: Path) -> None:
    assert rules_by_file(tmp_path, {"20240101000000_a.sql": "", "20240101000001_b.sql": ""},
                         extra={".gitkeep": ""}) == {}


def test_duplicate_versions(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"20240101000000_a.sql": "", "20240101000000_b.sql": "",
                                       "20240101000001_c.sql": ""})
    [f] = check_folder(project)
    assert f.rule == "duplicate_migration_version" and f.level is Level.ERROR
    assert f.object.name.endswith("20240101000000_b.sql") and "20240101000000_a.sql" in f.message


def test_versions_of_different_lengths(tmp_path: Path) -> None:
    found = rules_by_file(tmp_path, {"20240101000000_a.sql": "", "20240102_b.sql": "", "20240103000000_c.sql": ""})
    assert found == {"20240102_b.sql": "migration_version_length"}


def test_consistent_short_versions_are_left_to_the_name_rule(tmp_path: Path) -> None:
    assert rules_by_file(tmp_path, {"001_a.sql": "", "002_b.sql": ""}) == {}


def test_files_the_cli_would_skip(tmp_path: Path) -> None:
    found = rules_by_file(tmp_path, {"20240101000000_a.sql": ""},
                          extra={"add_users.sql": "", "20240101000001-dash.sql": "", "V2__flyway.SQL": ""})
    assert found == {"add_users.sql": "migration_file_skipped", "20240101000001-dash.sql": "migration_file_skipped",
                     "V2__flyway.SQL": "migration_file_skipped"}


def test_stray_files_and_sub_folders(tmp_path: Path) -> None:
    found = rules_by_file(tmp_path, {"20240101000000_a.sql": ""}, extra={".DS_Store": "", "README.md": "x"},
                          dirs=("archive",))
    assert found == {".DS_Store": "stray_file_in_migrations", "README.md": "stray_file_in_migrations",
                     "archive": "stray_file_in_migrations"}


@pytest.mark.parametrize("name", ["seed.sql", "seeds.sql", "Seed_data.sql"])
def test_seed_in_migrations(tmp_path: Path, name: str) -> None:
    assert rules_by_file(tmp_path, {"20240101000000_a.sql": ""}, extra={name: "insert into t values (1);"}) == {
        name: "seed_in_migrations"}


def test_legacy_init_file_is_reported_as_skipped(tmp_path: Path) -> None:
    found = rules_by_file(tmp_path, {"20211208000000_init.sql": "", "20240101000000_a.sql": ""})
    assert found == {"20211208000000_init.sql": "migration_file_skipped"}


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "supabase").mkdir()
    from toolkit.project import find_project

    with pytest.raises(MigrationError, match="supabase/migrations: no such folder"):
        check_folder(find_project(tmp_path))
