"""A faster `__init__` for frozen dataclasses.

A frozen dataclass's generated `__init__` stores each field with `object.__setattr__`, a
call per field that costs several times a plain attribute store. `fast_init` gives such a
class an `__init__` with the same signature, defaults and `__post_init__` call that writes
the fields straight into the instance's `__dict__` (or through the slot descriptors of a
`slots=True` class), which is what the generated one achieves, without the per-field call.
Equality, hashing, `repr`, `dataclasses.replace` and pickling are the dataclass's own and
unchanged; assigning to a field afterwards still raises `FrozenInstanceError`.

It belongs only on the value types a run builds by the tens of thousands (measured by
counting constructions on a dense corpus); every other data class stays a plain frozen
dataclass, whose behaviour is the same. tests/run/test_fastinit.py lists the classes that have it.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, TypeVar

T = TypeVar("T", bound=type)
V = TypeVar("V")

_MISSING = dataclasses.MISSING


class _Factory:
    """Default of a parameter whose field has a default_factory (as dataclasses does)."""

    def __repr__(self) -> str:
        return "<factory>"


_HAS_FACTORY = _Factory()


def fast_init(cls: T) -> T:
    """Replace the `__init__` of frozen dataclass `cls` by one that stores fields directly."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"fast_init: {cls.__name__} is not a frozen dataclass")
    fields = dataclasses.fields(cls)
    slotted = "__slots__" in cls.__dict__
    scope: dict[str, Any] = {"_HAS_FACTORY": _HAS_FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = [] if slotted else ["    _d = self.__dict__"]
    for i, f in enumerate(fields):
        name = f.name
        if f.init:
            param = name
            if f.default is not _MISSING:
                scope[f"_dflt{i}"] = f.default
                param += f"=_dflt{i}"
            elif f.default_factory is not _MISSING:
                param += "=_HAS_FACTORY"
            (keyword if f.kw_only else positional).append(param)
            if f.default_factory is not _MISSING:
                scope[f"_fact{i}"] = f.default_factory
                value = f"_fact{i}() if {name} is _HAS_FACTORY else {name}"
            else:
                value = name
        elif f.default is not _MISSING:
            scope[f"_dflt{i}"] = f.default
            value = f"_dflt{i}"
        elif f.default_factory is not _MISSING:
            scope[f"_fact{i}"] = f.default_factory
            value = f"_fact{i}()"
        else:
            continue  # init=False with no default: the generated __init__ leaves it unset too
        if slotted:
            scope[f"_set{i}"] = cls.__dict__[name].__set__
            body.append(f"    _set{i}(self, {value})")
        else:
            body.append(f"    _d[{name!r}] = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    if len(body) == (0 if slotted else 1):
        body.append("    pass")
    # An InitVar is a parameter but not a field: the generated signature would lack it.
    wanted = [p for p in inspect.signature(vars(cls)["__init__"]).parameters if p != "self"]
    if wanted != [p.partition("=")[0] for p in [*positional, *keyword]]:
        raise TypeError(f"fast_init: {cls.__name__}.__init__ takes parameters that are not fields (InitVar)")
    signature = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({signature}):\n" + "\n".join(body) + "\n"
    exec(source, scope)
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = vars(cls)["__init__"].__doc__
    cls.__init__ = init  # type: ignore[misc]
    return cls


# Classes `replace` may copy directly: fast_init's, with no __post_init__, no slots and every
# field an __init__ parameter, mapped to their field names (None: leave to dataclasses).
_COPYABLE: dict[type, tuple[tuple[str, ...], frozenset[str]] | None] = {}


def replace(obj: V, /, **changes: Any) -> V:
    """`dataclasses.replace(obj, **changes)`. For a class given fast_init (no __post_init__,
    no slots, no field outside __init__) the fields are copied straight into a new instance,
    without dataclasses' walk over the fields and keyword call of __init__: the evaluator
    copies tens of thousands of text pieces to note where each was passed through. Only
    the fields are copied: anything else kept in the instance's __dict__ (a cached answer)
    is not carried over, as with dataclasses.replace."""
    cls = type(obj)
    try:
        known = _COPYABLE[cls]
    except KeyError:
        known = _COPYABLE[cls] = _copyable(cls)
    if known is None or not changes.keys() <= known[1]:
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    new = object.__new__(cls)
    state = new.__dict__
    old = obj.__dict__
    for name in known[0]:
        state[name] = old[name]
    state.update(changes)
    return new


def _copyable(cls: type) -> tuple[tuple[str, ...], frozenset[str]] | None:
    init = vars(cls).get("__init__")
    if (init is None or "_HAS_FACTORY" not in getattr(init, "__globals__", {}) or hasattr(cls, "__post_init__")
            or "__slots__" in vars(cls)):
        return None
    fields = dataclasses.fields(cls)
    if not all(f.init for f in fields):
        return None
    names = tuple(f.name for f in fields)
    return names, frozenset(names)
