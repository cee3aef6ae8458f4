"""Errors that end a run with exit code 2 and one clear line for the user."""

from __future__ import annotations


class SupakitError(Exception):
    """A usage, configuration, engine or apply problem. The message is shown as is."""

    exit_code = 2


class EngineError(SupakitError):
    """The database engine could not start, answer or stop."""


class ConfigError(SupakitError):
    """A configuration file or option is invalid."""


class MigrationError(SupakitError):
    """A migration could not be read or applied; the message names file:line:col."""
