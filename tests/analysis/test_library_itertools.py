"""The itertools model: `count()` numbers calls."""

from __future__ import annotations

from pathlib import Path

from library_support import stabilities, system

from cachelint.prompt import Stability


def test_a_counter_read_per_call_is_volatile(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = f"Turn {next(itertools.count())}"', setup="import itertools")
    assert stabilities(segs)[-1] == Stability.VOLATILE


def test_other_itertools_calls_are_not_volatile(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = "".join(itertools.chain(["a"], ["b"]))', setup="import itertools")
    assert Stability.VOLATILE not in stabilities(segs)
