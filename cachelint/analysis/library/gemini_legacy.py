"""The legacy Gemini SDK, `google.generativeai`: model objects and chats made from them hold
the parts of the prompt fixed when they are made (see cachelint.analysis.gemini_legacy for the
shape of the API itself)."""

from __future__ import annotations

import ast

from cachelint.analysis.env import Env
from cachelint.analysis.gemini_legacy import CHAT_KIND, MODEL_CLASSES, MODEL_KIND, MODEL_PARAMS, PROMPT_SETTINGS
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import ClientV, DictV, Value, spread_entries


def construct(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value:
    """`genai.GenerativeModel(...)`: a model object holding its arguments by name."""
    entries: list[tuple[str, Value]] = []
    prompt_nodes: list[ast.AST] = []
    complete = True
    for name, arg in zip(MODEL_PARAMS, node.args, strict=False):
        if isinstance(arg, ast.Starred):
            complete = False
            prompt_nodes.append(arg)
            break
        entries.append((name, ev.eval(arg, env)))
        if name in PROMPT_SETTINGS:
            prompt_nodes.append(arg)
    for k in node.keywords:
        if k.arg is None:
            prompt_nodes.append(k.value)
            more, whole = spread_entries(ev.eval(k.value, env))
            entries.extend(more)
            complete = complete and whole
            continue
        entries.append((k.arg, ev.eval(k.value, env)))
        if k.arg in PROMPT_SETTINGS:
            prompt_nodes.append(k.value)
    settings = DictV(tuple(entries), ev.loc(env, node), complete)
    return ClientV("gemini", MODEL_KIND, settings=settings, prompt_nodes=tuple(prompt_nodes))


def start_chat(ev: EvaluatorAPI, recv: ClientV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`model.start_chat(history=...)`: a chat holding the model's settings and the history."""
    if recv.kind != MODEL_KIND:
        return None
    hist: ast.expr | None = node.args[0] if node.args else None
    for k in node.keywords:
        if k.arg == "history":
            hist = k.value
    base = recv.settings
    entries = base.entries if base is not None else ()
    complete = base.complete if base is not None else False
    nodes = recv.prompt_nodes
    if hist is not None:
        entries = (*entries, ("history", ev.eval(hist, env)))
        nodes = (*nodes, hist)
    settings = DictV(entries, base.loc if base is not None else ev.loc(env, node), complete) \
        if base is not None or hist is not None else None
    return ClientV("gemini", CHAT_KIND, settings=settings, prompt_nodes=nodes)


def register(reg: Registry) -> None:
    reg.call(MODEL_CLASSES, construct)
    reg.method(ClientV, ("start_chat",), start_chat)
