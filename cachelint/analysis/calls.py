"""Find SDK calls in a module and prove their receiver is an SDK client."""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

from cachelint.analysis import callers, endpoints, frameworks, gemini_legacy, indirect
from cachelint.analysis.env import MAX_ALT_ITERATION, env_at
from cachelint.analysis.evaluate import Budget, Env, Evaluator
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import (
    AltV,
    ClientV,
    DictV,
    FuncRefV,
    InstanceV,
    ModuleRefV,
    OpaqueV,
    Value,
    flat_options,
)

# API paths (attribute chains after the client) and the provider whose SDK has them.
_APIS: dict[tuple[str, ...], tuple[str, str]] = {
    ("responses", "create"): ("openai", "responses.create"),
    ("responses", "parse"): ("openai", "responses.parse"),
    ("responses", "stream"): ("openai", "responses.stream"),
    ("chat", "completions", "create"): ("openai", "chat.completions.create"),
    ("chat", "completions", "parse"): ("openai", "chat.completions.parse"),
    ("chat", "completions", "stream"): ("openai", "chat.completions.stream"),
    ("beta", "chat", "completions", "parse"): ("openai", "chat.completions.parse"),
    ("beta", "chat", "completions", "stream"): ("openai", "chat.completions.stream"),
    ("messages", "create"): ("anthropic", "messages.create"),
    ("messages", "stream"): ("anthropic", "messages.stream"),
    ("messages", "count_tokens"): ("anthropic", "messages.count_tokens"),
    ("beta", "messages", "create"): ("anthropic", "messages.create"),
    ("beta", "messages", "stream"): ("anthropic", "messages.stream"),
    ("beta", "messages", "count_tokens"): ("anthropic", "messages.count_tokens"),
    ("models", "generate_content"): ("gemini", "models.generate_content"),
    ("models", "generate_content_stream"): ("gemini", "models.generate_content_stream"),
    ("aio", "models", "generate_content"): ("gemini", "models.generate_content"),
    ("aio", "models", "generate_content_stream"): ("gemini", "models.generate_content_stream"),
    # The pre-1.0 OpenAI SDK: module-level resources (`openai.ChatCompletion.create(...)`) that
    # send the same chat request, so the same prompt caching applies to it.
    ("ChatCompletion", "create"): ("openai", "chat.completions.create"),
    ("ChatCompletion", "acreate"): ("openai", "chat.completions.create"),
}
# The legacy SDK (`google.generativeai`): methods of a GenerativeModel or ChatSession object.
for _meth, (_, _api) in gemini_legacy.APIS.items():
    _APIS[(_meth,)] = ("gemini", _api)
_WRAPPERS = ("with_raw_response", "with_streaming_response")
_METHODS = {k[-1] for k in _APIS}

# Keyword shapes that identify an API call when the receiver cannot be followed
# (rules.md §3: the file imports the SDK and the call's keywords match the API).
_SHAPES = {
    "responses.create": ({"model"}, {"input", "instructions", "prompt"}),
    "responses.parse": ({"model"}, {"input", "instructions"}),
    "responses.stream": ({"model"}, {"input", "instructions"}),
    "chat.completions.create": ({"model", "messages"}, set()),
    "chat.completions.parse": ({"model", "messages"}, set()),
    "chat.completions.stream": ({"model", "messages"}, set()),
    "messages.create": ({"model", "messages", "max_tokens"}, set()),
    "messages.stream": ({"model", "messages", "max_tokens"}, set()),
    "messages.count_tokens": ({"model", "messages"}, set()),
    "models.generate_content": ({"model", "contents"}, set()),
    "models.generate_content_stream": ({"model", "contents"}, set()),
}


@dataclass(frozen=True)
class FoundCall:
    node: ast.Call
    provider: str
    api: str
    receiver: ast.expr
    client: ClientV | None  # None when recognised by keyword shape only
    env: Env
    # The chat model is what every caller of the function hands the receiver, a parameter
    # (see passed_chat_models): a caller followed into it must hand one too.
    handed: bool = False


def api_chain(func: ast.expr) -> tuple[ast.expr, tuple[str, ...]] | None:
    """Split `client.chat.completions.with_raw_response.create` into receiver and API path
    (the longest API path that matches)."""
    chains = api_chains(func)
    return chains[0] if chains else None


def api_chains(func: ast.expr) -> list[tuple[ast.expr, tuple[str, ...]]]:
    """Every split of the callee into receiver and API path, longest path first:
    `client.models.generate_content` is a google.genai call on `client`, or a legacy
    GenerativeModel call on `client.models`; the receiver decides."""
    out: list[tuple[ast.expr, tuple[str, ...]]] = []
    names: list[str] = []
    cur = func
    while isinstance(cur, ast.Attribute):
        names.append(cur.attr)
        cur = cur.value
        path = tuple(n for n in reversed(names) if n not in _WRAPPERS)
        if path in _APIS:
            out.append((cur, path))
    out.reverse()
    return out


def _imports_sdk(mod: ModuleInfo) -> frozenset[str]:
    found: set[str] = set()
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                found.add(a.name.split(".")[0])
                if a.name.startswith("google.genai"):
                    found.add("genai")
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            found.add(root)
            if node.module.startswith("google") and any(a.name == "genai" for a in node.names):
                found.add("genai")
            if node.module.startswith("google.genai"):
                found.add("genai")
    sdk = {"openai": "openai", "anthropic": "anthropic", "genai": "gemini"}
    return frozenset(sdk[n] for n in found if n in sdk)


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def in_comprehensions(mod: ModuleInfo, node: ast.AST, env: Env, ev: Evaluator) -> Env:
    """`env` with the targets of the comprehensions around `node` bound to an element of
    what they iterate: `[client.chat.completions.create(messages=m) for m in batches]`
    (graphiti's reranker) would otherwise read `m` as an undefined name."""
    around: list[ast.AST] = []
    cur: ast.AST | None = mod.parents.get(id(node))
    while cur is not None and not isinstance(cur, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                                             | ast.ClassDef | ast.Module):
        if isinstance(cur, _COMPREHENSIONS):
            around.append(cur)
        cur = mod.parents.get(id(cur))
    for comp in reversed(around):  # outermost first: inner iterables may use outer targets
        assert isinstance(comp, _COMPREHENSIONS)
        for gen in comp.generators:
            overlay = dict(env.overlay)
            try:
                element = ev.element_of(ev.eval(gen.iter, env), env, gen.iter)
            except Budget:
                return env
            ev.bind_target(gen.target, element, overlay, env, force=True)
            env = env.child(overlay=overlay)
    return env


def client_of(v: Value) -> ClientV | None:
    if isinstance(v, ClientV):
        return v
    if isinstance(v, ModuleRefV) and v.qualname in ("openai", "anthropic"):
        return ClientV(v.qualname, "module")
    if isinstance(v, AltV):
        clients = [client_of(o) for o in v.options]
        known_clients = [c for c in clients if c is not None]
        if known_clients and all(_sdk_of(c) == _sdk_of(known_clients[0]) for c in known_clients):
            # Every alternative that resolved is the same SDK; unresolved ones are unknown.
            if known_clients[0].kind in gemini_legacy.KINDS or known_clients[0].kind in frameworks.LANGCHAIN_KINDS:
                return gemini_legacy.merge(known_clients, v)
            return endpoints.merged(known_clients)
    return None


MAX_CHOICES = 64  # values a receiver may be that are looked at for chat models


def framework_choices(v: Value) -> list[ClientV]:
    """The langchain chat models a value may be, one per provider and kind (merged as
    `client_of` merges them), when they are of several (`llm = ChatOpenAI(...)` in one branch,
    `ChatAnthropic(...)` in another, kept on an object); empty otherwise. A call on it is
    followed once for each, as a call dispatched to several classes is."""
    if not isinstance(v, AltV):
        return []
    groups: dict[tuple[str, str], list[ClientV]] = {}
    for o in flat_options(v, MAX_CHOICES):
        c = client_of(o)
        if c is not None:
            groups.setdefault(_sdk_of(c), []).append(c)
    if len(groups) < 2 or any(kind not in frameworks.LANGCHAIN_KINDS for _, kind in groups):
        return []
    return [gemini_legacy.merge(cs, v) for cs in groups.values()]


def passed_client(receiver: ast.expr, value: Value, env: Env, ev: Evaluator) -> ClientV | None:
    """The client a receiver that is a parameter of a method holds when every call of the method
    in its class hierarchy passes a client of the same SDK (`def openai_response(self, client,
    **kw)` called as `self.openai_response(self.prepare_client(), ...)`); None otherwise."""
    if not (isinstance(receiver, ast.Name) and isinstance(value, OpaqueV) and value.passthrough):
        return None
    scope = env.scope
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) or env.bindings is not None or \
            receiver.id not in {a.arg for a in [*scope.args.posonlyargs, *scope.args.args, *scope.args.kwonlyargs]}:
        return None
    values = callers.passed_values(ev, env, receiver.id)
    if not values:
        return None
    clients = [client_of(v) for v in values]
    known = [c for c in clients if c is not None]
    if len(known) < len(clients) or any(_sdk_of(c) != _sdk_of(known[0]) for c in known):
        return None
    return client_of(values[0] if len(values) == 1 else AltV(tuple(values), value.loc, value.source))


def passed_chat_models(value: Value, ev: Evaluator) -> list[ClientV]:
    """The langchain chat models a parameter holds, untyped or typed `Any`, when every call of
    its function in the project hands one (TradingAgents' `create_bull_researcher(llm)`, called
    with the chat model a client factory's `get_llm()` makes): one per provider and kind, as
    framework_choices gives them; empty otherwise. `value` is what the parameter reads as
    where nothing binds it (scopes.param_value), wherever it was handed on to since."""
    models = _handed_chat_models(value, ev, MAX_HANDED)
    if not models:
        return []
    groups: dict[tuple[str, str], list[ClientV]] = {}
    for c in models:
        groups.setdefault(_sdk_of(c), []).append(c)
    assert isinstance(value, OpaqueV)
    whole = AltV(tuple(models), value.loc, value.source)
    return [cs[0] if len(cs) == 1 else gemini_legacy.merge(cs, whole) for cs in groups.values()]


MAX_HANDED = 4  # parameters a chat model is followed back through, each handing it to the next


def _handed_chat_models(value: Value, ev: Evaluator, depth: int) -> list[ClientV] | None:
    """passed_chat_models' chat models, unmerged; None when a caller hands something else or
    something not known, or the parameter's function has no call in the project (its callers,
    if any, are not in sight: they hand nothing on, unless another caller hands a chat model,
    as `create_social_media_analyst(llm)`, a name kept for users, does to the function it
    calls)."""
    if depth <= 0 or not (isinstance(value, OpaqueV) and value.passthrough and isinstance(value.loc.node, ast.arg)):
        return None
    mod = ev.module_from_path(value.loc.path)
    if mod is None:
        return None
    fn = mod.parents.get(id(mod.parents.get(id(value.loc.node))))
    if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or not fn.body:
        return None
    owner = env_at(mod, fn.body[0])
    if owner.scope is not fn:
        return None
    values = callers.argument_values(ev, owner, value.loc.node.arg)
    if values is None:
        return None
    models: list[ClientV] = []
    for v in values:
        if _something_else(v):
            return None
        chosen = framework_choices(v)
        if not chosen:
            one = client_of(v)
            if one is not None and one.kind in frameworks.LANGCHAIN_KINDS:
                chosen = [one]
            else:
                # a parameter of the caller handed on (`invoke_structured_or_freetext(..., llm)`
                # in `create_trader(llm)`): what that one's callers hand, asked the same way
                handed = _handed_chat_models(v, ev, depth - 1)
                if handed is None:
                    return None
                chosen = handed
        models.extend(chosen)
    return models


def _something_else(v: Value) -> bool:
    """May `v` be an object known not to be a chat model (a project object, text, a list)?
    A value not known (a library call not modelled) may be one: it does not say otherwise."""
    options = flat_options(v, MAX_CHOICES) if isinstance(v, AltV) else [v]
    return len(options) > MAX_CHOICES or any(not isinstance(o, ClientV | OpaqueV) for o in options)


def _sdk_of(c: ClientV) -> tuple[str, str]:
    """The provider, and for the legacy Gemini SDK and the frameworks the kind of object (a
    model is not a chat, a langchain chat model is not the SDK's client)."""
    framework = c.kind in frameworks.LANGCHAIN_KINDS or c.provider == frameworks.BEDROCK_PROVIDER
    return (c.provider, c.kind if c.kind in gemini_legacy.KINDS or framework else "")


def _attribute_of_client(receiver: ast.expr, env: Env, ev: Evaluator) -> bool:
    """`model.models` or `chat.history`: an attribute of an SDK object reads as the object
    itself, but it is not a GenerativeModel."""
    if not isinstance(receiver, ast.Attribute):
        return False
    try:
        return client_of(ev.eval(receiver.value, env)) is not None
    except Budget:
        return True


def _litellm_names(mod: ModuleInfo) -> frozenset[str]:
    """The names a module calls litellm's completion functions by: `completion`, or the alias
    of `from litellm import completion as llm_call`."""
    if "litellm" not in mod.text:
        return frozenset()
    names = set(frameworks.LITELLM_NAMES)
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("litellm", "litellm.main"):
            names.update(a.asname for a in node.names if a.asname and a.name in frameworks.LITELLM_NAMES)
    return frozenset(names)


def _litellm_attributes(mod: ModuleInfo) -> frozenset[str]:
    """The attributes a module stores one of litellm's completion functions on, `self.client =
    completion` after `from litellm import completion` (camel's LiteLLMModel, which then calls
    `self.client(...)`): a call of such an attribute is looked at as a litellm call."""
    names = litellm_names(mod)
    if not names:
        return frozenset()
    out: set[str] = set()
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Attribute):
            v = node.value
            if (isinstance(v, ast.Name) and v.id in names) or (isinstance(v, ast.Attribute) and v.attr in names):
                out.add(node.targets[0].attr)
    return frozenset(out)


def framework_call(node: ast.Call, env: Env, ev: Evaluator) -> FoundCall | None:
    """A call of a framework entry point (cachelint.analysis.frameworks), shown to be one:
    a litellm completion function, a send method of a langchain chat model, or `converse` /
    `invoke_model` of a Bedrock runtime client. None for anything else."""
    found = framework_calls(node, env, ev)
    return found[0] if len(found) == 1 else None


def framework_calls(node: ast.Call, env: Env, ev: Evaluator, held: frozenset[str] = frozenset()) -> list[FoundCall]:
    """`framework_call`, and for a langchain chat model of one of several providers (see
    framework_choices) the call on each. `held`: attributes that may hold a litellm function
    (see litellm_attributes)."""
    func = node.func
    try:
        if isinstance(func, ast.Name) or (isinstance(func, ast.Attribute)
                                          and (func.attr in frameworks.LITELLM_NAMES or func.attr in held)):
            target = ev.eval(func, env)
            if isinstance(target, ModuleRefV) and target.qualname in frameworks.LITELLM_FUNCTIONS:
                # the provider is the model's, told when the request is rebuilt
                return [FoundCall(node, "openai", frameworks.LITELLM_FUNCTIONS[target.qualname], func, None, env)]
            if isinstance(func, ast.Attribute) and func.attr in frameworks.LITELLM_NAMES:
                router = client_of(ev.eval(func.value, env))
                if router is not None and router.kind == frameworks.ROUTER_KIND:
                    # `router.acompletion(model="group", ...)`: the group's model, told when rebuilt
                    return [FoundCall(node, "openai", "litellm.completion", func.value, router, env)]
            if not isinstance(func, ast.Attribute) or func.attr in frameworks.LITELLM_NAMES \
                    or func.attr not in frameworks.METHODS:
                return []  # an attribute held (`held`) may still be a chat model's `invoke`
        if not isinstance(func, ast.Attribute):
            return []
        value = ev.eval(func.value, env)
        client = client_of(value) or passed_client(func.value, value, env, ev)
    except Budget:
        return []
    if client is None:
        if func.attr not in frameworks.LANGCHAIN_SEND:
            return []
        try:
            choices = framework_choices(value)
            handed = not choices
            if handed:
                choices = passed_chat_models(value, ev)
        except Budget:
            return []
        return [FoundCall(node, c.provider, f"{c.kind}.{frameworks.LANGCHAIN_SEND[func.attr]}", func.value, c, env,
                          handed) for c in choices]
    if client.kind in frameworks.LANGCHAIN_KINDS and func.attr in frameworks.LANGCHAIN_SEND:
        api = f"{client.kind}.{frameworks.LANGCHAIN_SEND[func.attr]}"
        return [FoundCall(node, client.provider, api, func.value, client, env)]
    if client.kind == frameworks.BEDROCK_KIND and func.attr in frameworks.BEDROCK_SEND:
        return [FoundCall(node, "anthropic", frameworks.BEDROCK_SEND[func.attr], func.value, client, env)]
    return []


def _sdk_aliases(mod: ModuleInfo) -> dict[str, ast.Attribute]:
    """Names bound to an SDK method, `completion = client.chat.completions.create`: the one
    assignment of that name anywhere in the module (a name bound twice is not followed)."""
    bound: dict[str, list[ast.expr | None]] = {}
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    bound.setdefault(t.id, []).append(node.value if len(node.targets) == 1 else None)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and isinstance(node.target, ast.Name):
            bound.setdefault(node.target.id, []).append(None)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.setdefault(node.name, []).append(None)
    out: dict[str, ast.Attribute] = {}
    for name, values in bound.items():
        value = values[0]
        if len(values) == 1 and isinstance(value, ast.Attribute) and value.attr in _METHODS and api_chains(value):
            out[name] = value
    return out


def _run_by_project(node: ast.Call, mod: ModuleInfo, ev: Evaluator) -> ast.Call | None:
    """`self.retryer(client.chat.completions.create, **kw)` where the callee is a project function
    (or object whose class defines `__call__`) that calls what it is handed first with the rest:
    the SDK call that makes. None for any other callee."""
    env = env_at(mod, node)
    try:
        target = ev.eval(node.func, env)
        if isinstance(target, InstanceV):
            target = ev.attribute(target, "__call__", node.func, env)
    except Budget:
        return None
    if not isinstance(target, FuncRefV) or not isinstance(target.node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    runner = indirect.forwards_first_argument(target.node, target.bound_self is not None)
    if runner is None:
        return None
    return indirect.run_by(node, mod, runner)


Aliases = Callable[[], dict[str, ast.Attribute]]  # the module's SDK aliases, found when first asked


def held_sdk_method(name: ast.Name, mod: ModuleInfo, aliases: Aliases) -> ast.Attribute | None:
    """The SDK method a name holds where it is used: a name of the enclosing function assigned
    an SDK method once, before the use (`create = self._client.messages.create`: camel's
    `create_func`, assigned in both `_run` and `_arun`, which the module-wide `sdk_aliases`
    refuses), else a module-level alias (`aliases()`, see sdk_aliases); None otherwise."""
    scope = mod.enclosing_function(name)
    if scope is None:
        return aliases().get(name.id)
    ix = mod.flow_of(scope)
    if name.id in ix.globals_:
        return aliases().get(name.id)
    if name.id in ix.params:
        return None
    if not ix.binds(name.id, scope):
        return aliases().get(name.id)
    events = ix.events.get(name.id, [])
    if len(events) != 1 or ix.unrecorded.get(name.id):
        return None  # bound twice, or also by a walrus or a match capture
    e = events[0]
    value = e.value
    if e.kind != "assign" or not isinstance(e.stmt, ast.Assign) or len(e.stmt.targets) != 1 \
            or not isinstance(value, ast.Attribute) or e.pos > (name.lineno, name.col_offset):
        return None
    return value if value.attr in _METHODS and api_chains(value) else None


def _is_sdk_method(e: ast.expr, mod: ModuleInfo, aliases: Aliases) -> bool:
    if isinstance(e, ast.Name):
        # an SDK method held in a name and handed on by it: `self._call_client(create_func, **kw)`
        return held_sdk_method(e, mod, aliases) is not None
    return isinstance(e, ast.Attribute) and e.attr in _METHODS and bool(api_chains(e))


def _handed_sdk_method(node: ast.Call, mod: ModuleInfo, ev: Evaluator, aliases: Aliases) -> ast.Call | None:
    """The SDK call a call makes of an SDK method it is handed: by an executor, a thread or
    `functools.partial` (`asyncio.to_thread(client.chat.completions.create, **kw)`,
    `loop.run_in_executor(None, partial(client.messages.create, ...))`), or by a project helper
    that runs what it is handed (`self.retryer(client.chat.completions.create, **kw)`), also
    when the method is handed on by a name that holds it (`create_func`)."""
    made = indirect.handed_on(node, mod)
    if made is not None and _is_sdk_method(made.func, mod, aliases):
        return made
    if node.args and _is_sdk_method(node.args[0], mod, aliases):
        return _run_by_project(node, mod, ev)
    return None


def keyword_names(node: ast.Call, env: Env, ev: Evaluator) -> set[str]:
    """The keywords a call is known to pass: those written, and the keys of each `**params`
    dict the analysis can rebuild (`params = {"model": ..., "messages": ...}`, then
    `create(**params)`). A spread whose keys are not known adds nothing."""
    names = {k.arg for k in node.keywords if k.arg}
    for k in node.keywords:
        if k.arg is None:
            with contextlib.suppress(Budget):  # a spread too costly to follow adds no key
                names |= _known_keys(ev.eval(k.value, env))
    return names


def _known_keys(v: Value) -> set[str]:
    """Keys a dict value has whichever way it was built: for one of several dicts, the keys
    they all have."""
    if isinstance(v, DictV):
        return {k for k, _ in v.entries}
    if isinstance(v, AltV):
        options = flat_options(v, MAX_ALT_ITERATION)
        if len(options) > MAX_ALT_ITERATION or not options:
            return set()
        return set.intersection(*(_known_keys(o) for o in options))
    return set()


def find_calls(mod: ModuleInfo, ev: Evaluator) -> list[FoundCall]:
    """Every recognised SDK or framework call in the module, in source order."""
    sdks: frozenset[str] | None = None
    out: list[FoundCall] = []
    plain_names = litellm_names(mod)
    held = litellm_attributes(mod)
    aliases_found: list[dict[str, ast.Attribute]] = []

    def aliases() -> dict[str, ast.Attribute]:
        if not aliases_found:
            aliases_found.append(sdk_aliases(mod))  # a walk of the whole module: once, when asked
        return aliases_found[0]

    for node in mod.calls:
        func = node.func
        if (isinstance(func, ast.Name) and func.id in plain_names) or (
                isinstance(func, ast.Attribute) and (func.attr in frameworks.METHODS or func.attr in held)):
            fws = framework_calls(node, in_comprehensions(mod, node, env_at(mod, node), ev), ev, held)
            if fws:
                out.extend(fws)
                continue
        if node.args or isinstance(func, ast.Call):
            made = _handed_sdk_method(node, mod, ev, aliases)
            if made is not None:
                node, func = made, made.func  # `retry(client.chat.completions.create, **kw)`
        if isinstance(func, ast.Name):
            alias = held_sdk_method(func, mod, aliases)
            if alias is None:
                continue
            func = alias  # the SDK method the name holds, its receiver evaluated where it is written
        elif not isinstance(func, ast.Attribute):
            continue
        if func.attr not in _METHODS:
            continue  # fast path: not one of the API method names
        env: Env | None = None
        for receiver, path in api_chains(func):
            provider, api = _APIS[path]
            legacy = gemini_legacy.is_legacy_api(api)
            if env is None:
                env = in_comprehensions(mod, node, env_at(mod, node), ev)
            if func is not node.func and legacy:
                continue  # a legacy model's method is found on the model object only
            try:
                value = ev.eval(receiver, env if func is node.func else env_at(mod, receiver))
            except Budget:
                value = None
            try:
                client = None if value is None else client_of(value) or passed_client(receiver, value, env, ev)
            except Budget:
                client = None
            if client is None and isinstance(value, InstanceV) and not legacy:
                # a project object whose `__getattr__` hands names on to a client it wraps
                try:
                    client = client_of(ev.attribute(value, path[0], receiver, env))
                except Budget:
                    client = None
            if legacy:
                # Only on an object shown to be a GenerativeModel (or its ChatSession): no shape test.
                if client is not None and client.kind == gemini_legacy.APIS[path[-1]][0] \
                        and not _attribute_of_client(receiver, env, ev):
                    out.append(FoundCall(node, provider, api, receiver, client, env))
                    break
                continue
            if client is not None:
                if client.provider != provider or client.kind in gemini_legacy.KINDS:
                    continue  # e.g. an Anthropic client has no `responses` API
                out.append(FoundCall(node, provider, api, receiver, client, env))
                break
            if value is not None and not isinstance(value, OpaqueV | AltV):
                continue  # the receiver is something else we know (a string, a list...)
            if sdks is None:
                sdks = imports_sdk(mod)
            if provider not in sdks:
                continue  # Twilio's client.messages.create in a file without the SDK
            required, any_of = _SHAPES[api]
            kws = keyword_names(node, env, ev)
            if not required <= kws or (any_of and not kws & any_of):
                continue  # keywords do not match the API's shape
            out.append(FoundCall(node, provider, api, receiver, None, env))
            break
    out.sort(key=lambda c: (c.node.lineno, c.node.col_offset))
    return out


T = TypeVar("T")


def _kept(mod: ModuleInfo, key: str, compute: Callable[[ModuleInfo], T]) -> T:
    """`compute(mod)`, a fact of the module's tree alone, worked out once and kept with the
    module (`ModuleInfo.shared`): each asked it in every project that looks at the module's
    calls, each time walking the whole tree."""
    got = mod.shared.get(key)
    if got is None:
        got = mod.shared[key] = compute(mod)
    return cast(T, got)


def imports_sdk(mod: ModuleInfo) -> frozenset[str]:
    """The providers whose SDK the module imports (`openai`, `anthropic`, `gemini`)."""
    return _kept(mod, "calls.imports_sdk", _imports_sdk)


def litellm_names(mod: ModuleInfo) -> frozenset[str]:
    """The names a module calls litellm's completion functions by (see _litellm_names)."""
    return _kept(mod, "calls.litellm_names", _litellm_names)


def litellm_attributes(mod: ModuleInfo) -> frozenset[str]:
    """The attributes a module stores a litellm completion function on (see _litellm_attributes)."""
    return _kept(mod, "calls.litellm_attributes", _litellm_attributes)


def sdk_aliases(mod: ModuleInfo) -> dict[str, ast.Attribute]:
    """Names bound to an SDK method in the module (see _sdk_aliases); not to be changed."""
    return _kept(mod, "calls.sdk_aliases", _sdk_aliases)
