"""Where an expression is evaluated (module, scope, bindings), and the budget that bounds it."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from cachelint.analysis.module import ModuleInfo, ScopeNode
from cachelint.analysis.values import Value
from cachelint.fastinit import replace

MAX_STEPS = 200_000  # expression evaluations for one call site
MAX_DEPTH = 12  # nested helper calls / name hops
MAX_UNROLL = 256  # items of a comprehension or a template loop unrolled
MAX_ALT_ITERATION = 8  # alternatives a comprehension (or a loop) is evaluated over, one by one


class Budget(Exception):
    """The evaluation budget for one call site ran out."""


class Within(NamedTuple):
    """The cycle guards a memoised result depends on (see Evaluator.memo_end): their levels,
    the innermost level, and the activation at that level."""

    levels: frozenset[int]
    top: int
    serial: int


WHOLE = Within(frozenset(), -1, 0)  # a result that depends on no older guard: valid anywhere


@dataclass
class Env:
    """Where an expression is evaluated: module, function scope, bound parameters."""

    mod: ModuleInfo
    scope: ScopeNode | None = None
    bindings: dict[str, Value] | None = None
    parent: Env | None = None
    import_time: bool = True
    depth: int = 0
    overlay: dict[str, Value] = field(default_factory=dict)
    self_value: Value | None = None
    # The memo key of this environment (see memo_key), computed once; never copied by replace().
    _key: tuple[object, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def child(self, **kw: Any) -> Env:
        """`dataclasses.replace(self, **kw)`, without its walk over the fields and the
        keyword call of __init__ (environments are made by the tens of thousands)."""
        if not kw.keys() <= _ENV_FIELDS:
            return replace(self, **kw)  # raises as replace does
        new = object.__new__(Env)
        state = new.__dict__
        state.update(self.__dict__)
        state.update(kw)
        state["_key"] = None
        return new

    def memo_key(self) -> tuple[object, ...]:
        """What evaluating in this environment depends on, by identity: two environments with
        the same key give the same value for the same expression. Bindings and overlays are
        never changed once an environment holds them, so their identities (and the identities
        of their values) stand for their contents. Whoever stores the key keeps the environment
        alive, so no id in it can be reused by another object."""
        key = self._key
        if key is None:
            key = (
                id(self.mod), id(self.scope), id(self.bindings),
                self.parent.memo_key() if self.parent is not None else None,
                self.import_time, self.depth,
                tuple((k, id(v)) for k, v in self.overlay.items()) if self.overlay else (),
                id(self.self_value),
            )
            self._key = key
        return key


_ENV_FIELDS = frozenset(f.name for f in fields(Env) if f.init)


class EndOfModule(ast.AST):
    """A position after every statement of a module: names read from inside functions."""

    def __init__(self, mod: ModuleInfo) -> None:
        super().__init__()
        self.lineno = 10**9
        self.col_offset = 0


def env_at(mod: ModuleInfo, node: ast.AST) -> Env:
    """The evaluation environment for code at `node`, with enclosing function scopes.

    Class bodies are not visible from the methods inside them (Python scoping), so
    they only form an environment for code written directly in the class body.
    """
    scopes = []
    cur = mod.enclosing_scope(node)
    while cur is not None:
        scopes.append(cur)
        cur = mod.enclosing_scope(cur)
    scopes.reverse()
    env: Env | None = None
    for i, s in enumerate(scopes):
        if isinstance(s, ast.ClassDef):
            if i == len(scopes) - 1:
                env = Env(mod, s, None, env, import_time=env is None or env.import_time)
            continue
        env = Env(mod, s, None, env, import_time=False)
    return env or Env(mod, None, import_time=True)


__all__ = ["MAX_ALT_ITERATION", "MAX_DEPTH", "MAX_STEPS", "MAX_UNROLL", "Budget", "EndOfModule", "Env", "env_at"]
