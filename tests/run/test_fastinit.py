"""fast_init: the same construction as the dataclass's own __init__, without the per-field calls."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pickle
import pkgutil
from dataclasses import InitVar, dataclass, field

import pytest

import cachelint
from cachelint.fastinit import fast_init


def _both(**params: bool) -> tuple[type, type]:
    """The same frozen dataclass twice, the second with fast_init."""

    def make() -> type:
        class Sample:
            a: int
            b: str = "b"
            c: list[int] = field(default_factory=lambda: [1])
            d: int = field(default=4, kw_only=True)
            e: int = field(default=5, init=False)

            def __post_init__(self) -> None:
                object.__setattr__(self, "e", self.a + self.d)

        return dataclass(frozen=True, **params)(Sample)  # type: ignore[call-overload, no-any-return]

    return make(), fast_init(make())


@pytest.mark.parametrize("slots", [False, True])
def test_constructs_what_the_dataclass_constructs(slots: bool) -> None:
    plain, fast = _both(slots=slots)
    for args, kwargs in [((1,), {}), ((1, "x"), {}), ((1, "x", [2, 3]), {"d": 7}), ((), {"a": 2, "c": []})]:
        want, got = plain(*args, **kwargs), fast(*args, **kwargs)
        assert dataclasses.asdict(got) == dataclasses.asdict(want)
        assert repr(got).replace(fast.__qualname__, plain.__qualname__) == repr(want)
    # A default_factory gives each instance its own value.
    assert fast(1).c is not fast(1).c
    # The same errors for bad arguments.
    for args, kwargs in [((), {}), ((1, "x", [], 4), {}), ((1,), {"z": 1})]:
        with pytest.raises(TypeError):
            plain(*args, **kwargs)
        with pytest.raises(TypeError):
            fast(*args, **kwargs)


@pytest.mark.parametrize("slots", [False, True])
def test_instances_stay_frozen_hashable_and_picklable(slots: bool) -> None:
    _, fast = _both(slots=slots)
    value = Pair(1, "x")
    assert hash(value) == hash(Pair(1, "x")) and value == Pair(1, "x") != Pair(2, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.a = 2  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(value)) == value
    assert dataclasses.replace(value, b="y") == Pair(1, "y")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast(1).a = 3
    if slots:
        assert not hasattr(fast(1), "__dict__")


@fast_init
@dataclass(frozen=True)
class Pair:
    a: int
    b: str


def test_refuses_what_it_cannot_reproduce() -> None:
    with pytest.raises(TypeError, match="not a frozen dataclass"):
        fast_init(dataclass(type("Loose", (), {"__annotations__": {"a": "int"}})))
    with pytest.raises(TypeError, match="not a frozen dataclass"):
        fast_init(type("Plain", (), {}))

    @dataclass(frozen=True)
    class WithInitVar:
        a: int
        scale: InitVar[int] = 1

    with pytest.raises(TypeError, match="InitVar"):
        fast_init(WithInitVar)


def _fast_classes() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(cachelint.__path__, "cachelint."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            init = vars(value).get("__init__") if isinstance(value, type) else None
            if (isinstance(value, type) and value.__module__ == module.__name__
                    and dataclasses.is_dataclass(value) and getattr(init, "__code__", None) is not None
                    and "_HAS_FACTORY" in init.__globals__):
                found.append(value)
    return found


def test_cachelint_classes_keep_their_signatures() -> None:
    """Every class of the package given fast_init takes the parameters its fields declare."""
    classes = _fast_classes()
    # Confined to the value types measured to be built most often (see fastinit's docstring).
    assert sorted(f"{c.__module__}.{c.__qualname__}" for c in classes) == [
        "cachelint.analysis.module.Event",
        "cachelint.analysis.values.Loc",
        "cachelint.analysis.values.Text",
        "cachelint.diagnostics.Span",
        "cachelint.prompt.Segment",
    ]
    for cls in classes:
        params = list(inspect.signature(vars(cls)["__init__"]).parameters.values())[1:]
        fields = [f for f in dataclasses.fields(cls) if f.init]
        assert [p.name for p in params] == [f.name for f in fields], cls
        for p, f in zip(params, fields, strict=True):
            assert (p.kind is inspect.Parameter.KEYWORD_ONLY) == f.kw_only, (cls, f.name)
            if f.default is not dataclasses.MISSING:
                assert p.default is f.default, (cls, f.name)
            elif f.default_factory is dataclasses.MISSING:
                assert p.default is inspect.Parameter.empty, (cls, f.name)


@fast_init
@dataclass(frozen=True)
class Piece:
    text: str
    hops: tuple[str, ...] = ()


def test_replace_is_dataclasses_replace() -> None:
    from cachelint.fastinit import replace

    piece = Piece("a", ("x",))
    object.__setattr__(piece, "_cached", 1)  # an answer kept in the instance, as values.py does
    got = replace(piece, hops=("y", "x"))
    assert got == dataclasses.replace(piece, hops=("y", "x")) == Piece("a", ("y", "x"))
    assert type(got) is Piece and not hasattr(got, "_cached")
    assert replace(piece) == piece and replace(piece) is not piece
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.text = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        replace(piece, colour="red")
    # classes it does not copy directly go to dataclasses.replace: __post_init__ runs, slots work
    for slots in (False, True):
        plain, fast = _both(slots=slots)
        value = fast(1, "x", d=2)
        assert dataclasses.asdict(replace(value, a=5)) == dataclasses.asdict(plain(5, "x", d=2))
        assert replace(value, a=5).e == 7
