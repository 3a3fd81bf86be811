"""Routing rules in PostgreSQL: loading a snapshot and keeping it fresh (LISTEN/NOTIFY)."""
