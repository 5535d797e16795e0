"""litellm's Router: `litellm.Router(model_list=[...])`, whose `completion` / `acompletion` send
a litellm completion to a deployment of the model group they name (cachelint.analysis.calls
finds those calls, cachelint.analysis.framework_requests maps the group to its model). The
router is a ClientV holding its constructor's keywords, as a langchain chat model does."""

from __future__ import annotations

import ast

from cachelint.analysis.env import Env
from cachelint.analysis.frameworks import LITELLM_ROUTERS, ROUTER_KIND
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import ClientV, DictV, Value, spread_entries


def router(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    entries: list[tuple[str, Value]] = []
    complete = not node.args
    for k in node.keywords:
        if k.arg is None:
            more, whole = spread_entries(ev.eval(k.value, env))
            entries.extend(more)
            complete = complete and whole
        elif k.arg == "model_list":
            entries.append((k.arg, ev.eval(k.value, env)))  # the only setting the request needs
    return ClientV("openai", ROUTER_KIND, settings=DictV(tuple(entries), ev.loc(env, node), complete))


def register(reg: Registry) -> None:
    reg.call(LITELLM_ROUTERS, router)
