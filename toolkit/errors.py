"""Errors that end a run with exit code 2 and one clear line for the user."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any


class SupakitError(Exception):
    """A usage, configuration, engine or apply problem. The message is shown as is."""

    exit_code = 2


class EngineError(SupakitError):
    """The database engine could not start, answer or stop."""


class ConfigError(SupakitError):
    """A configuration file or option is invalid."""


class MigrationError(SupakitError):
    """A migration could not be read or applied; the message names file:line:col."""


def first_line(error: BaseException | str, *, lines: int = 1, fallback: str | None = None) -> str:
    """The first non-empty line(s) of an error's text, for a one-line message: psycopg, git and
    squawk put hints and context on the lines after. Without text: `fallback`, else the
    exception's type name."""
    found = [ln.strip() for ln in str(error).splitlines() if ln.strip()][:lines]
    if found:
        # libpq: "...: Connection refused" / "Is the server running ...?" read as two sentences
        return " ".join(ln if i == len(found) - 1 or ln[-1] in ".:;?!" else ln + "."
                        for i, ln in enumerate(found))
    if fallback is not None:
        return fallback
    return type(error).__name__ if isinstance(error, BaseException) else ""


def checked_table(raw: Any, where: str, keys: Sequence[str], *, example: str = "") -> dict[str, Any]:
    """`raw` as a settings table whose keys all are `keys`; otherwise the error that says where,
    the nearest key and the ones there are."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table" + (f", e.g. {example}" if example else ""))
    for key in raw:
        if key not in keys:
            raise ConfigError(f"{where}: unknown key '{key}'{did_you_mean(str(key), keys)} (use {', '.join(keys)})")
    return raw


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """"; did you mean 'x'?" with the closest choice, or "" when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f"; did you mean '{close[0]}'?" if close else ""
