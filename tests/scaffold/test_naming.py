from __future__ import annotations

import pytest

from toolkit.naming import (
    MAX_SLUG,
    InvalidNameError,
    check_identifier,
    derived_name,
    is_snake_case,
    migration_slug,
    quote_ident,
    snake_case,
)


@pytest.mark.parametrize("raw", ["Add User Profiles", "add-user-profiles", "AddUserProfiles",
                                 "addUserProfiles", "add_user_profiles", "  add   user--profiles  ",
                                 "ADD_USER_PROFILES", "add.user.profiles"])
def test_every_naming_form_becomes_snake_case(raw: str) -> None:
    assert migration_slug(raw) == "add_user_profiles"


@pytest.mark.parametrize(("raw", "slug"), [
    ("HTTPServerLogs", "http_server_logs"),
    ("v2Migration", "v2_migration"),
    ("Enable 2FA", "enable_2fa"),
    ("Crème brûlée", "creme_brulee"),
    ("2024 cleanup", "2024_cleanup"),
])
def test_acronyms_digits_and_accents(raw: str, slug: str) -> None:
    assert migration_slug(raw) == slug


@pytest.mark.parametrize("raw", ["", "   ", "---", "!!!", "日本語"])
def test_names_without_usable_characters_are_refused(raw: str) -> None:
    with pytest.raises(InvalidNameError, match="migration name"):
        migration_slug(raw)


@pytest.mark.parametrize("raw", ["../etc/passwd", "a/b", "a\\b", "a..b", "a\x00b", "it's", 'say "hi"', "a`b"])
def test_names_that_could_escape_or_inject_are_refused(raw: str) -> None:
    with pytest.raises(InvalidNameError, match="contains"):
        migration_slug(raw)


def test_long_names_are_cut_at_a_word_boundary() -> None:
    slug = migration_slug("add " + "very long words " * 20)
    assert len(slug) <= MAX_SLUG
    assert not slug.endswith("_") and slug.split("_")[-1] in ("very", "long", "words")


def test_snake_case_is_idempotent() -> None:
    for raw in ["Add User Profiles", "HTTPServer", "a__b"]:
        once = snake_case(raw)
        assert snake_case(once) == once


def test_identifiers_are_checked_with_a_suggestion() -> None:
    assert check_identifier("user_profiles", "table") == "user_profiles"
    with pytest.raises(InvalidNameError, match="did you mean user_profiles"):
        check_identifier("UserProfiles", "table")
    with pytest.raises(InvalidNameError, match="not a valid identifier"):
        check_identifier("2fa", "column")
    with pytest.raises(InvalidNameError, match="longer than 63 bytes"):
        check_identifier("x" * 64, "table")
    with pytest.raises(InvalidNameError, match="empty"):
        check_identifier("", "table")
    assert not is_snake_case("drop table x; --")


def test_keywords_are_quoted_and_plain_names_are_not() -> None:
    assert quote_ident("notes") == "notes"
    assert quote_ident("order") == '"order"'
    assert quote_ident("user") == '"user"'
    assert quote_ident("name") == "name"  # unreserved keyword: fine bare
    assert quote_ident('we"ird') == '"we""ird"'


def test_derived_names_stay_within_63_bytes_and_unique() -> None:
    a = derived_name("t" * 40, "c" * 40, suffix="idx")
    b = derived_name("t" * 40, "d" * 40, suffix="idx")
    assert len(a) <= 63 and len(b) <= 63 and a != b and a.endswith("_idx")
    assert derived_name("notes", "user_id", suffix="idx") == "notes_user_id_idx"
