"""Helpers for tests/graded.py: the compiler-graded comparison of archport's
predictions with what the cross compilers actually reject."""
