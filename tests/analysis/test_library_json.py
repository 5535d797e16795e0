"""The json model: `json.dumps` of a static value is its exact text; `json.loads` gives back
the data a `dumps` wrote."""

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


def test_loads_gives_back_what_dumps_wrote(tmp_path: Path) -> None:
    """A request kept as JSON text (a cache key) and read back: the data, not unknown text."""
    segs = system(tmp_path, 'system = json.loads(json.dumps({"text": RULES + q}))["text"]',
                  setup='import json\nRULES = "Cite the policy. "')
    assert [(s.stability, s.text) for s in segs] == [(Stability.STATIC, "Cite the policy. "),
                                                     (Stability.TURN, None)]


def test_loads_after_ujson_and_orjson_dumps(tmp_path: Path) -> None:
    for lib in ("ujson", "orjson"):
        segs = system(tmp_path, f'system = {lib}.loads({lib}.dumps({{"text": RULES + q}}))["text"]',
                      setup=f'import {lib}\nRULES = "Cite the policy. "')
        assert stabilities(segs) == [Stability.STATIC, Stability.TURN], lib


def test_loads_of_other_text_is_not_followed(tmp_path: Path) -> None:
    """Text no dumps wrote: the call is not followed, as stable as its argument, no text known."""
    segs = system(tmp_path, 'system = json.loads(q)["text"]', setup="import json")
    assert [(s.stability, s.text) for s in segs] == [(Stability.TURN, None)]


def test_load_of_a_settings_file(tmp_path: Path) -> None:
    segs = system(tmp_path, "with open(os.path.join(os.path.dirname(__file__), 'p.json')) as f:\n"
                            "    system = json.load(f)['prompts'][1]",
                  setup="import json\nimport os", files={"p.json": '{"prompts": ["a", "Cite the policy."]}'})
    assert static_text(segs) == "Cite the policy."
    assert any(h.note == "from p.json [prompts] 1" for h in segs[0].hops)


def test_load_of_a_file_that_does_not_parse(tmp_path: Path) -> None:
    segs = system(tmp_path, "with open(os.path.join(os.path.dirname(__file__), 'p.json')) as f:\n"
                            "    system = json.load(f)['prompts'][1]",
                  setup="import json\nimport os", files={"p.json": '{"prompts": ["a", "Cite the policy."]'})
    assert static_text(segs) is None


def test_loads_of_a_literal(tmp_path: Path) -> None:
    segs = system(tmp_path, """system = json.loads('{"a": "Cite the policy."}')['a']""", setup="import json")
    assert static_text(segs) == "Cite the policy."
