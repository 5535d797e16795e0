"""The strings model: str methods, `format`, `format_map`, `%` and `join` on known text."""

from __future__ import annotations

from pathlib import Path

from library_support import stabilities, static_text, system

from cachelint.prompt import Stability

SETUP = 'RULES = ["Be kind.", "Be brief."]\nTEMPLATE = "You help {name} with {topic}."'


def test_format_with_static_arguments(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = TEMPLATE.format(name="Ada", topic="maths")', setup=SETUP)
    assert static_text(segs) == "You help Ada with maths."


def test_format_with_a_parameter_puts_it_where_the_placeholder_is(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = TEMPLATE.format(name=q, topic="maths")', setup=SETUP)
    assert stabilities(segs)[:2] == [Stability.STATIC, Stability.TURN]
    assert Stability.TURN not in stabilities(segs)[2:]
    assert segs[0].text == "You help " and "".join(s.text or "" for s in segs[2:]) == " with maths."


def test_format_map(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = TEMPLATE.format_map({"name": "Ada", "topic": "maths"})', setup=SETUP)
    assert static_text(segs) == "You help Ada with maths."


def test_percent_formatting(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = "%s is %d years old" % ("Ada", 36)')
    assert static_text(segs) == "Ada is 36 years old"


def test_join_and_text_methods(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = " | ".join(RULES).upper().replace("BE", "STAY")', setup=SETUP)
    assert static_text(segs) == "STAY KIND. | STAY BRIEF."


def test_split_gives_the_parts(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = "-".join("a b c".split())')
    assert static_text(segs) == "a-b-c"


def test_a_method_not_modelled_is_as_stable_as_its_text(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = "Hello".encode().hex()')
    assert static_text(segs) is None
    assert Stability.TURN not in stabilities(segs)
