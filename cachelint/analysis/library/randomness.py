"""uuid, random, secrets and other sources of values that differ on every call."""

from __future__ import annotations

import ast

from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import Value
from cachelint.prompt import Stability

PREFIXES = ("random.", "secrets.", "numpy.random.")
CALLS = ("uuid.uuid1", "uuid.uuid4", "os.urandom", "os.getrandom", "ulid.new", "ulid.ULID", "nanoid.generate",
         "shortuuid.uuid")


def volatile_call(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value:
    """A new value on every call; read once when called at import."""
    if env.import_time:
        return ev.opaque(env, node, Stability.STABLE, qual + "() evaluated once at import")
    return ev.opaque(env, node, Stability.VOLATILE, ev.src(env, node.func) + "()")


def register(reg: Registry) -> None:
    reg.call(CALLS, volatile_call)
    reg.prefix(PREFIXES, volatile_call)
