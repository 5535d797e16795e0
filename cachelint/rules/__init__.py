"""The rule registry: lookup by code, name or code prefix, and selection."""

from __future__ import annotations

from collections.abc import Iterable

from cachelint.rules._base import Rule
from cachelint.rules.cl101_dynamic_before_static import DynamicBeforeStatic
from cachelint.rules.cl102_volatile_in_prefix import VolatileInPrefix
from cachelint.rules.cl103_unordered_in_prefix import UnorderedInPrefix
from cachelint.rules.cl201_prefix_below_minimum import PrefixBelowMinimum
from cachelint.rules.cl202_unstable_tools import UnstableTools
from cachelint.rules.cl301_volatile_cache_key import VolatileCacheKey
from cachelint.rules.cl302_invalid_cache_option import InvalidCacheOption
from cachelint.rules.cl303_breakpoint_limit import BreakpointLimit
from cachelint.rules.cl304_missing_explicit_breakpoint import MissingExplicitBreakpoint
from cachelint.rules.cl305_deprecated_user_param import DeprecatedUserParam
from cachelint.rules.cl401_missing_cache_control import MissingCacheControl
from cachelint.rules.cl402_too_many_breakpoints import TooManyBreakpoints
from cachelint.rules.cl403_breakpoint_after_dynamic import BreakpointAfterDynamic
from cachelint.rules.cl404_breakpoint_below_minimum import BreakpointBelowMinimum
from cachelint.rules.cl405_ttl_order import TtlOrder
from cachelint.rules.cl406_invalid_cache_control import InvalidCacheControl

ALL_RULES: tuple[type[Rule], ...] = (
    DynamicBeforeStatic,
    VolatileInPrefix,
    UnorderedInPrefix,
    PrefixBelowMinimum,
    UnstableTools,
    VolatileCacheKey,
    InvalidCacheOption,
    BreakpointLimit,
    MissingExplicitBreakpoint,
    DeprecatedUserParam,
    MissingCacheControl,
    TooManyBreakpoints,
    BreakpointAfterDynamic,
    BreakpointBelowMinimum,
    TtlOrder,
    InvalidCacheControl,
)

_BY_CODE = {r.code: r for r in ALL_RULES}
_BY_NAME = {r.name: r for r in ALL_RULES}


class UnknownRuleError(ValueError):
    """A code, name or prefix that matches no rule."""


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


def select_rules(
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
) -> list[type[Rule]]:
    """The enabled rules: `select` (or the defaults) plus `extend_select`, minus `ignore`."""
    select = list(select)
    chosen: dict[str, type[Rule]] = {}
    if select:
        for sel in select:
            for r in lookup(sel):
                chosen[r.code] = r
    else:
        chosen = {r.code: r for r in ALL_RULES if r.default}
    for sel in extend_select:
        for r in lookup(sel):
            chosen[r.code] = r
    for sel in ignore:
        for r in lookup(sel):
            chosen.pop(r.code, None)
    return [chosen[c] for c in sorted(chosen)]
