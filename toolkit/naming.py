"""snake_case normalisation for migration names and validation of the identifiers we generate."""

from __future__ import annotations

import re
import unicodedata

import postgast

from toolkit.errors import SupakitError

MAX_SLUG = 60  # keeps `<14 digits>_<slug>.sql` under 80 characters
MAX_IDENTIFIER_BYTES = 63  # NAMEDATALEN - 1; Postgres silently truncates longer names

SNAKE_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_FORBIDDEN_IN_NAME = ("/", "\\", "..", "\x00", "'", '"', "`")
_BOUNDARY_LOWER_UPPER = re.compile(r"([a-z]|[0-9](?=[A-Z][a-z]))([A-Z])")
_BOUNDARY_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


class InvalidNameError(SupakitError):
    """A migration name or identifier we refuse to write into a file."""


def snake_case(text: str) -> str:
    """'Add User Profiles', 'add-user-profiles', 'AddUserProfiles' → 'add_user_profiles'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    spaced = _BOUNDARY_ACRONYM.sub(r"\1_\2", ascii_text)
    spaced = _BOUNDARY_LOWER_UPPER.sub(r"\1_\2", spaced)
    return _NON_ALNUM.sub("_", spaced.lower()).strip("_")


def migration_slug(name: str) -> str:
    """The `<name>` part of a migration file name; refuses names that could escape the folder."""
    if not name or not name.strip():
        raise InvalidNameError("migration name is empty; describe the change, e.g. `supakit new add_profiles`")
    bad = next((c for c in _FORBIDDEN_IN_NAME if c in name), None)
    if bad is not None:
        shown = {"\x00": "a NUL byte", "..": "'..'"}.get(bad, repr(bad))
        raise InvalidNameError(f"migration name {name!r} contains {shown}; use letters, digits, spaces or '_'")
    slug = snake_case(name)
    if not slug:
        raise InvalidNameError(f"migration name {name!r} has no letters or digits to build a file name from")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG]
        slug = cut.rsplit("_", 1)[0] if "_" in cut[MAX_SLUG // 2:] else cut
    return slug.strip("_")


def is_snake_case(name: str) -> bool:
    return bool(SNAKE_IDENTIFIER.match(name))


def _keyword_kind(name: str) -> str | None:
    try:
        tokens = postgast.scan(name).tokens
    except Exception:  # a scanner failure just means "not a keyword"
        return None
    if len(tokens) != 1 or tokens[0].end - tokens[0].start != len(name):
        return None
    kind = postgast.pg_query_pb2.KeywordKind.Name(tokens[0].keyword_kind)
    return None if kind == "NO_KEYWORD" else kind


def check_identifier(name: str, what: str) -> str:
    """Accept a snake_case identifier that fits in 63 bytes, or raise with a suggestion."""
    if not name:
        raise InvalidNameError(f"{what} name is empty")
    if not is_snake_case(name):
        suggestion = snake_case(name)
        if suggestion and suggestion[0].isdigit():
            suggestion = f"t_{suggestion}"
        hint = f"; did you mean {suggestion}?" if suggestion and is_snake_case(suggestion) else ""
        raise InvalidNameError(
            f"{what} name {name!r} is not a valid identifier: use lower-case letters, digits and '_', "
            f"starting with a letter or '_'{hint}"
        )
    if len(name.encode()) > MAX_IDENTIFIER_BYTES:
        raise InvalidNameError(f"{what} name {name!r} is longer than {MAX_IDENTIFIER_BYTES} bytes; Postgres would truncate it")
    return name


def quote_ident(name: str) -> str:
    """SQL for one identifier: bare when safe, double-quoted when it is a reserved word."""
    from sqlglot import exp

    kind = _keyword_kind(name)
    needs_quotes = not is_snake_case(name) or kind not in (None, "UNRESERVED_KEYWORD")
    return exp.to_identifier(name, quoted=needs_quotes).sql(dialect="postgres")


def qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def derived_name(*parts: str, suffix: str) -> str:
    """An index/trigger name from parts, shortened with a stable hash when it would pass 63 bytes."""
    import hashlib

    base = "_".join((*parts, suffix))
    if len(base) <= MAX_IDENTIFIER_BYTES:
        return base
    digest = hashlib.sha1(base.encode()).hexdigest()[:8]
    keep = MAX_IDENTIFIER_BYTES - len(suffix) - len(digest) - 2
    return f"{base[:keep].rstrip('_')}_{digest}_{suffix}"
