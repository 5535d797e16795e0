"""Shared preludes for the rules' documented examples (they run as tests)."""

from __future__ import annotations

PRELUDE = """from openai import OpenAI

client = OpenAI()
"""

# About 1,400 o200k tokens of static instructions: above every OpenAI minimum.
RULES_DEF = '''
RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90
'''

# Anthropic: a client and a marker passed through a variable.
ANTHROPIC_PRELUDE = """from anthropic import Anthropic

client = Anthropic()
CC = {"type": "ephemeral"}
"""

# About 1,500 estimated Claude tokens (cl100k_base x 1.1) of static policy: above the 1,024-token
# minimum of most Claude models even at the low end of the estimate's error.
POLICY_DEF = '''
POLICY = "Always cite the relevant section of the support policy and never guess an answer. " * 90
'''

# Gemini: a google-genai client and its typed config.
GEMINI_PRELUDE = """from google import genai
from google.genai import types

client = genai.Client()
"""

# About 5,000 estimated Gemini tokens: above every Gemini model's minimum (2,048 to 4,096).
MANUAL_DEF = '''
MANUAL = "Follow the troubleshooting manual step by step and quote the step you are on. " * 330
'''
