"""Accounts, roles, browser sessions with CSRF protection, API bearer tokens."""
