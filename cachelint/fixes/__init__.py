"""Fixes: edits a rule attaches to its finding (written with libcst), and applying them to text."""
