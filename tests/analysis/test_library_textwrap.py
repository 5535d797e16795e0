"""The textwrap model: dedent, indent and inspect.cleandoc applied to static text."""

from __future__ import annotations

from pathlib import Path

from library_support import stabilities, static_text, system

from cachelint.prompt import Stability


def test_dedent(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = textwrap.dedent("""\\\n    Be kind.\n      Be brief.\n""")',
                  setup="import textwrap")
    assert static_text(segs) == "Be kind.\n  Be brief.\n"


def test_cleandoc(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = inspect.cleandoc("""\n    Be kind.\n    Be brief.\n""")', setup="import inspect")
    assert static_text(segs) == "Be kind.\nBe brief."


def test_indent_with_a_known_prefix(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = textwrap.indent("a\\nb\\n", "> ")', setup="import textwrap")
    assert static_text(segs) == "> a\n> b\n"


def test_dedent_keeps_the_dynamic_parts(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = textwrap.dedent(f"""\n    Hello {q}\n""")', setup="import textwrap")
    assert Stability.TURN in stabilities(segs)
