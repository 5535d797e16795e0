"""What a library model may ask of the evaluator: the few operations it needs, no more."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, Protocol

from cachelint.analysis.env import Env
from cachelint.analysis.files import PromptFiles
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import Loc, OpaqueV, Piece, StrV, Value
from cachelint.prompt import Hop, Stability


class EvaluatorAPI(Protocol):
    """The evaluator as a library model sees it. Every `eval` is charged to the budget of the
    call site being analysed (it raises Budget when that runs out)."""

    def eval(self, node: ast.AST, env: Env) -> Value:
        """The value of an expression of the analysed code (an argument of the call)."""

    def arg_values(self, node: ast.Call, env: Env) -> list[Value]:
        """The values of every argument of a call, positional then keyword."""

    def loc(self, env: Env, node: ast.AST) -> Loc: ...

    def src(self, env: Env, node: ast.AST) -> str: ...

    def hop(self, env: Env, node: ast.AST, note: str) -> Hop: ...

    def opaque(self, env: Env, node: ast.AST, stability: Stability, cause: str, **kw: Any) -> OpaqueV: ...

    def unknown(self, env: Env, node: ast.AST, cause: str) -> OpaqueV: ...

    def unknown_call(self, node: ast.Call, env: Env, cause: str) -> Value:
        """A call not followed: its stability comes from its arguments."""

    def as_pieces(self, v: Value, env: Env, node: ast.AST, spec: str | None = None,
                  conv: str | None = None, source: str | None = None) -> tuple[Piece, ...]:
        """The text a value renders as in an f-string, `+` or `str()`."""

    def to_str(self, v: Value, env: Env, node: ast.AST) -> StrV: ...

    def attribute(self, base: Value, attr: str, node: ast.AST, env: Env) -> Value: ...

    def binop(self, left: Value, right: Value, op: ast.operator, env: Env, node: ast.AST) -> Value: ...

    def index(self, base: Value, key: Value, node: ast.AST, env: Env) -> Value: ...

    def method_call(self, recv: Value, meth: str, node: ast.Call, env: Env) -> Value: ...

    def element_of(self, it: Value, env: Env, node: ast.AST) -> Value:
        """A representative element of what iterating `it` gives."""

    def map_alt(self, v: Any, fn: Callable[[Value], Value], node: ast.AST, env: Env) -> Value:
        """`fn` applied to each of several values (an AltV), within the evaluator's limits."""

    def files_naming(self, words: frozenset[str]) -> tuple[str, ...] | None:
        """The project's files (tests aside) that may reach a name spelt as one of `words`
        (see cachelint.analysis.hierarchy.ClassIndex); None when there are too many."""

    def module_at(self, path: str) -> ModuleInfo | None:
        """The project's module at `path`, parsed (None when it cannot be)."""

    def files(self) -> PromptFiles:
        """The prompt files of this run's project root (read once each, inside the root only)."""


__all__ = ["EvaluatorAPI"]
