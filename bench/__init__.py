"""`python -m bench`: benchmarks of allo against Asterisk's own limits (issue 6; docs/benchmarks.md)."""
