"""Clocks: datetime, date, time, pandas/arrow/pendulum/django `now()`. A clock value changes on
every call, unless only the day of it is shown (`strftime("%Y-%m-%d")`, `.date()`, `.year`)."""

from __future__ import annotations

import ast
import re

from cachelint.analysis.env import Env
from cachelint.analysis.library.api import EvaluatorAPI
from cachelint.analysis.library.registry import Registry
from cachelint.analysis.values import Clock, OpaqueV, StrV, Value, text_of
from cachelint.fastinit import replace
from cachelint.prompt import Stability

# Calls whose result is a clock value; its stability depends on how it is formatted.
CLOCK_CALLS: dict[str, Clock] = {
    "datetime.datetime.now": Clock.DATETIME,
    "datetime.datetime.utcnow": Clock.DATETIME,
    "datetime.datetime.today": Clock.DATETIME,
    "datetime.datetime.fromtimestamp": Clock.DATETIME,
    "datetime.datetime.utcfromtimestamp": Clock.DATETIME,
    "datetime.date.today": Clock.DATE,
    "time.localtime": Clock.DATETIME,
    "time.gmtime": Clock.DATETIME,
    "time.time": Clock.TIMESTAMP,
    "time.time_ns": Clock.TIMESTAMP,
    "time.monotonic": Clock.TIMESTAMP,
    "time.monotonic_ns": Clock.TIMESTAMP,
    "time.perf_counter": Clock.TIMESTAMP,
    "time.perf_counter_ns": Clock.TIMESTAMP,
    "time.ctime": Clock.TIMESTAMP,
    "time.asctime": Clock.TIMESTAMP,
    "pandas.Timestamp.now": Clock.DATETIME,
    "pandas.Timestamp.utcnow": Clock.DATETIME,
    "pandas.Timestamp.today": Clock.DATETIME,
    "arrow.now": Clock.DATETIME,
    "arrow.utcnow": Clock.DATETIME,
    "pendulum.now": Clock.DATETIME,
    "pendulum.today": Clock.DATE,
    "django.utils.timezone.now": Clock.DATETIME,
}

SUBDAY_ATTRS = ("hour", "minute", "second", "microsecond", "nanosecond", "timestamp", "tm_hour",
                "tm_min", "tm_sec")
DAY_ATTRS = ("year", "month", "day", "weekday", "isoweekday", "tm_year", "tm_mon", "tm_mday",
             "tm_wday", "tm_yday", "date")
# Methods giving another clock value of the same precision.
SAME_CLOCK_METHODS = ("replace", "astimezone", "to", "in_timezone", "in_tz", "shift")
TEXT_METHODS = ("isoformat", "ctime", "timestamp", "__str__", "time", "timetz")

# strftime directives finer than a day.
_SUBDAY = re.compile(r"%[-#_0^]?[HIMSfpXcTRsrlkPLNEO3]")
_ANY_DIRECTIVE = re.compile(r"%[-#_0^]?[a-zA-Z]")


def format_is_subday(fmt: str) -> bool | None:
    """True for sub-day precision, False for date precision, None if `fmt` has no directive."""
    if _SUBDAY.search(fmt):
        return True
    if _ANY_DIRECTIVE.search(fmt):
        return False
    return None


def clock_stability(clock: Clock, spec: str | None, conv: str | None) -> Stability:
    """How a clock value rendered in an f-string (`f"{now:%H:%M}"`) changes."""
    if clock == Clock.TIMESTAMP:
        return Stability.VOLATILE
    if spec and spec != "?":
        sub = format_is_subday(spec)
        if sub is True:
            return Stability.VOLATILE
        if sub is False:
            return Stability.DAILY
    return Stability.DAILY if clock == Clock.DATE else Stability.VOLATILE


def now(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value:
    """`datetime.now()` and the other clock reads: a clock value (read once when at import)."""
    if env.import_time:
        return ev.opaque(env, node, Stability.STABLE, qual + "() evaluated once at import")
    clock = CLOCK_CALLS[qual]
    if qual in ("time.ctime", "time.asctime"):
        return ev.opaque(env, node, Stability.VOLATILE, qual + "()")
    stab = Stability.DAILY if clock == Clock.DATE else Stability.VOLATILE
    return ev.opaque(env, node, stab, ev.src(env, node.func) + "()", clock=clock)


def time_strftime(ev: EvaluatorAPI, qual: str, node: ast.Call, env: Env) -> Value | None:
    """`time.strftime(fmt)` of the current time: daily when `fmt` shows only the date."""
    if not node.args:
        return None
    fmt = ev.eval(node.args[0], env)
    ft = text_of(fmt.pieces) if isinstance(fmt, StrV) else None
    if env.import_time or len(node.args) > 1:
        return ev.opaque(env, node, Stability.STABLE, "time.strftime()")
    sub = format_is_subday(ft) if ft is not None else True
    return ev.opaque(env, node, Stability.DAILY if sub is False else Stability.VOLATILE, "time.strftime()")


def clock_method(ev: EvaluatorAPI, recv: OpaqueV, meth: str, node: ast.Call, env: Env) -> Value | None:
    """A method of a clock value, after import (at import a clock is read once)."""
    if recv.clock is None or env.import_time:
        return None
    if meth == "strftime":
        if not node.args:
            return None
        fmt = ev.eval(node.args[0], env)
        ft = text_of(fmt.pieces) if isinstance(fmt, StrV) else None
        sub = format_is_subday(ft) if ft is not None else True
        stab = Stability.DAILY if (sub is False or (sub is None and recv.clock == Clock.DATE)) \
            else Stability.VOLATILE
        if recv.clock == Clock.DATE and sub is not True:
            stab = Stability.DAILY
        return ev.opaque(env, node, stab, recv.cause)
    if meth == "date":
        return ev.opaque(env, node, Stability.DAILY, recv.cause, clock=Clock.DATE)
    if meth in TEXT_METHODS:
        stab = Stability.DAILY if recv.clock == Clock.DATE and meth != "timestamp" else Stability.VOLATILE
        return ev.opaque(env, node, stab, recv.cause)
    if meth in SAME_CLOCK_METHODS:
        return replace(recv, source=ev.src(env, node), loc=ev.loc(env, node))
    return ev.opaque(env, node, Stability.DAILY, recv.cause)  # weekday, isoweekday


def clock_attribute(ev: EvaluatorAPI, base: OpaqueV, attr: str, node: ast.AST, env: Env) -> Value | None:
    """`.year`, `.hour`, ... of a clock value: daily for the day and coarser, else per call."""
    if base.clock is None or env.import_time:
        return None
    if attr in SUBDAY_ATTRS:
        return ev.opaque(env, node, Stability.VOLATILE, base.cause)
    return ev.opaque(env, node, Stability.DAILY, base.cause, clock=Clock.DATE if attr == "date" else None)


def register(reg: Registry) -> None:
    reg.call(CLOCK_CALLS, now)
    reg.call(("time.strftime",), time_strftime)
    reg.method(OpaqueV, ("strftime", "date", *TEXT_METHODS, *SAME_CLOCK_METHODS, "weekday", "isoweekday"),
               clock_method)
    reg.attribute(OpaqueV, (*SUBDAY_ATTRS, *DAY_ATTRS), clock_attribute)
