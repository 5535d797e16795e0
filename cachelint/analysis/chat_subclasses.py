"""Project classes that extend a langchain chat model: `class NormalizedChatOpenAI(ChatOpenAI)`.

Applications subclass a chat model to post-process its answers (TradingAgents' normalised
content, a provider's quirks) and keep the request it sends. An instance of such a class is
the chat model it extends (cachelint.analysis.library.langchain), built with the keywords the
construction passes, when nothing in the project's classes between them can change what is
sent: no `__init__` or `__new__` of their own (its parameters need not be the chat model's
settings), and every method named like one that builds or sends the request calls the same
method of `super()`, so it only adds to what the chat model does. Anything else is an
ordinary project instance, whose calls are not recognised (precision over recall).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from cachelint.analysis.env import Env
from cachelint.analysis.frameworks import LANGCHAIN_MODEL_CLASSES
from cachelint.analysis.values import FuncRefV, ModuleRefV, Value

if TYPE_CHECKING:
    from cachelint.analysis.evaluate import Evaluator

MAX_BASES = 8  # how far up the project's classes a chat model base is looked for
# Methods of a chat model that build or send the request: overriding one may change the prompt,
# unless the override hands on to the chat model's own (`super().invoke(input, ...)`).
_REQUEST_METHODS = frozenset({
    "invoke", "ainvoke", "stream", "astream", "batch", "abatch", "generate", "agenerate",
    "bind_tools", "with_structured_output", "bind", "_generate", "_agenerate", "_stream", "_astream",
    "_get_request_payload", "_convert_input", "_create_message_dicts", "_format_messages",
    "_get_invocation_params", "_default_params",
})


def chat_base(ev: Evaluator, cls: ast.ClassDef, path: str, env: Env) -> str | None:
    """The qualified name of the langchain chat model class `cls` extends, through project
    classes that change nothing it sends; None otherwise (see the module docstring)."""
    chain: list[tuple[ast.ClassDef, str]] = [(cls, path)]
    seen = {id(cls)}
    i = 0
    found: str | None = None
    while i < len(chain) and len(chain) <= MAX_BASES:
        c, p = chain[i]
        i += 1
        if not _hands_on(c):
            return None
        mod = ev.module_for_path(p, env)
        if mod is None:
            return None
        for b in c.bases:
            bv = ev.eval(b, Env(mod, None, import_time=True))
            if isinstance(bv, ModuleRefV) and bv.qualname in LANGCHAIN_MODEL_CLASSES:
                if found is not None and found != bv.qualname:
                    return None  # two chat models: which one's request is sent is not told
                found = bv.qualname
            elif isinstance(bv, FuncRefV) and isinstance(bv.node, ast.ClassDef) and id(bv.node) not in seen:
                seen.add(id(bv.node))
                chain.append((bv.node, bv.module))
    return found


def _hands_on(cls: ast.ClassDef) -> bool:
    """No constructor of its own, and each request method it defines calls `super()`'s."""
    for stmt in cls.body:
        if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if stmt.name in ("__init__", "__new__", "model_post_init"):
            return False
        if stmt.name in _REQUEST_METHODS and not _calls_super(stmt):
            return False
    return True


def _calls_super(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == fn.name:
            recv = node.func.value
            if isinstance(recv, ast.Call) and isinstance(recv.func, ast.Name) and recv.func.id == "super":
                return True
    return False


def instantiate(ev: Evaluator, cls: FuncRefV, node: ast.Call, env: Env) -> Value | None:
    """`NormalizedChatOpenAI(model=..., **kw)`: the chat model it extends, with these keywords;
    None when the class extends none (or may change what it sends)."""
    if not isinstance(cls.node, ast.ClassDef) or not cls.node.bases:
        return None
    key = ("chat base", id(cls.node))
    if key in ev.chat_bases:
        qual = ev.chat_bases[key][0]
    else:
        qual = chat_base(ev, cls.node, cls.module, env)
        ev.chat_bases[key] = (qual, cls.node)  # the node is kept so that its id is not reused
    if qual is None:
        return None
    return ev.library_call(qual, node, env)
