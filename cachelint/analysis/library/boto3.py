"""boto3: the Bedrock runtime client (`boto3.client("bedrock-runtime")`), whose `converse` and
`invoke_model` send a Claude request (see cachelint.analysis.frameworks). Clients of every
other AWS service are not modelled."""

from __future__ import annotations

import ast

from cachelint.analysis.env import Env
from cachelint.analysis.frameworks import BEDROCK_KIND, BEDROCK_PROVIDER, BOTO3_CLIENT, BOTO3_SESSIONS
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import ClientV, StrV, Value, text_of

SESSION_KIND = "boto3.Session"


def _service(ev: EvaluatorAPI, node: ast.Call, env: Env) -> str | None:
    arg: ast.expr | None = node.args[0] if node.args and not isinstance(node.args[0], ast.Starred) else None
    for k in node.keywords:
        if k.arg == "service_name":
            arg = k.value
    if arg is None:
        return None
    v = ev.eval(arg, env)
    return text_of(v.pieces) if isinstance(v, StrV) else None


def client(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`boto3.client("bedrock-runtime", ...)`: a Bedrock runtime client; any other service: None."""
    if _service(ev, node, env) != BEDROCK_KIND:
        return None
    return ClientV(BEDROCK_PROVIDER, BEDROCK_KIND)


def session(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`boto3.Session(...)`: kept only so that its `.client("bedrock-runtime")` is known."""
    return ClientV(BEDROCK_PROVIDER, SESSION_KIND)


def session_client(ev: EvaluatorAPI, recv: ClientV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """`session.client("bedrock-runtime")`."""
    if recv.kind != SESSION_KIND or _service(ev, node, env) != BEDROCK_KIND:
        return None
    return ClientV(BEDROCK_PROVIDER, BEDROCK_KIND)


def register(reg: Registry) -> None:
    reg.call(BOTO3_CLIENT, client)
    reg.call(BOTO3_SESSIONS, session)
    reg.method(ClientV, ("client",), session_client)
