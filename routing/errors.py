"""Exceptions of the routing package."""


class RoutingError(Exception):
    """Base of every routing error (invalid rules, unknown queue...)."""
