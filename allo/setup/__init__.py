"""Idempotent set-up steps run by `make run` and the test fixtures."""
