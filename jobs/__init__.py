"""Dramatiq actors, one module per job family, and the periodic schedule."""
