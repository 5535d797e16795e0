"""The keys a module sets on a settings object at run time, from its syntax; and the text test
that decides which modules are parsed for it, which must never miss what the syntax finds."""

from __future__ import annotations

import ast

import pytest

from cachelint.analysis.settings_writes import ALL, Names, accessors, may_write, writes

NAMES = Names(frozenset({"settings"}), frozenset({"get_settings"}), frozenset({"conf"}), "DYNACONF")

CASES = {
    "x = get_settings().review.system": set(),
    "get_settings().set('Review.System', 'x')": {"review.system"},
    "get_settings().set(key, 'x')": {ALL},
    "settings.review.system = 'x'": {"review.system"},
    "settings['review'] = {}": {"review"},
    "s = get_settings()\ns.update({'a': 1})": {ALL},
    "s = get_settings()\ns.review.set('x', 1)": {ALL},
    "self.conf.load_file(path)": {ALL},
    "os.environ['DYNACONF_REVIEW__SYSTEM'] = 'x'": {"review.system"},
    "os.environ['OTHER'] = 'x'": set(),
    "os.environ[name] = 'x'": {ALL},
    "other.set('review.system', 'x')": set(),
    "d = {}\nd.update(x)\nd['review'] = 1": set(),
    "if get_settings().review.system == 'x':\n    pass": set(),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_writes_and_the_text_test(code: str) -> None:
    found = writes(ast.parse(code), NAMES)
    assert found == CASES[code]
    if found:
        assert may_write(code.encode(), NAMES)  # the text test never hides a write


def test_accessors_return_the_object() -> None:
    tree = ast.parse("def get_settings():\n    return settings\ndef other():\n    return 1\n"
                     "def get_conf(self):\n    return self.conf\n")
    assert accessors(tree, frozenset({"settings"}), frozenset({"conf"})) == {"get_settings", "get_conf"}
