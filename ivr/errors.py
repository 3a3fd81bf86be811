"""Exceptions of the ivr package."""


class IvrError(Exception):
    """Base of every error raised by the menu engine."""


class CallerHungUp(IvrError):
    """The caller hung up while in the menu."""
