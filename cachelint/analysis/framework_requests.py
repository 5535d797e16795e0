"""Rebuild the request a framework entry point sends, in the shape of the SDK call it stands for.

The result is the keyword values of an SDK call (`messages`, `tools`, `system`, ...), so the
prompt is assembled by the same code as a direct SDK call and every rule applies unchanged:

- litellm `completion(model=..., messages=...)`: OpenAI-shaped messages; the provider is the
  model's (`anthropic/claude-...` is Anthropic, with `cache_control` markers in its blocks).
- langchain `chat.invoke(input)`: the input (a string, message objects, `("system", "...")`
  tuples, dicts) as role/content messages, with the model and bound tools of the chat model.
- Bedrock `converse`: Converse blocks (`{"text": ...}`, a `{"cachePoint": ...}` block after the
  block it caches) as Anthropic blocks with `cache_control`; `invoke_model`: the Anthropic
  request written in `body=json.dumps({...})`.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field

from cachelint.analysis import endpoints, frameworks
from cachelint.analysis.calls import FoundCall, client_of, framework_choices, passed_chat_models
from cachelint.analysis.evaluate import Budget, Evaluator
from cachelint.analysis.library import langchain_prompts
from cachelint.analysis.values import (
    ClientV,
    ConstV,
    DictV,
    Item,
    ListV,
    ModuleRefV,
    OpaqueV,
    RecordV,
    StrV,
    Text,
    Value,
    text_of,
)

Keywords = dict[str, tuple[Value, ast.AST]]

# The shape of the rebuilt request: "chat" is OpenAI-shaped messages (and tools) whatever the
# provider; "anthropic" is an Anthropic Messages request (tools, system, messages).
CHAT, ANTHROPIC = "chat", "anthropic"

# Converse block kinds, as the Anthropic block types they stand for.
_CONVERSE_BLOCKS = {"image": "image", "document": "document", "toolUse": "tool_use", "toolResult": "tool_result",
                    "reasoningContent": "thinking", "video": "video", "guardContent": "guard"}


@dataclass
class Request:
    provider: str
    shape: str
    kw: Keywords
    complete: bool = True
    markers_unknown: bool = False  # markers may be added where the analysis cannot see
    # The endpoint of an OpenAI-compatible provider the request goes to (the OpenAI client's
    # `base_url` it stands for), when known.
    base_url: str | None = None
    base_url_unresolved: str = ""  # an endpoint keyword given that is not followed, as written
    top_marker: tuple[Value, ast.AST] | None = None
    # Not a request to a provider whose caching cachelint knows (a Bedrock model that is not
    # Claude, a litellm prefix of another provider): nothing is reported for it, and this says
    # why (shown by --show-prompt). Empty for a request that is checked.
    skip: str = ""
    notes: list[str] = field(default_factory=list)


def _str(text: str) -> StrV:
    return StrV((Text(text, None),))


def _static(v: Value | None) -> str | None:
    return text_of(v.pieces) if isinstance(v, StrV) else None


def request(found: FoundCall, ev: Evaluator, kw: Keywords, complete: bool) -> Request:
    """The SDK-shaped request of a framework call whose keyword values are `kw`."""
    if found.api == "litellm.completion":
        return _litellm(found, ev, kw, complete)
    if found.api.startswith("bedrock."):
        return _bedrock(found, ev, kw, complete)
    return _langchain(found, ev, kw, complete)


# ---- litellm

def _litellm(found: FoundCall, ev: Evaluator, kw: Keywords, complete: bool) -> Request:
    kw = dict(kw)
    for name, arg in zip(frameworks.LITELLM_POSITIONAL, found.node.args, strict=False):
        if isinstance(arg, ast.Starred):
            complete = False  # `*args`: what follows is not known by position
            break
        kw[name] = (ev.eval(arg, found.env), arg)
    model = _static(kw["model"][0]) if "model" in kw else None
    router = found.client if found.client is not None and found.client.kind == frameworks.ROUTER_KIND else None
    group = model
    if router is not None:
        # a Router's `model` names one of its model groups: the model it sends to is the one
        # the group's deployments name in the router's `model_list`, when that is shown
        listed = router.settings.get("model_list") if router.settings is not None else None
        sent = frameworks.router_model(model, listed) if model is not None else None
        if sent is None:
            kw.pop("model", None)
            req = Request("openai", CHAT, kw, complete)
            req.base_url_unresolved = f"litellm Router model group `{model or '?'}`"
            req.notes.append(f"model: the litellm Router's model group `{model or '?'}`, whose model is not shown")
            return req
        kw["model"] = (StrV((Text(sent, None),)), kw["model"][1])
        model = sent
    if model is not None:
        provider = frameworks.litellm_provider(model)
        if provider is None:
            return Request("openai", CHAT, kw, complete,
                           skip=f"litellm sends `{model}` to a provider whose caching cachelint has no facts for")
    else:
        provider = "openai"  # litellm's own request shape; the model is not known
    out = dict(kw)
    req = Request(provider, CHAT, out, complete)
    if router is not None:
        req.notes.append(f"model `{model}`: the one the litellm Router's model group `{group}` lists")
    if provider == "openai":
        req.base_url, req.base_url_unresolved = _endpoint(kw, frameworks.LITELLM_BASE_URL_KEYWORDS)
        if req.base_url is None and not req.base_url_unresolved and model is not None:
            req.base_url = frameworks.litellm_endpoint(model)
    if provider == "anthropic" and "messages" in kw:
        out["messages"] = (_message_markers_to_blocks(kw["messages"][0]), kw["messages"][1])
    if "cache_control_injection_points" in kw:
        req.markers_unknown = True  # litellm adds markers where these say
    return req


def _endpoint(given: Mapping[str, Value | tuple[Value, ast.AST]], names: tuple[str, ...]) -> endpoints.Endpoint:
    """The endpoint the first of `names` given says (cachelint.analysis.endpoints)."""
    for name in names:
        v = given.get(name)
        if isinstance(v, tuple):
            return endpoints.value_endpoint(v[0], f"{name}={ast.unparse(v[1])}")
        if v is not None:
            return endpoints.value_endpoint(v, f"{name}=…")  # a setting kept on the chat model
    return endpoints.NONE


def _message_markers_to_blocks(v: Value) -> Value:
    """litellm takes `cache_control` on a message whose content is a string, and sends it on
    that content as one text block: rebuilt that way, so the marker is where the API takes it."""
    if not isinstance(v, ListV):
        return v
    items = []
    for it in v.items:
        m = it.value
        marker = m.get("cache_control") if isinstance(m, DictV) else None
        content = m.get("content") if isinstance(m, DictV) else None
        if isinstance(m, DictV) and marker is not None and isinstance(content, StrV):
            block = DictV((("type", _str("text")), ("text", content), ("cache_control", marker)), m.loc)
            m = DictV(tuple((k, ListV((Item(block),), m.loc) if k == "content" else x)
                            for k, x in m.entries if k != "cache_control"), m.loc, m.complete)
        items.append(Item(m, it.optional, it.repeated))
    return ListV(tuple(items), v.loc, v.is_tuple)


# ---- langchain

def _same_kind(choices: list[ClientV], was: ClientV | None) -> ClientV | None:
    """Of the chat models of several providers a receiver may be (see framework_choices), the
    one of the provider and class the call was found for (each is a call of its own)."""
    if was is None:
        return None
    return next((c for c in choices if c.provider == was.provider and c.kind == was.kind), None)


def _langchain(found: FoundCall, ev: Evaluator, kw: Keywords, complete: bool) -> Request:
    # The receiver again, in this environment: a wrapper's parameters are bound to the caller's values.
    try:
        value = ev.eval(found.receiver, found.env)
        client = client_of(value) or _same_kind(framework_choices(value), found.client)
        if client is None and found.handed:
            client = _same_kind(passed_chat_models(value, ev), found.client)
            if client is None:
                # a caller followed into the function hands something else (a test's mock)
                return Request(found.provider, CHAT, {}, False,
                               skip="the caller hands the receiver something not shown to be a chat model")
        client = client or found.client
        if found.handed and isinstance(value, OpaqueV):
            # "parameter `llm` of create_agent()", without what its text's callers say
            req_note = f"the chat model: what every call in the project hands {value.cause.split(' (')[0]}"
        else:
            req_note = ""
    except Budget:
        client = found.client
        req_note = ""
    provider = client.provider if client is not None else found.provider
    settings = client.settings if isinstance(client, ClientV) else None
    out: Keywords = {}
    req = Request(provider, CHAT, out, complete)
    if req_note:
        req.notes.append(req_note)
    call = found.node
    if settings is not None:
        if provider == "openai":
            req.base_url, req.base_url_unresolved = _endpoint(dict(settings.entries),
                                                              frameworks.LANGCHAIN_BASE_URL_SETTINGS)
        model = settings.get("model") or settings.get("model_name")
        if model is not None:
            out["model"] = (model, call)
        if not settings.complete:
            req.markers_unknown = True  # `**options` could carry anything
        extra = settings.get("model_kwargs")
        if isinstance(extra, DictV):
            for k, v in extra.entries:
                if k == "cache_control":
                    req.top_marker = (v, call)
                elif k in ("tools", "response_format"):
                    out[k] = (v, call)
            req.markers_unknown = req.markers_unknown or not extra.complete
        elif extra is not None and not (isinstance(extra, ConstV) and extra.value is None):
            req.markers_unknown = True
        tools = settings.get("tools")
        schema = settings.get("structured_output")
        if schema is not None:
            if provider == "anthropic":  # sent as a tool the model is made to call
                tools = ListV((*(tools.items if isinstance(tools, ListV) else ()), Item(schema)), None) \
                    if tools is None or isinstance(tools, ListV) else tools
            else:
                out["response_format"] = (schema, call)
        if tools is not None:
            out["tools"] = (tools, call)
    else:
        req.markers_unknown = True  # a chat model known only from a type annotation
    sent: tuple[Value, ast.AST] | None = None
    if call.args:
        first = call.args[0]
        if isinstance(first, ast.Starred):
            req.complete = False
        else:
            sent = (ev.eval(first, found.env), first)
    for name, (v, n) in kw.items():
        if name == "input":
            sent = (v, n)
        elif name == "cache_control":
            req.top_marker = (v, n)
        elif name != "config":
            out[name] = (v, n)
    template = settings.get(langchain_prompts.TEMPLATE_SETTING) if settings is not None else None
    if isinstance(template, RecordV) and sent is not None:
        # `(prompt | llm).invoke(input)`: the template's messages, rendered with the input
        req.notes.append("messages: the ChatPromptTemplate piped into the chat model, rendered with the input")
        rendered = langchain_prompts.render(ev, template, sent[0], call, found.env)
        if rendered is None:
            req.complete = False
            sent = None
        else:
            sent = (rendered, sent[1])
    if sent is not None:
        out["messages"] = (_langchain_messages(sent[0], provider), sent[1])
    return req


def _langchain_messages(v: Value, provider: str) -> Value:
    """A chat model's input as role/content messages: a string is one user message, a list
    holds message objects (already dicts), dicts, `(role, content)` tuples or strings."""
    if isinstance(v, StrV):
        return ListV((Item(DictV((("role", _str("user")), ("content", v)), None)),), None)
    if not isinstance(v, ListV):
        return v
    items: list[Item] = []
    for it in v.items:
        m = it.value
        if isinstance(m, ListV) and m.is_tuple and len(m.items) == 2:
            role = _static(m.items[0].value)
            if role is not None:
                m = DictV((("role", _str(frameworks.LANGCHAIN_ROLES.get(role, role))), ("content", m.items[1].value)),
                          m.loc)
        elif isinstance(m, StrV):
            m = DictV((("role", _str("user")), ("content", m)), None)
        elif isinstance(m, DictV):
            role = _static(m.get("role"))
            if role is not None and role in frameworks.LANGCHAIN_ROLES and frameworks.LANGCHAIN_ROLES[role] != role:
                m = DictV(tuple((k, _str(frameworks.LANGCHAIN_ROLES[role]) if k == "role" else x)
                                for k, x in m.entries), m.loc, m.complete)
        items.append(Item(m, it.optional, it.repeated))
    if provider in ("anthropic", "gemini"):
        # Both send the system messages as the request's system prompt, ahead of the turns.
        def is_system(i: Item) -> bool:
            return isinstance(i.value, DictV) and _static(i.value.get("role")) == "system" and not i.repeated

        items = [i for i in items if is_system(i)] + [i for i in items if not is_system(i)]
    return ListV(tuple(items), v.loc, v.is_tuple)


# ---- Bedrock

def _bedrock(found: FoundCall, ev: Evaluator, kw: Keywords, complete: bool) -> Request:
    model = _static(kw["modelId"][0]) if "modelId" in kw else None
    out: Keywords = {}
    req = Request("anthropic", ANTHROPIC, out, complete)
    if model is None or not frameworks.is_bedrock_anthropic(model):
        # Bedrock hosts many models: only a Claude model shown as such is checked
        req.skip = "`modelId` is not shown to be a Claude model: only Claude's caching on Bedrock is checked"
        return req
    out["model"] = kw["modelId"]
    if found.api == "bedrock.invoke_model":
        body = _invoke_body(found, ev, kw)
        if body is None:
            req.skip = "the request `body` is not a `json.dumps({...})` of an Anthropic request the analysis can follow"
            return req
        req.complete = req.complete and body.complete
        for k, v in body.entries:
            if k != "model":
                out[k] = (v, kw["body"][1])
        return req
    for name, (v, n) in kw.items():
        if name == "modelId":
            continue
        if name == "system":
            out["system"] = (_converse_blocks(v), n)
        elif name == "messages":
            out["messages"] = (_converse_messages(v), n)
        elif name == "toolConfig":
            tools = v.get("tools") if isinstance(v, DictV) else None
            if tools is not None:
                out["tools"] = (_converse_tools(tools), n)
            elif not isinstance(v, DictV):
                req.markers_unknown = True
        else:
            out[name] = (v, n)
    return req


def _marker(point: Value) -> Value:
    """A `cachePoint` as the cache_control marker it is: type "default" is Anthropic's "ephemeral"."""
    if not isinstance(point, DictV):
        return point
    entries = tuple((k, _str("ephemeral") if k == "type" and _static(v) == "default" else v) for k, v in point.entries)
    return DictV(entries, point.loc, point.complete)


def _converse_block(v: Value) -> tuple[Value, Value | None]:
    """One Converse content block as an Anthropic block, or (None-marker) the marker of a
    cachePoint block: returns (block, marker), exactly one of them meaningful."""
    if not isinstance(v, DictV):
        return v, None
    point = v.get("cachePoint")
    if point is not None:
        return v, _marker(point)
    text = v.get("text")
    if text is not None:
        return DictV((("type", _str("text")), ("text", text)), v.loc, v.complete), None
    for k, kind in _CONVERSE_BLOCKS.items():
        if v.get(k) is not None:
            return DictV((("type", _str(kind)), *v.entries), v.loc, v.complete), None
    return v, None


def _converse_blocks(v: Value) -> Value:
    """A list of Converse blocks, each cachePoint moved onto the block before it."""
    if not isinstance(v, ListV):
        return v
    items: list[Item] = []
    for it in v.items:
        block, marker = _converse_block(it.value)
        if marker is None:
            items.append(Item(block, it.optional, it.repeated))
            continue
        if it.repeated:
            # a cachePoint added in a loop: a block of its own that carries the marker
            items.append(Item(DictV((("type", _str("text")), ("text", _str("")), ("cache_control", marker)),
                                    getattr(block, "loc", None)), it.optional, True))
            continue
        if items and isinstance(items[-1].value, DictV) and not items[-1].repeated:
            prev = items[-1]
            assert isinstance(prev.value, DictV)
            items[-1] = Item(DictV((*prev.value.entries, ("cache_control", marker)), prev.value.loc,
                                   prev.value.complete), prev.optional or it.optional, False)
    return ListV(tuple(items), v.loc, v.is_tuple)


def _converse_messages(v: Value) -> Value:
    if not isinstance(v, ListV):
        return v
    items = []
    for it in v.items:
        m = it.value
        if isinstance(m, DictV) and m.get("content") is not None:
            content = m.get("content")
            assert content is not None
            m = DictV(tuple((k, _converse_blocks(content) if k == "content" else x) for k, x in m.entries),
                      m.loc, m.complete)
        items.append(Item(m, it.optional, it.repeated))
    return ListV(tuple(items), v.loc, v.is_tuple)


def _converse_tools(v: Value) -> Value:
    """`toolConfig["tools"]`: `{"toolSpec": {...}}` entries as tool definitions, cachePoints as
    markers on the tool before them."""
    if not isinstance(v, ListV):
        return v
    items: list[Item] = []
    for it in v.items:
        t = it.value
        spec = t.get("toolSpec") if isinstance(t, DictV) else None
        point = t.get("cachePoint") if isinstance(t, DictV) else None
        if isinstance(spec, DictV):
            items.append(Item(spec, it.optional, it.repeated))
        elif point is not None and items and isinstance(items[-1].value, DictV) and not it.repeated:
            prev = items[-1]
            assert isinstance(prev.value, DictV)
            items[-1] = Item(DictV((*prev.value.entries, ("cache_control", _marker(point))), prev.value.loc,
                                   prev.value.complete), prev.optional or it.optional, prev.repeated)
        elif point is None:
            items.append(it)
    return ListV(tuple(items), v.loc, v.is_tuple)


def _invoke_body(found: FoundCall, ev: Evaluator, kw: Keywords) -> DictV | None:
    """The Anthropic request of `invoke_model(body=json.dumps({...}))`, the dict given to
    `json.dumps` there or in the one assignment of the name passed as `body`."""
    if "body" not in kw:
        return None
    node = kw["body"][1]
    if isinstance(node, ast.Name):
        fn = found.env.mod.enclosing_function(found.node)
        assigned = [a.value for a in ast.walk(fn) if isinstance(a, ast.Assign) and len(a.targets) == 1
                    and isinstance(a.targets[0], ast.Name) and a.targets[0].id == node.id] if fn is not None else []
        if len(assigned) != 1:
            return None
        node = assigned[0]
    if not (isinstance(node, ast.Call) and len(node.args) == 1 and not isinstance(node.args[0], ast.Starred)):
        return None
    try:
        dumps = ev.eval(node.func, found.env)
        if not (isinstance(dumps, ModuleRefV) and dumps.qualname == "json.dumps"):
            return None
        body = ev.eval(node.args[0], found.env)
    except Budget:
        return None
    return body if isinstance(body, DictV) and body.get("messages") is not None else None
