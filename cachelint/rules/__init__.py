"""The rule registry: every `clNNN_name.py` module of this package, lookup by code, name or
code prefix, and selection.

A rule is one module: adding `clNNN_name.py` with one `Rule` subclass registers it (nothing
to list here); `scripts/new_rule.py` writes such a module.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
import re
from collections.abc import Iterable, Sequence

from cachelint.rules._base import Rule

# A rule module's name: its code's number and its name with underscores (cl101_dynamic_before_static).
RULE_MODULE = re.compile(r"cl(?P<number>\d{3})_(?P<name>[a-z0-9_]+)")

# (select, ignore, extend-select) of one configuration layer; `select` None keeps what
# the layers before chose.
Layer = tuple[Sequence[str] | None, Sequence[str], Sequence[str]]


class RuleModuleError(ImportError):
    """A rule module that does not define exactly one rule matching its file name."""


class UnknownRuleError(ValueError):
    """A code, name or prefix that matches no rule."""


def module_rule(module_name: str) -> type[Rule]:
    """The one Rule subclass defined in a rule module, checked against the module's name."""
    module = importlib.import_module(module_name)
    short = module_name.rpartition(".")[2]
    found = RULE_MODULE.fullmatch(short)
    rules = [
        obj for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__
    ]
    if found is None or len(rules) != 1:
        raise RuleModuleError(f"{module_name} must be named clNNN_name and define one Rule, found {len(rules)}")
    rule = rules[0]
    expected = (f"CL{found.group('number')}", found.group("name").replace("_", "-"))
    if (rule.code, rule.name) != expected:
        raise RuleModuleError(
            f"{module_name} defines {rule.code} {rule.name}, its file name says {expected[0]} {expected[1]}"
        )
    return rule


def discover(path: Iterable[str], package: str) -> tuple[type[Rule], ...]:
    """The rules of the `clNNN_*` modules of a package, ordered by code (not by file system order)."""
    names = sorted(info.name for info in pkgutil.iter_modules(list(path)) if RULE_MODULE.fullmatch(info.name))
    rules = sorted((module_rule(f"{package}.{name}") for name in names), key=lambda r: r.code)
    for first, second in itertools.pairwise(rules):
        if first.code == second.code:
            raise RuleModuleError(f"two rule modules define {first.code}")
    return tuple(rules)


ALL_RULES: tuple[type[Rule], ...] = discover(__path__, __name__)

_BY_CODE = {r.code: r for r in ALL_RULES}
_BY_NAME = {r.name: r for r in ALL_RULES}


def lookup(selector: str) -> list[type[Rule]]:
    """Rules matching a code (`CL101`), a name (`dynamic-before-static`), a prefix (`CL1`) or `ALL`."""
    s = selector.strip()
    if s.upper() == "ALL":
        return list(ALL_RULES)
    if s in _BY_NAME:
        return [_BY_NAME[s]]
    up = s.upper()
    if up in _BY_CODE:
        return [_BY_CODE[up]]
    matches = [r for r in ALL_RULES if up.startswith("CL") and r.code.startswith(up)]
    if not matches:
        raise UnknownRuleError(f"unknown rule code or name: {selector!r}")
    return matches


def resolve_selector(selector: str) -> list[str]:
    """Codes matched by one selector; raises UnknownRuleError."""
    return [r.code for r in lookup(selector)]


def select_layers(layers: Iterable[Layer]) -> list[type[Rule]]:
    """Apply (select, ignore, extend-select) layers in turn, as ruff does.

    The first layer starts from the default rules. A layer's `select` replaces what the
    layers before it chose; its `extend-select` adds; its `ignore` removes. So
    `--extend-select CL201` on the command line wins over `ignore = ["CL201"]` in the file.
    Raises UnknownRuleError.
    """
    chosen = {r.code: r for r in ALL_RULES if r.default}
    for select, ignore, extend in layers:
        if select is not None:
            chosen = {r.code: r for s in select for r in lookup(s)}
        for selector in extend:
            chosen.update({r.code: r for r in lookup(selector)})
        for selector in ignore:
            for rule in lookup(selector):
                chosen.pop(rule.code, None)
    return [chosen[code] for code in sorted(chosen)]


def select_rules(
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
) -> list[type[Rule]]:
    """The enabled rules: `select` (or the defaults when it is empty) plus `extend_select`, minus `ignore`."""
    return select_layers([(list(select) or None, list(ignore), list(extend_select))])
