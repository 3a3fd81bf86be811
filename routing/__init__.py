"""Routing rules and the pure decision function."""
