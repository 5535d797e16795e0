"""The table of library models: what the evaluator knows of code it does not analyse.

A model is a plain function. It is found by the qualified name of what is called
(`textwrap.dedent`), by a prefix of that name (`random.`), or by the type of a value and the
name of a method or attribute used on it (`(StrV, "format")`, `(PathV, "read_text")`). A
model returns the value of the call, or None when the call is not one it understands (the
evaluator then treats it as it treats any call it cannot follow).

Each library module has one `register(registry)` function; `build` runs them all once, at
import, and the table is not changed afterwards.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from cachelint.analysis.values import Piece, Value

if TYPE_CHECKING:
    from cachelint.analysis.env import Env
    from cachelint.analysis.library.api import EvaluatorAPI

CallModel = Callable[["EvaluatorAPI", str, ast.Call, "Env"], Value | None]
MethodModel = Callable[["EvaluatorAPI", Any, str, ast.Call, "Env"], Value | None]
AttributeModel = Callable[["EvaluatorAPI", Any, str, ast.AST, "Env"], Value | None]
ItemModel = Callable[["EvaluatorAPI", Any, Value, ast.AST, "Env"], Value | None]
OperatorModel = Callable[["EvaluatorAPI", Value, Value, ast.operator, "Env", ast.AST], Value | None]
RenderModel = Callable[["EvaluatorAPI", Any, "Env", ast.AST, "str | None", "str | None"], "tuple[Piece, ...] | None"]

ANY = "*"  # a method or attribute model for every name used on its type


class DuplicateModel(ValueError):
    """Two models claim the same key: which one runs would depend on registration order."""


class Registry:
    """Library models by qualified name, name prefix, value type + method or attribute,
    operator, and rendering of a value type."""

    def __init__(self) -> None:
        self.calls: dict[str, CallModel] = {}
        self.prefixes: dict[str, CallModel] = {}
        self.methods: dict[tuple[type, str], MethodModel] = {}
        self.attributes: dict[tuple[type, str], AttributeModel] = {}
        self.items: dict[type, ItemModel] = {}  # `value[key]` on a value of the type
        self.operators: dict[type[ast.operator], list[OperatorModel]] = {}
        self.renders: dict[type, RenderModel] = {}
        # Value types that a `with` statement binds as themselves (`with open(p) as f`).
        self.enters_itself: tuple[type, ...] = ()
        # Which library module registered each key (the registry test reads it).
        self.owners: dict[object, str] = {}
        self._owner = ""

    # ---- registering

    def _claim(self, key: object) -> None:
        if key in self.owners:
            raise DuplicateModel(f"{key!r} registered by {self.owners[key]} and {self._owner}")
        self.owners[key] = self._owner

    def call(self, names: Iterable[str], model: CallModel) -> None:
        for name in names:
            self._claim(("call", name))
            self.calls[name] = model

    def prefix(self, prefixes: Iterable[str], model: CallModel) -> None:
        """A model for every qualified name starting with one of `prefixes`. No registered
        prefix may start another: the one that applies never depends on order."""
        for p in prefixes:
            for q in self.prefixes:
                if q.startswith(p) or p.startswith(q):
                    raise DuplicateModel(f"prefix {p!r} overlaps {q!r} of {self.owners[('prefix', q)]}")
            self._claim(("prefix", p))
            self.prefixes[p] = model

    def method(self, cls: type, names: Iterable[str], model: MethodModel) -> None:
        for name in names:
            self._claim(("method", cls, name))
            self.methods[(cls, name)] = model

    def attribute(self, cls: type, names: Iterable[str], model: AttributeModel) -> None:
        for name in names:
            self._claim(("attribute", cls, name))
            self.attributes[(cls, name)] = model

    def item(self, cls: type, model: ItemModel) -> None:
        self._claim(("item", cls))
        self.items[cls] = model

    def operator(self, op: type[ast.operator], model: OperatorModel) -> None:
        self._claim(("operator", op, self._owner))
        self.operators.setdefault(op, []).append(model)

    def render(self, cls: type, model: RenderModel) -> None:
        self._claim(("render", cls))
        self.renders[cls] = model

    def enters(self, *classes: type) -> None:
        for cls in classes:
            self._claim(("enters", cls))
        self.enters_itself = (*self.enters_itself, *classes)

    # ---- looking up

    def call_models(self, qual: str) -> list[CallModel]:
        """The models for a call of `qual`: by its exact name, then by its prefix."""
        got = []
        exact = self.calls.get(qual)
        if exact is not None:
            got.append(exact)
        for p, model in self.prefixes.items():
            if qual.startswith(p):
                got.append(model)
                break  # prefixes never overlap
        return got

    def method_models(self, cls: type, name: str) -> list[MethodModel]:
        """The models for `.name(...)` on a value of `cls`: most derived type first, each
        type's model for `name` before its model for any name."""
        return _by_type(self.methods, cls, name)

    def attribute_models(self, cls: type, name: str) -> list[AttributeModel]:
        return _by_type(self.attributes, cls, name)

    def item_model(self, cls: type) -> ItemModel | None:
        """The model for `value[key]` on a value of `cls` (its most derived type's)."""
        return next((self.items[c] for c in cls.__mro__ if c in self.items), None)


def _by_type(table: dict[tuple[type, str], Any], cls: type, name: str) -> list[Any]:
    got = []
    for c in cls.__mro__:
        m = table.get((c, name))
        if m is not None:
            got.append(m)
        m = table.get((c, ANY))
        if m is not None:
            got.append(m)
    return got


def build(modules: Iterable[tuple[str, Callable[[Registry], None]]]) -> Registry:
    """The registry every `register` of `modules` fills, each under its module's name."""
    reg = Registry()
    for name, register in modules:
        reg._owner = name
        register(reg)
    reg._owner = ""
    return reg
