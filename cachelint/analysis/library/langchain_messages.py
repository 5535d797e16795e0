"""langchain's message classes (`SystemMessage(content=...)`, `HumanMessage`, `AIMessage`,
`ChatMessage(role=..., content=...)`, `ToolMessage`): objects whose `content` is the text and
whose class says the role. As a message they render as the SDK dict of that role, which is
also what langchain's own converters (`convert_to_openai_messages`) return."""

from __future__ import annotations

import ast

from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import AltV, DictV, Item, ListV, RecordV, StrV, Text, Value

# Class name -> (the `type` langchain gives it, the role of the SDK message it converts to).
_CLASSES = {
    "SystemMessage": ("system", "system"),
    "HumanMessage": ("human", "user"),
    "AIMessage": ("ai", "assistant"),
    "ToolMessage": ("tool", "tool"),
    "ChatMessage": ("chat", None),  # the role is an argument
}
_MODULES = ("langchain_core.messages", "langchain.schema", "langchain.schema.messages",
            "langchain_core.messages.system", "langchain_core.messages.human",
            "langchain_core.messages.ai", "langchain_core.messages.chat", "langchain_core.messages.tool")
_CONVERTERS = ("langchain_core.messages.convert_to_openai_messages",
               "langchain_core.messages.utils.convert_to_openai_messages")


def message(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`SystemMessage(content=text)` or `SystemMessage(text)`: a record with its role."""
    kind, role = _CLASSES[qual.rsplit(".", 1)[1]]
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return None  # fields passed by unpacking: not followed
    given = {k.arg: k.value for k in node.keywords if k.arg is not None}
    if node.args:
        if len(node.args) > 1 or "content" in given:
            return None
        given["content"] = node.args[0]
    content = given.get("content")
    if content is None:
        return None
    role_v: Value | None = StrV((Text(role, ev.loc(env, node)),)) if role is not None else None
    if role is None:
        if "role" not in given:
            return None
        role_v = ev.eval(given["role"], env)
    assert role_v is not None
    entries: tuple[tuple[str, Value], ...] = (("role", role_v), ("content", ev.eval(content, env)))
    return RecordV(entries, ev.loc(env, node), kind=qual,
                   attrs=(("type", StrV((Text(kind, ev.loc(env, node)),))),))


def to_openai(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`convert_to_openai_messages(messages)`: each langchain message as the SDK's dict."""
    if len(node.args) != 1 or node.keywords:
        return None
    return _as_dicts(ev.eval(node.args[0], env))


def _as_dicts(v: Value) -> Value | None:
    if isinstance(v, RecordV) and v.kind.rsplit(".", 1)[-1] in _CLASSES:
        return DictV(v.entries, v.loc)
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


def register(reg: Registry) -> None:
    reg.call(tuple(f"{m}.{c}" for m in _MODULES for c in _CLASSES), message)
    reg.call(_CONVERTERS, to_openai)
