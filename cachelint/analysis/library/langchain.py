"""langchain: chat model objects (`ChatOpenAI`, `ChatAnthropic`, `ChatGoogleGenerativeAI`) and
the message classes a prompt is written with (`SystemMessage`, `HumanMessage`, ...).

A chat model is a ClientV of its provider whose `settings` hold the constructor's keywords
(and the tools or schema bound to it later); a message is the dict the provider's SDK takes,
`{"role": ..., "content": ...}`. The request a chat model sends is rebuilt from both by
cachelint.analysis.framework_requests.
"""

from __future__ import annotations

import ast

from cachelint.analysis.env import Env
from cachelint.analysis.frameworks import (
    LANGCHAIN_ANY_MODEL,
    LANGCHAIN_BIND,
    LANGCHAIN_CHAT_MODELS,
    LANGCHAIN_INIT,
    LANGCHAIN_INIT_INFERRED,
    LANGCHAIN_INIT_PROVIDERS,
    LANGCHAIN_KINDS,
    LANGCHAIN_MESSAGE_CLASSES,
    LANGCHAIN_MESSAGES,
    LANGCHAIN_MODEL_CLASSES,
    LANGCHAIN_ROLES,
)
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import (
    AltV,
    ClientV,
    DictV,
    Item,
    ListV,
    RecordV,
    StrV,
    Text,
    Value,
    spread_entries,
    text_of,
)


def chat_model(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`ChatAnthropic(model=..., ...)`: a chat model holding its keywords by name."""
    return _model(ev, LANGCHAIN_MODEL_CLASSES[qual], node, env, not node.args)


def init_chat_model(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`init_chat_model("anthropic:claude-sonnet-4-5")`, `init_chat_model(model="gpt-4.1",
    model_provider="openai")`: the chat model of the provider shown by `model_provider`, the
    model's `provider:` prefix, or the model name langchain infers it from. Neither shown (a
    configurable model, a model and provider read from configuration): a chat model of any
    provider, its model unknown. A provider shown that cachelint has no facts for: not modelled."""
    if len(node.args) > 1 or any(isinstance(a, ast.Starred) for a in node.args) \
            or any(k.arg is None for k in node.keywords):
        return None
    given = {k.arg: k.value for k in node.keywords if k.arg is not None}
    model_node = node.args[0] if node.args else given.get("model")
    model = _literal(ev, model_node, env)
    provider = _literal(ev, given.get("model_provider"), env)
    if provider is None and model is not None and ":" in model:
        prefix, rest = model.split(":", 1)
        if prefix in LANGCHAIN_INIT_PROVIDERS:
            provider, model = prefix, rest
    if provider is None and model is not None:
        provider = next((p for start, p in LANGCHAIN_INIT_INFERRED if model.startswith(start)), None)
    if provider is not None:
        kind = LANGCHAIN_INIT_PROVIDERS.get(provider)
        if kind is None:
            return None  # a provider whose caching cachelint has no facts for
    elif model is not None:
        return None  # a model name langchain cannot place
    else:
        kind = LANGCHAIN_ANY_MODEL
    skip = ("model", "model_provider", "configurable_fields", "config_prefix")
    keywords = [k for k in node.keywords if k.arg not in skip]
    got = _model(ev, kind, node, env, True, keywords)
    if isinstance(got, ClientV) and model is not None and kind != LANGCHAIN_ANY_MODEL and got.settings is not None:
        settings = got.settings
        shown = StrV((Text(model, None),))
        got = ClientV(got.provider, kind, settings=DictV((("model", shown), *settings.entries), settings.loc,
                                                         settings.complete), prompt_nodes=got.prompt_nodes)
    return got


def _literal(ev: EvaluatorAPI, node: ast.expr | None, env: Env) -> str | None:
    if node is None:
        return None
    v = ev.eval(node, env)
    return text_of(v.pieces) if isinstance(v, StrV) else None


def _model(ev: EvaluatorAPI, kind: str, node: ast.Call, env: Env, complete: bool,
           keywords: list[ast.keyword] | None = None) -> Value:
    entries: list[tuple[str, Value]] = []
    nodes: list[ast.AST] = []
    for k in node.keywords if keywords is None else keywords:
        if k.arg is None:
            more, whole = spread_entries(ev.eval(k.value, env))
            entries.extend(more)
            complete = complete and whole
            nodes.append(k.value)
            continue
        entries.append((k.arg, ev.eval(k.value, env)))
    settings = DictV(tuple(entries), ev.loc(env, node), complete)
    provider = LANGCHAIN_CHAT_MODELS.get(kind, "openai")  # any provider: langchain's OpenAI-shaped messages
    return ClientV(provider, kind, settings=settings, prompt_nodes=tuple(nodes))


def message(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`SystemMessage("...")`, `HumanMessage(content=...)`, `ChatMessage(role=..., content=...)`:
    the message as the SDKs take it. A message whose content or role cannot be told is not
    modelled (None): the evaluator then treats it as any call it cannot follow."""
    cls = LANGCHAIN_MESSAGE_CLASSES[qual]
    content: Value | None = None
    role: Value | None = None
    complete = True
    if node.args:
        if isinstance(node.args[0], ast.Starred):
            return None
        content = ev.eval(node.args[0], env)
    for k in node.keywords:
        if k.arg is None:
            complete = False
        elif k.arg == "content":
            content = ev.eval(k.value, env)
        elif k.arg == "role":
            role = ev.eval(k.value, env)
    if content is None:
        return None
    fixed = LANGCHAIN_MESSAGES[cls]
    if fixed:
        role = StrV((Text(fixed, None),))
    elif isinstance(role, StrV):
        said = text_of(role.pieces)
        if said is not None:
            role = StrV((Text(LANGCHAIN_ROLES.get(said, said), None),))
    if role is None:
        return None
    # A record: also read as an object (`m.content`, `m.type`, `isinstance(m, SystemMessage)`)
    # by the project's own converters (see analysis/records.py).
    kind = StrV((Text(_TYPES[cls], None),))
    return RecordV((("role", role), ("content", content)), ev.loc(env, node), complete, kind=qual,
                   attrs=(("type", kind),))


# The `type` langchain gives each message class.
_TYPES = {"SystemMessage": "system", "HumanMessage": "human", "AIMessage": "ai", "ToolMessage": "tool",
          "FunctionMessage": "function", "ChatMessage": "chat"}
_CONVERTERS = ("langchain_core.messages.convert_to_openai_messages",
               "langchain_core.messages.utils.convert_to_openai_messages")


def to_openai(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`convert_to_openai_messages(messages)`: each langchain message as the SDK's dict."""
    if len(node.args) != 1 or node.keywords:
        return None
    return _as_dicts(ev.eval(node.args[0], env))


def _as_dicts(v: Value) -> Value | None:
    if isinstance(v, RecordV) and v.kind in LANGCHAIN_MESSAGE_CLASSES:
        return DictV(v.entries, v.loc, v.complete)
    if isinstance(v, ListV):
        items: list[Item] = []
        for it in v.items:
            got = _as_dicts(it.value)
            if got is None:
                return None
            items.append(Item(got, it.optional, it.repeated))
        return ListV(tuple(items), v.loc)
    if isinstance(v, AltV):
        options = [_as_dicts(o) for o in v.options]
        if any(o is None for o in options):
            return None
        return AltV(tuple(o for o in options if o is not None), v.loc, v.source)
    return None


def bound(ev: EvaluatorAPI, recv: ClientV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`llm.bind_tools(tools)`, `llm.with_structured_output(Schema)`: the same chat model with
    the tools or the output schema it now sends; `with_retry()` / `with_config()`: unchanged."""
    if recv.kind not in LANGCHAIN_KINDS:
        return None
    if meth in ("with_retry", "with_config"):
        return recv
    if not node.args or isinstance(node.args[0], ast.Starred) or recv.settings is None:
        return None
    name = "tools" if meth == "bind_tools" else "structured_output"
    settings = recv.settings
    entries = (*((k, v) for k, v in settings.entries if k != name), (name, ev.eval(node.args[0], env)))
    return ClientV(recv.provider, recv.kind, settings=DictV(entries, settings.loc, settings.complete),
                   prompt_nodes=(*recv.prompt_nodes, node.args[0]))


def register(reg: Registry) -> None:
    reg.call(LANGCHAIN_MODEL_CLASSES, chat_model)
    reg.call(LANGCHAIN_INIT, init_chat_model)
    reg.call(LANGCHAIN_MESSAGE_CLASSES, message)
    reg.call(_CONVERTERS, to_openai)
    reg.method(ClientV, LANGCHAIN_BIND, bound)
