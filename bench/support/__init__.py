"""Modules the bench scripts share; not run by `make bench` (it runs bench/*.py only)."""
