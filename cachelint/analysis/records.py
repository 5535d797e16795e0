"""Objects with named fields built by the project: dataclasses, pydantic models, NamedTuples and
TypedDicts (`Message(role="system", content=PROMPT)`), followed field by field.

Part of the evaluator's language core, as functions of the evaluator (which calls them where a
project class is called, and where an attribute or method of such an object is used). A class
is a record when its fields are its annotated class attributes and its constructor takes them
by name: a `@dataclass` (or attrs) class, or one deriving from pydantic's `BaseModel`,
`NamedTuple` or `TypedDict`. Anything else (a hand-written `__init__`, arguments that cannot be
matched to fields) answers None, and the evaluator treats the object as before."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from cachelint.analysis import classes, interproc
from cachelint.analysis.env import Env
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.scopes import instance_of
from cachelint.analysis.values import DictV, FuncRefV, ModuleRefV, RecordV, Value, spread_entries
from cachelint.fastinit import replace

if TYPE_CHECKING:
    from cachelint.analysis.evaluate import Evaluator

# Decorators that turn annotated class attributes into constructor fields.
_RECORD_DECORATORS = frozenset({"dataclass", "define", "frozen", "mutable", "attrs", "s"})
# Library bases whose subclasses take their annotated attributes as fields, by qualified name.
_MODEL_BASES = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel"})
_TUPLE_BASES = frozenset({"typing.NamedTuple", "typing_extensions.NamedTuple"})
_DICT_BASES = frozenset({"typing.TypedDict", "typing_extensions.TypedDict"})
MAX_RECORD_BASES = 8  # how far up an inheritance chain fields are collected


def construct(ev: Evaluator, cls: FuncRefV, node: ast.Call, env: Env) -> Value | None:
    """`Message(role=..., content=...)` of a project record class: its fields, or None."""
    if not isinstance(cls.node, ast.ClassDef):
        return None
    mod = ev.module_for_path(cls.module, env)
    if mod is None:
        return None
    chain = _record_chain(ev, cls.node, mod, env)
    if chain is None:
        return None
    kind, bases = chain
    fields = _fields(bases)
    entries: list[tuple[str, Value]] = []
    if len(node.args) > len(fields) or (node.args and kind in ("model", "dict")):
        return None  # pydantic models and TypedDicts take fields by name only
    for name, arg in zip(fields, node.args, strict=False):
        if isinstance(arg, ast.Starred):
            return None  # which fields the unpacked values fill is not known
        entries.append((name, ev.eval(arg, env)))
    for kw in node.keywords:
        if kw.arg is None:
            spread, complete = spread_entries(ev.eval(kw.value, env))
            if not complete:
                return None  # fields passed by `**options` that cannot be followed
            entries.extend(spread)
        else:
            entries.append((kw.arg, ev.eval(kw.value, env)))
    given = {k for k, _ in entries}
    for name in fields:
        if name not in given:
            default = _default(ev, bases, name, env, node)
            if default is not None:
                entries.append((name, default))
    loc = ev.loc(env, node)
    if kind == "dict":
        return DictV(tuple(entries), loc)  # a TypedDict is a plain dict at run time
    order = {name: i for i, name in enumerate(fields)}
    entries.sort(key=lambda e: order.get(e[0], len(order)))
    return RecordV(tuple(entries), loc, complete=True, kind=cls.qualname,
                   instance=instance_of(cls.node, mod))


def attribute(ev: Evaluator, rec: RecordV, attr: str, node: ast.AST, env: Env) -> Value | None:
    """A field of a record; other attributes (class constants, methods) of a project record are
    those of its class."""
    got = rec.attr(attr)
    if got is not None:
        return got
    if rec.instance is not None:
        return classes.attribute(ev, rec.instance, attr, node, env)
    return None


def method_call(ev: Evaluator, rec: RecordV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """A method the project's record class defines, run with `self` being this record (so
    `self.content` reads its field); None for a method it does not define."""
    if rec.instance is None:
        return None
    target = classes.instance_attr(ev, rec.instance, meth, env, node.func)
    if isinstance(target, FuncRefV) and isinstance(target.node, ast.FunctionDef | ast.AsyncFunctionDef):
        if target.bound_self is None:
            return ev.call_value(target, node, env)  # a staticmethod
        return interproc.call_helper(ev, target, node, env, self_value=as_self(ev, rec, env))
    return None


def as_self(ev: Evaluator, rec: RecordV, env: Env) -> RecordV:
    """A record as `self` of one of its methods: a list field the class's methods add to
    holds what the record was made with, then earlier turns (see classes.grown_field); what
    this method adds comes after them."""
    if rec.instance is None:
        return rec
    inst = rec.instance
    entries = tuple((k, classes.grown_field(ev, inst, k, v, env)) for k, v in rec.entries)
    return rec if entries == rec.entries else replace(rec, entries=entries)


def _record_chain(ev: Evaluator, cls: ast.ClassDef, mod: ModuleInfo,
                  env: Env) -> tuple[str, list[tuple[ast.ClassDef, ModuleInfo]]] | None:
    """What kind of record `cls` is ("data", "model", "tuple" or "dict") and its project
    classes from the most basic to itself, or None when it is not a record. A class that
    writes its own `__init__`, or changes fields after it (`__post_init__`, a pydantic
    validator), is not one: its fields are whatever that code makes of the arguments."""
    chain: list[tuple[ast.ClassDef, ModuleInfo]] = []
    kind: str | None = None
    current: tuple[ast.ClassDef, ModuleInfo] | None = (cls, mod)
    while current is not None and len(chain) < MAX_RECORD_BASES:
        c, m = current
        if any(_rewrites_fields(s) for s in c.body):
            return None
        chain.append(current)
        if kind is None and _decorated(c):
            kind = "data"
        current = None
        for b in c.bases:
            bv = ev.eval(b, Env(m, None, import_time=True))
            if isinstance(bv, FuncRefV) and isinstance(bv.node, ast.ClassDef):
                bm = ev.module_for_path(bv.module, env)
                if bm is not None and current is None:
                    current = (bv.node, bm)
                    continue
                return None  # several project bases: which fields come first is not followed
            qual = bv.qualname if isinstance(bv, ModuleRefV | FuncRefV) else None
            if qual in _MODEL_BASES:
                kind = "model"
            elif qual in _TUPLE_BASES:
                kind = "tuple"
            elif qual in _DICT_BASES:
                kind = "dict"
    if kind is None or current is not None:
        return None
    chain.reverse()
    return kind, chain


# Methods that replace what the constructor was given: a field passed in is not what it holds.
_REWRITING_METHODS = frozenset({"__init__", "__post_init__", "__new__", "model_post_init", "__attrs_post_init__"})
_VALIDATORS = frozenset({"validator", "root_validator", "field_validator", "model_validator"})


def _rewrites_fields(s: ast.stmt) -> bool:
    if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    if s.name in _REWRITING_METHODS:
        return True
    for d in s.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if (target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute)
                else "") in _VALIDATORS:
            return True
    return False


def _decorated(cls: ast.ClassDef) -> bool:
    for d in cls.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else ""
        if name in _RECORD_DECORATORS:
            return True
    return False


def _fields(chain: list[tuple[ast.ClassDef, ModuleInfo]]) -> list[str]:
    """Annotated class attributes, the bases' first, each once (a redefinition keeps its place)."""
    out: list[str] = []
    for c, _ in chain:
        for s in c.body:
            if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and not _is_classvar(s.annotation) \
                    and s.target.id not in out:
                out.append(s.target.id)
    return out


def _is_classvar(ann: ast.expr) -> bool:
    target = ann.value if isinstance(ann, ast.Subscript) else ann
    return (isinstance(target, ast.Name) and target.id == "ClassVar") or (
        isinstance(target, ast.Attribute) and target.attr == "ClassVar")


def _default(ev: Evaluator, chain: list[tuple[ast.ClassDef, ModuleInfo]], name: str, env: Env,
             node: ast.AST) -> Value | None:
    """The default a field not passed takes, when it is written as a value (not `field(...)`
    or `Field(...)`, whose defaults are not followed)."""
    for c, m in reversed(chain):
        for s in c.body:
            if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and s.target.id == name:
                if s.value is None or isinstance(s.value, ast.Call):
                    return None
                return classes.class_level(ev, c, m, name, env, node, bases_depth=classes.MAX_BASES)
    return None
