"""The provider SDKs' own constructors: client objects (`OpenAI(...)`, `Anthropic(...)`,
`genai.Client(...)`) and typed request parameters (`types.GenerateContentConfig(...)`), which
are plain dicts of their keywords."""

from __future__ import annotations

import ast

from cachelint.analysis import endpoints
from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import ClientV, DictV, Value

OPENAI_CLIENTS = {"OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI"}
ANTHROPIC_CLIENTS = {
    "Anthropic",
    "AsyncAnthropic",
    "AnthropicBedrock",
    "AsyncAnthropicBedrock",
    "AnthropicVertex",
    "AsyncAnthropicVertex",
}
TYPE_MODULES = ("openai.types", "anthropic.types", "google.genai.types", "google.generativeai.types",
                "google.generativeai.protos", "google.generativeai.GenerationConfig")
PREFIXES = ("openai.", "anthropic.", "google.genai.", "google.generativeai.")


def client_class(qualname: str) -> tuple[str, str] | None:
    """(provider, class name) when `qualname` is an SDK client constructor."""
    parts = qualname.split(".")
    last = parts[-1]
    if parts[0] == "openai" and last in OPENAI_CLIENTS:
        return ("openai", last)
    if parts[0] == "anthropic" and last in ANTHROPIC_CLIENTS:
        return ("anthropic", last)
    if qualname in ("google.genai.Client", "google.genai.client.Client"):
        return ("gemini", "Client")
    if qualname in ("google.generativeai.GenerativeModel", "google.generativeai.generative_models.GenerativeModel"):
        return ("gemini", "GenerativeModel")  # the legacy SDK: see library/gemini_legacy.py
    return None


def sdk_call(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """A call into an SDK package: a client object, a typed parameter dict, or not modelled."""
    cc = client_class(qual)
    if cc is not None:
        return endpoints.with_constructor_endpoint(ev, ClientV(cc[0], cc[1]), node, env)
    if qual.startswith(TYPE_MODULES) and not node.args:
        # Typed request params (`GenerateContentConfig(...)`, `*MessageParam(...)`)
        # are plain dicts of their keywords.
        entries = tuple((k.arg, ev.eval(k.value, env)) for k in node.keywords if k.arg)
        return DictV(entries, ev.loc(env, node), all(k.arg for k in node.keywords))
    return None


def register(reg: Registry) -> None:
    reg.prefix(PREFIXES, sdk_call)
