"""Framework entry points that stand for an SDK call: the shape of their APIs.

Application code often reaches a provider through a framework rather than its SDK:

    litellm.completion(model="anthropic/claude-sonnet-4-5", messages=[...])
    ChatAnthropic(model="claude-sonnet-4-5").invoke([SystemMessage(RULES), HumanMessage(q)])
    boto3.client("bedrock-runtime").converse(modelId="anthropic.claude-...", system=[...], ...)

Each is recognised only where it is shown to be that framework (a litellm function, an object
made by a langchain chat model class, a client made by `boto3.client("bedrock-runtime")`), and
its request is rebuilt in the shape of the SDK call the framework sends
(cachelint.analysis.framework_requests), so every rule applies unchanged.

This module holds names (and how a litellm Router maps its aliases); the values are made by the library models
cachelint.analysis.library.langchain and cachelint.analysis.library.boto3.
"""

from __future__ import annotations

from cachelint.analysis.values import DictV, ListV, StrV, text_of
from cachelint.models import provider_of_model

# ---- litellm: module functions, OpenAI-shaped requests
LITELLM_FUNCTIONS = {
    "litellm.completion": "litellm.completion",
    "litellm.acompletion": "litellm.completion",
    "litellm.main.completion": "litellm.completion",
    "litellm.main.acompletion": "litellm.completion",
}
LITELLM_NAMES = frozenset(q.rsplit(".", 1)[1] for q in LITELLM_FUNCTIONS)
# `litellm.Router(model_list=[...])`: its `completion` / `acompletion` send a litellm completion
# to a deployment of the model group named by `model`, a router alias (see router_model).
LITELLM_ROUTERS = frozenset({"litellm.Router", "litellm.router.Router"})
ROUTER_KIND = "litellm.Router"

# The provider a litellm model prefix routes to, among those whose caching cachelint knows.
# Prefixes of other providers (groq/, ollama/, deepseek/, ...) are not recognised: their caching
# facts differ and are not the rules' (precision over recall).
LITELLM_PREFIXES = {
    "openai": "openai",
    "azure": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
}
# Prefixes that host several families: the provider is the model family's.
LITELLM_HOSTS = frozenset({"vertex_ai", "bedrock", "vertex_ai_beta"})
# Prefixes of OpenAI-compatible providers, as the endpoint the OpenAI SDK would be given for
# them: the model table tells such a provider's caching facts by its host (models.COMPATIBLE),
# so a litellm call gets the rules the same request through the OpenAI SDK gets.
LITELLM_COMPATIBLE = {
    "deepseek": "https://api.deepseek.com",
    "xai": "https://api.x.ai/v1",
    "groq": "https://api.groq.com/openai/v1",
    "together_ai": "https://api.together.xyz/v1",
    "fireworks_ai": "https://api.fireworks.ai/inference/v1",
    "mistral": "https://api.mistral.ai/v1",
    "ollama": "http://localhost:11434",
    "ollama_chat": "http://localhost:11434",
    "hosted_vllm": "http://localhost:8000/v1",
    "lm_studio": "http://localhost:1234/v1",
}
# Keywords that point litellm (or a langchain OpenAI chat model) at another endpoint.
LITELLM_BASE_URL_KEYWORDS = ("api_base", "base_url")
LANGCHAIN_BASE_URL_SETTINGS = ("base_url", "openai_api_base")

# ---- langchain: chat model objects and message classes
LANGCHAIN_CHAT_MODELS = {
    # class name -> provider
    "ChatOpenAI": "openai",
    "AzureChatOpenAI": "openai",
    "ChatAnthropic": "anthropic",
    "ChatGoogleGenerativeAI": "gemini",
}
_LANGCHAIN_MODEL_MODULES = {
    "openai": ("langchain_openai", "langchain_openai.chat_models", "langchain_openai.chat_models.base",
               "langchain_openai.chat_models.azure"),
    "anthropic": ("langchain_anthropic", "langchain_anthropic.chat_models"),
    "gemini": ("langchain_google_genai", "langchain_google_genai.chat_models"),
}
LANGCHAIN_MODEL_CLASSES = {
    f"{module}.{cls}": cls
    for cls, provider in LANGCHAIN_CHAT_MODELS.items()
    for module in _LANGCHAIN_MODEL_MODULES[provider]
}
# `init_chat_model(model=..., model_provider=...)`: the chat model class of the provider shown by
# `model_provider` or the model's `provider:` prefix, as langchain names the providers.
LANGCHAIN_INIT = frozenset({"langchain.chat_models.init_chat_model", "langchain.chat_models.base.init_chat_model"})
LANGCHAIN_INIT_PROVIDERS = {"openai": "ChatOpenAI", "azure_openai": "AzureChatOpenAI",
                            "anthropic": "ChatAnthropic", "google_genai": "ChatGoogleGenerativeAI"}
# Model names langchain itself assigns a provider to when none is given.
LANGCHAIN_INIT_INFERRED = (("gpt-", "openai"), ("o1", "openai"), ("o3", "openai"), ("o4", "openai"),
                           ("chatgpt", "openai"), ("claude", "anthropic"))
# The chat model `init_chat_model` makes when neither the provider nor the model is shown (a
# configurable model): any provider, so rebuilt in langchain's OpenAI-shaped messages with the
# model unknown, which the size rules and the Anthropic marker rules say nothing about.
LANGCHAIN_ANY_MODEL = "init_chat_model"
# The base classes a chat model is declared with when the code takes any (`llm: BaseChatModel`):
# a call on such a receiver is a chat model's of unknown provider and model, as a configurable
# `init_chat_model`, unless the object is followed to where it is made. `Runnable` is not one:
# chains, retrievers and tools are runnables too, and their `invoke` input is no message list.
LANGCHAIN_DECLARED_MODEL = "BaseChatModel"
LANGCHAIN_KINDS = frozenset({*LANGCHAIN_CHAT_MODELS, LANGCHAIN_ANY_MODEL, LANGCHAIN_DECLARED_MODEL})
_LANGCHAIN_BASES = {
    "BaseChatModel": ("langchain_core.language_models", "langchain_core.language_models.chat_models",
                      "langchain.chat_models.base", "langchain.schema.language_model"),
    "BaseLanguageModel": ("langchain_core.language_models", "langchain_core.language_models.base",
                          "langchain.base_language", "langchain.schema.language_model"),
}
LANGCHAIN_BASE_MODELS = frozenset(f"{m}.{c}" for c, modules in _LANGCHAIN_BASES.items() for m in modules)

# Message class -> role (as the SDKs spell it). ChatMessage takes its role as an argument.
LANGCHAIN_MESSAGES = {
    "SystemMessage": "system",
    "HumanMessage": "user",
    "AIMessage": "assistant",
    "ToolMessage": "tool",
    "FunctionMessage": "function",
    "ChatMessage": "",
}
_MESSAGE_MODULES = ("langchain_core.messages", "langchain.schema", "langchain.schema.messages",
                    "langchain_core.messages.system", "langchain_core.messages.human",
                    "langchain_core.messages.ai", "langchain_core.messages.tool",
                    "langchain_core.messages.chat", "langchain_core.messages.function",
                    "langchain.messages")
LANGCHAIN_MESSAGE_CLASSES = {f"{m}.{c}": c for m in _MESSAGE_MODULES for c in LANGCHAIN_MESSAGES}
# Roles as langchain spells them in `("human", "...")` tuples and ChatMessage(role=...).
LANGCHAIN_ROLES = {"system": "system", "human": "user", "user": "user", "ai": "assistant",
                   "assistant": "assistant", "tool": "tool", "developer": "developer"}

# Methods that send the request (the async and streaming twins send the same one), and the
# API name each is reported under. `batch` is not one: its argument is a list of inputs, each a
# request of its own, which the rebuilt request (one message list) cannot stand for.
LANGCHAIN_SEND = {"invoke": "invoke", "ainvoke": "invoke", "stream": "stream", "astream": "stream"}
# Methods that return the same chat model with more settings, or unchanged.
LANGCHAIN_BIND = frozenset({"bind_tools", "with_structured_output", "with_retry", "with_config"})

# ---- boto3: the Bedrock runtime client
BEDROCK_KIND = "bedrock-runtime"
BEDROCK_PROVIDER = "bedrock"  # a ClientV's provider; its calls are reported as Anthropic's
BOTO3_CLIENT = frozenset({"boto3.client"})
BOTO3_SESSIONS = frozenset({"boto3.Session", "boto3.session.Session"})
BEDROCK_SEND = {"converse": "bedrock.converse", "converse_stream": "bedrock.converse",
                "invoke_model": "bedrock.invoke_model",
                "invoke_model_with_response_stream": "bedrock.invoke_model"}

# Every method name a framework call can end with (the fast path of call finding).
METHODS = frozenset({*LANGCHAIN_SEND, *BEDROCK_SEND, *LITELLM_NAMES})
# Every API name a framework call is reported under.
API_NAMES = frozenset({*LITELLM_FUNCTIONS.values(), *BEDROCK_SEND.values(),
                       *(f"{k}.{m}" for k in LANGCHAIN_KINDS for m in LANGCHAIN_SEND.values())})
# The positional argument that carries the prompt, by API: langchain's `input`, and litellm's
# `messages` (its signature is `completion(model, messages, ...)`).
POSITIONAL_PROMPT = {**{f"{k}.{m}": 0 for k in LANGCHAIN_KINDS for m in LANGCHAIN_SEND.values()},
                     "litellm.completion": 1}
# litellm's leading positional parameters.
LITELLM_POSITIONAL = ("model", "messages")


def is_framework_api(api: str) -> bool:
    return api in API_NAMES


def is_bedrock_anthropic(model_id: str) -> bool:
    """A Bedrock model id, inference profile or ARN of a Claude model."""
    return "anthropic.claude" in model_id.lower()


def litellm_provider(model: str) -> str | None:
    """The provider a litellm model string routes to, when it is one whose caching cachelint
    knows: `anthropic/claude-...`, `gemini/...`, `bedrock/anthropic.claude-...`, a bare model
    name of a known family, or an OpenAI-compatible provider's prefix (`groq/...`: "openai",
    with the endpoint of litellm_endpoint). None for any other provider."""
    prefix, sep, rest = model.partition("/")
    if not sep:
        return provider_of_model(model)
    if prefix in LITELLM_PREFIXES:
        return LITELLM_PREFIXES[prefix]
    if prefix in LITELLM_COMPATIBLE:
        return "openai"
    if prefix in LITELLM_HOSTS:
        got = provider_of_model(rest)
        return got if got in ("anthropic", "gemini") else None
    return None


def litellm_endpoint(model: str) -> str | None:
    """The endpoint of the OpenAI-compatible provider a litellm model prefix names, or None."""
    prefix, sep, _ = model.partition("/")
    return LITELLM_COMPATIBLE.get(prefix) if sep else None


def router_model(alias: str, model_list: object) -> str | None:
    """The model a litellm Router's model group `alias` sends to, from its `model_list` as the
    analysis rebuilt it (a list of `{"model_name": ..., "litellm_params": {"model": ...}}`):
    the one model every deployment of the group names, or None when that is not shown."""
    if not isinstance(model_list, ListV) or any(it.optional or it.repeated for it in model_list.items):
        return None
    found: set[str] = set()
    for it in model_list.items:
        d = it.value
        if not isinstance(d, DictV) or not d.complete:
            return None
        name = d.get("model_name")
        name_text = text_of(name.pieces) if isinstance(name, StrV) else None
        if name_text is None:
            return None  # a deployment whose group is not known may be this one
        if name_text != alias:
            continue
        params = d.get("litellm_params")
        model = params.get("model") if isinstance(params, DictV) else None
        model_text = text_of(model.pieces) if isinstance(model, StrV) else None
        if model_text is None:
            return None
        found.add(model_text)
    return found.pop() if len(found) == 1 else None
