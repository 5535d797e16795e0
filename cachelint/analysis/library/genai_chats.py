"""google-genai's chat sessions: `client.chats.create(model=..., config=GenerateContentConfig(
system_instruction=..., tools=...), history=[...])` (or `client.aio.chats.create`) makes a
chat that sends, on each `chat.send_message(message)`, the chat's config (system instruction,
tools), its history, then the message: the request `client.models.generate_content` would send.

The chat is a ClientV of the same kind as a legacy `ChatSession` (see
cachelint.analysis.gemini_legacy), its settings the model, the config's entries by name and
the history, so the legacy chat's assembly renders it. A `config=` given to `send_message`
replaces the chat's for that request (see assemble)."""

from __future__ import annotations

import ast

from cachelint.analysis.env import Env
from cachelint.analysis.gemini_legacy import CHAT_KIND
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import ClientV, DictV, Value

GENAI_CLIENT = "Client"  # the kind of `genai.Client(...)` (see library/sdk_clients.py)


def create(ev: EvaluatorAPI, recv: ClientV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`client.chats.create(model=..., config=..., history=...)`: a chat holding them; None
    for any other `create` (of another resource or another SDK)."""
    func = node.func
    if recv.provider != "gemini" or recv.kind != GENAI_CLIENT or not isinstance(func, ast.Attribute) \
            or not isinstance(func.value, ast.Attribute) or func.value.attr != "chats":
        return None
    entries: list[tuple[str, Value]] = []
    prompt_nodes: list[ast.AST] = []
    complete = not node.args  # create() takes its arguments by keyword only
    for k in node.keywords:
        if k.arg is None:
            complete = False  # `**options`: a config or history may be in it
            prompt_nodes.append(k.value)
            continue
        v = ev.eval(k.value, env)
        if k.arg == "model":
            entries.append(("model_name", v))
        elif k.arg == "history":
            entries.append(("history", v))
            prompt_nodes.append(k.value)
        elif k.arg == "config":
            prompt_nodes.append(k.value)
            if isinstance(v, DictV):
                entries.extend(v.entries)  # system_instruction, tools, and the generation settings
                complete = complete and v.complete
            else:
                complete = False  # a config the analysis cannot read may hold a system instruction
        else:
            entries.append((k.arg, v))
    settings = DictV(tuple(entries), ev.loc(env, node), complete)
    return ClientV("gemini", CHAT_KIND, settings=settings, prompt_nodes=tuple(prompt_nodes))


def register(reg: Registry) -> None:
    reg.method(ClientV, ("create",), create)
