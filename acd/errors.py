"""Exceptions of the ``acd`` package.

Every exception raised on purpose by this package derives from :class:`AcdError`, so callers
can catch the whole family at once. The AMI client's own errors are in :mod:`acd.ami.errors`.
"""

from __future__ import annotations


class AcdError(Exception):
    """Base class of every error raised by the ``acd`` package."""
