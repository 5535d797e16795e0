"""Values known statically as the Python objects they stand for, and Python's own formatting
applied to them (bounded so that no format builds more text than the evaluator keeps)."""

from __future__ import annotations

import re
from typing import Any

from cachelint.analysis.values import MAX_TEXT, ConstV, DictV, ListV, StrV, Text, Value, text_of


class TooWide(ValueError):
    """A format width or precision past MAX_TEXT: the text is not built."""


def format_value(value: object, spec: str, percent: bool = False) -> str:
    """format(value, spec) (or `spec % value`), refusing a width or precision that would build
    more than MAX_TEXT characters (`f"{x:>1000000000}"` allocates a gigabyte before returning)."""
    for digits in re.findall(r"\d+", spec):
        if len(digits.lstrip("0")) > 7 or int(digits) > MAX_TEXT:
            raise TooWide("format width or precision too large")
    return spec % (value,) if percent else format(value, spec)


class NotStatic(Exception):
    """The value is not known statically as a Python object."""


def to_python(v: Value) -> Any:
    """The Python object a fully static value stands for; raises NotStatic otherwise."""
    if isinstance(v, StrV):
        t = text_of(v.pieces)
        if t is None or any(isinstance(p, Text) and p.truncated for p in v.pieces):
            raise NotStatic()
        return t
    if isinstance(v, ConstV):
        return v.value
    if isinstance(v, ListV):
        if any(i.repeated or i.optional for i in v.items):
            raise NotStatic()
        items = [to_python(i.value) for i in v.items]
        return tuple(items) if v.is_tuple else items
    if isinstance(v, DictV):
        if not v.complete:
            raise NotStatic()
        return {k: to_python(x) for k, x in v.entries}
    raise NotStatic()


def static_text(v: Value) -> str | None:
    return text_of(v.pieces) if isinstance(v, StrV) else None


__all__ = ["NotStatic", "TooWide", "format_value", "static_text", "to_python"]
