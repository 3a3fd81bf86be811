"""Exceptions of the allo application layer (settings, set-up, services)."""


class AlloError(Exception):
    """Base of every error raised by the `allo` package."""


class SetupError(AlloError):
    """A set-up step (PostgreSQL, Asterisk, prompts) could not be completed."""


class ConfigError(AlloError):
    """The configuration is invalid or incomplete."""
