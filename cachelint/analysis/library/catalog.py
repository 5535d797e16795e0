"""Every library model, and the one registry built from them."""

from __future__ import annotations

from cachelint.analysis.library import (
    boto3,
    clocks,
    copy,
    dynaconf,
    gemini_legacy,
    genai_chats,
    itertools,
    json,
    langchain,
    langchain_prompts,
    litellm,
    paths,
    process,
    pyyaml,
    randomness,
    records,
    sdk_clients,
    strings,
    templates,
    textwrap,
    tomllib,
)
from cachelint.analysis.library.registry import Registry, build

MODULES = (boto3, clocks, copy, dynaconf, gemini_legacy, genai_chats, itertools, json, langchain, langchain_prompts,
           litellm, paths, process, pyyaml, randomness, records, sdk_clients, strings, templates, textwrap, tomllib)

# Built once at import and never changed afterwards: every evaluator reads the same table.
REGISTRY: Registry = build((m.__name__.rsplit(".", 1)[1], m.register) for m in MODULES)

__all__ = ["MODULES", "REGISTRY", "Registry"]
