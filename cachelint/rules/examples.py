"""Shared preludes for the rules' documented examples (they run as tests)."""

from __future__ import annotations

PRELUDE = """from openai import OpenAI

client = OpenAI()
"""

# About 1,400 o200k tokens of static instructions: above every OpenAI minimum.
RULES_DEF = '''
RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90
'''
