"""Which endpoint an OpenAI SDK client sends to, as far as the code shows it.

The OpenAI SDK reaches other providers through `base_url` (DeepSeek, a gateway, a local
server). A client gets one from its constructor (`base_url=` keyword, or a `**options` spread
that carries it), from an assignment after it is built (`client.base_url = ...`), or, built
without one, from the `OPENAI_BASE_URL` environment variable the module sets. Each is read as
(text, "") when the code writes the address, (None, as written) when a base_url is given that
the analysis cannot follow, and (None, "") when there is none: the client talks to OpenAI.
`models.compatible_provider` then says whose caching facts apply.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence

from cachelint.analysis.env import Env, env_at
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import AltV, ClientV, ConstV, DictV, StrV, Value, text_of
from cachelint.models import compatible_provider

# (text of the address when known, the argument as written when it is not followed)
Endpoint = tuple[str | None, str]
NONE: Endpoint = (None, "")

# Azure clients always reach Azure OpenAI (`azure_endpoint=` or a deployment URL), which
# serves OpenAI's models with OpenAI's caching: their base_url says nothing more.
AZURE_KINDS = frozenset({"AzureOpenAI", "AsyncAzureOpenAI"})
# The variable the OpenAI SDK reads when a client is built without `base_url=`.
ENV_VARIABLE = "OPENAI_BASE_URL"


def value_endpoint(v: Value, written: str) -> Endpoint:
    """The endpoint a `base_url` value gives: its text when known (the same text on every
    branch), nothing for `None`, else not followed."""
    if isinstance(v, ConstV) and v.value is None:
        return NONE
    if isinstance(v, StrV):
        text = text_of(v.pieces)
        return (text, "") if text is not None else (None, written)
    if isinstance(v, AltV):
        texts = {text_of(o.pieces) if isinstance(o, StrV) else None for o in v.options}
        if len(texts) == 1 and None not in texts:
            return (texts.pop(), "")
    return (None, written)


def constructor_endpoint(ev: EvaluatorAPI, node: ast.Call, env: Env) -> Endpoint:
    """The `base_url` an OpenAI client constructor is given: the keyword, or an entry of a
    `**options` spread; a spread the analysis cannot see into may carry one."""
    spread_unseen = ""
    for k in node.keywords:
        if k.arg == "base_url":
            return value_endpoint(ev.eval(k.value, env), ev.src(env, k.value))
        if k.arg is None:
            options = ev.eval(k.value, env)
            written = "**" + ev.src(env, k.value)
            if isinstance(options, DictV):
                given = options.get("base_url")
                if given is not None:
                    return value_endpoint(given, written)
                if options.complete:
                    continue
            spread_unseen = spread_unseen or written
    return (None, spread_unseen)


def with_constructor_endpoint(ev: EvaluatorAPI, client: ClientV, node: ast.Call, env: Env) -> ClientV:
    if client.provider != "openai" or client.kind in AZURE_KINDS:
        return client  # other SDKs' base_url is a proxy of the same API
    url, unresolved = constructor_endpoint(ev, node, env)
    return dataclasses.replace(client, base_url=url, base_url_unresolved=unresolved)


def _key(c: ClientV) -> str:
    via = compatible_provider(c.base_url, None, bool(c.base_url_unresolved))
    return via.key if via is not None else "openai"


def merged(clients: Sequence[ClientV]) -> ClientV:
    """One client for several alternatives of the same SDK: the first, unless they reach
    different endpoints (then the endpoint is not known)."""
    first = clients[0]
    if len({_key(c) for c in clients}) <= 1:
        return first
    return dataclasses.replace(first, base_url=None, base_url_unresolved="one of several clients")


def call_endpoint(client: ClientV, receiver: ast.expr, mod: ModuleInfo, ev: EvaluatorAPI) -> Endpoint:
    """The endpoint a call on `client` (written `receiver` in `mod`) reaches: what its
    constructor was given, or what the module assigns to `<receiver>.base_url`; a client built
    without one reads `OPENAI_BASE_URL`, which the module may set. Several different answers
    (a constructor's and a later assignment's, two assignments) are not followed: which one
    a call sees depends on the order the code runs in."""
    if client.provider != "openai" or client.kind in AZURE_KINDS:
        return NONE
    given: Endpoint = (client.base_url, client.base_url_unresolved)
    found: list[Endpoint] = [given] if given != NONE else []
    assigned, env_writes = _writes(mod)
    if assigned:
        target = ast.unparse(receiver)
        found.extend(value_endpoint(ev.eval(value, env_at(mod, value)), f"{target}.base_url = {mod.source_of(value)}")
                     for written, value in assigned if written == target)
    if given == NONE:
        found.extend(value_endpoint(ev.eval(value, env_at(mod, value)), f"{ENV_VARIABLE}={mod.source_of(value)}")
                     for value in env_writes)
    distinct = sorted(set(found), key=lambda e: (e[0] or "", e[1]))
    if not distinct:
        return NONE
    if len(distinct) == 1:
        return distinct[0]
    unresolved = [e for e in distinct if e[1]]
    return (None, unresolved[0][1] if unresolved else f"{ast.unparse(receiver)}.base_url, assigned several values")


_WRITES_KEY = "endpoints.writes"


def _writes(mod: ModuleInfo) -> tuple[list[tuple[str, ast.expr]], list[ast.expr]]:
    """The module's `X.base_url = value` assignments (as (X as written, value)) and the values
    it sets `OPENAI_BASE_URL` to; found once per module (a fact of its text alone)."""
    known = mod.shared.get(_WRITES_KEY)
    if known is not None:
        return known  # type: ignore[no-any-return]
    assigned: list[tuple[str, ast.expr]] = []
    env_writes: list[ast.expr] = []
    if "base_url" in mod.text or ENV_VARIABLE in mod.text:
        for target, value in _assignments(mod):
            if isinstance(target, ast.Attribute) and target.attr == "base_url":
                assigned.append((ast.unparse(target.value), value))
            elif _is_env_write(target):
                env_writes.append(value)
    mod.shared[_WRITES_KEY] = (assigned, env_writes)
    return assigned, env_writes


def _assignments(mod: ModuleInfo) -> list[tuple[ast.expr, ast.expr]]:
    """(target, value) of every plain assignment in the module, and of
    `os.environ.setdefault(key, value)` (written as an assignment to `os.environ[key]`)."""
    out: list[tuple[ast.expr, ast.expr]] = []
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Assign):
            out.extend((t, node.value) for t in node.targets)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            out.append((node.target, node.value))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "setdefault" and len(node.args) == 2):
            out.append((ast.Subscript(node.func.value, node.args[0], ast.Store()), node.args[1]))
    return out


def _is_env_write(target: ast.expr) -> bool:
    """`os.environ["OPENAI_BASE_URL"]` (or `environ[...]` imported from os)."""
    if not isinstance(target, ast.Subscript):
        return False
    key = target.slice
    base = target.value
    named = (isinstance(base, ast.Attribute) and base.attr == "environ") or (
        isinstance(base, ast.Name) and base.id == "environ")
    return named and isinstance(key, ast.Constant) and key.value == ENV_VARIABLE
