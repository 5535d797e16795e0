"""The json model: `json.dumps` of a static value is its exact text."""

from __future__ import annotations

from pathlib import Path

from library_support import stabilities, static_text, system

from cachelint.prompt import Stability


def test_dumps_of_a_static_value(tmp_path: Path) -> None:
    segs = system(tmp_path, "system = json.dumps(SCHEMA)", setup='import json\nSCHEMA = {"b": 1, "a": [True, None]}')
    assert static_text(segs) == '{"b": 1, "a": [true, null]}'


def test_dumps_keywords_are_applied(tmp_path: Path) -> None:
    segs = system(tmp_path, "system = json.dumps(SCHEMA, sort_keys=True, indent=1)",
                  setup='import json\nSCHEMA = {"b": 1, "a": 2}')
    assert static_text(segs) == '{\n "a": 2,\n "b": 1\n}'


def test_dumps_of_a_parameter_is_as_stable_as_it(tmp_path: Path) -> None:
    segs = system(tmp_path, "system = json.dumps(q)", setup="import json")
    assert stabilities(segs) == [Stability.TURN]
