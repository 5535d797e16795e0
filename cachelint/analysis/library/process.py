"""os.environ, platform, socket, getpass: values fixed for the life of a process."""

from __future__ import annotations

import ast

from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import Value
from cachelint.prompt import Stability

STABLE_CALLS = ("os.getenv", "os.environ.get", "os.getcwd", "os.getpid", "platform.system", "platform.platform",
                "platform.python_version", "socket.gethostname", "getpass.getuser")


def process_value(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value:
    """A value read from the process or its host: the same on every call."""
    return ev.opaque(env, node, Stability.STABLE, ev.src(env, node.func) + "()")


def register(reg: Registry) -> None:
    reg.call(STABLE_CALLS, process_value)
