"""The templates model: string.Template and Jinja templates, inline or from loader folders."""

from __future__ import annotations

from pathlib import Path

from library_support import stabilities, static_text, system

from cachelint.prompt import Stability


def test_string_template_substitute(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = Template("Hello $who.").substitute(who="Ada")',
                  setup="from string import Template")
    assert static_text(segs) == "Hello Ada."


def test_string_template_puts_a_parameter_at_its_placeholder(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = Template("Hello $who.").substitute(who=q)', setup="from string import Template")
    assert stabilities(segs) == [Stability.STATIC, Stability.TURN, Stability.STATIC]


def test_jinja_template_render(tmp_path: Path) -> None:
    body = 'system = jinja2.Template("{% for r in rules %}- {{ r }}\\n{% endfor %}").render(rules=["a", "b"])'
    assert static_text(system(tmp_path, body, setup="import jinja2")) == "- a\n- b\n"


def test_jinja_environment_loads_from_its_loader_folder(tmp_path: Path) -> None:
    setup = 'from jinja2 import Environment, FileSystemLoader\nENV = Environment(loader=FileSystemLoader("templates"))'
    segs = system(tmp_path, 'system = ENV.get_template("system.j2").render(name="Ada")', setup=setup,
                  files={"templates/system.j2": "You help {{ name }}.\n"})
    assert static_text(segs) == "You help Ada."  # Jinja drops the file's last newline by default
    assert segs[0].span.path.endswith("templates/system.j2")


def test_a_template_from_a_loader_not_followed_is_stable_unknown_text(tmp_path: Path) -> None:
    setup = "from jinja2 import Environment\nENV = Environment(loader=make_loader())"
    segs = system(tmp_path, 'system = ENV.get_template("system.j2").render()', setup=setup)
    assert static_text(segs) is None
    assert Stability.TURN not in stabilities(segs)
