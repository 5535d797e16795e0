"""The rule registry: rules found from their modules, selection, and the scaffold that makes a new one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cachelint.models import lookup_model
from cachelint.rulecases import case_problems, cases
from cachelint.ruledocs import section_problems
from cachelint.rules import ALL_RULES, RuleModuleError, discover, select_layers, select_rules
from cachelint.rules.context import count
from cachelint.tokens import ESTIMATE_FACTORS, count_for_encoding

REPO = Path(__file__).resolve().parents[2]
NEW_RULE = REPO / "scripts" / "new_rule.py"

_RULE = '''from cachelint.diagnostics import Severity
from cachelint.rules._base import Rule


class {cls}(Rule):
    code = "{code}"
    name = "{name}"
    severity = Severity.INFO
    summary = "a test rule"
'''


def _package(root: Path, name: str, modules: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway package of rule modules, importable as `name` for this test only."""
    folder = root / name
    folder.mkdir()
    (folder / "__init__.py").write_text("", encoding="utf-8")
    for module, text in modules.items():
        (folder / f"{module}.py").write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(root))
    for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        monkeypatch.delitem(sys.modules, loaded)
    return folder


def test_every_rule_module_is_registered_in_code_order() -> None:
    modules = sorted(p.stem for p in (REPO / "cachelint" / "rules").glob("cl[0-9][0-9][0-9]_*.py"))
    assert [f"{r.code.lower()}_{r.name.replace('-', '_')}" for r in ALL_RULES] == modules
    assert [r.code for r in ALL_RULES] == sorted(r.code for r in ALL_RULES)


def test_discovery_orders_by_code_and_skips_other_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _package(tmp_path, "rules_order", {
        "cl902_second": _RULE.format(cls="Second", code="CL902", name="second"),
        "cl901_first": _RULE.format(cls="First", code="CL901", name="first"),
        "helpers": "VALUE = 1\n",
    }, monkeypatch)
    assert [r.code for r in discover([str(folder)], "rules_order")] == ["CL901", "CL902"]


@pytest.mark.parametrize(("module", "text", "error"), [
    ("cl901_first", "X = 1\n", "define one Rule, found 0"),
    ("cl901_first", _RULE.format(cls="First", code="CL902", name="first"), "its file name says CL901 first"),
    ("cl901_first", _RULE.format(cls="First", code="CL901", name="other"), "its file name says CL901 first"),
])
def test_discovery_refuses_a_module_that_does_not_match_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, text: str, error: str
) -> None:
    folder = _package(tmp_path, "rules_bad", {module: text}, monkeypatch)
    with pytest.raises(RuleModuleError, match=error):
        discover([str(folder)], "rules_bad")


def _scaffold(*args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, str(NEW_RULE), *args], capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


def test_a_scaffolded_rule_is_found_documented_and_its_cases_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pkg").mkdir()
    folder = _package(tmp_path / "pkg", "scaffolded", {}, monkeypatch)
    target = folder / "cl907_value_in_preamble.py"
    assert _scaffold("CL907", "value-in-preamble", "--dir", str(folder)) == (0, f"wrote {target}\n", "")
    (rule,) = discover([str(folder)], "scaffolded")
    assert (rule.code, rule.name) == ("CL907", "value-in-preamble")
    assert section_problems(rule) == []
    found = cases(rule)
    assert [case_id for case_id, _ in found] == ["CL907-VALID-0", "CL907-INVALID-0"]
    for case_id, case in found:
        work = tmp_path / case_id
        work.mkdir()
        assert case_problems(rule, case, work) == [], case_id


def test_the_scaffold_refuses_bad_or_taken_names(tmp_path: Path) -> None:
    assert _scaffold("CL9", "x", "--dir", str(tmp_path))[0::2] == (2, "error: 'CL9' is not a rule code like CL107\n")
    assert _scaffold("CL907", "Bad_Name", "--dir", str(tmp_path))[0] == 2
    rules = str(REPO / "cachelint" / "rules")
    code, out, err = _scaffold("CL101", "something-new", "--dir", rules)
    assert (code, out) == (2, "") and err.startswith("error: ") and "cl101_dynamic_before_static.py" in err
    assert _scaffold("CL999", "dynamic-before-static", "--dir", rules)[0] == 2
    assert not list((REPO / "cachelint" / "rules").glob("cl999_*.py"))


# --- selection


def test_select_rules_is_one_layer_of_select_layers() -> None:
    defaults = [r for r in ALL_RULES if r.default]
    assert select_rules() == defaults
    assert len(defaults) < len(ALL_RULES)  # preview rules are off unless selected
    assert [r.code for r in select_rules(["CL1"], ["CL102"], ["CL304"])] == ["CL101", "CL103", "CL104", "CL304"]
    assert select_rules(["CL1"], ["CL102"], ["CL304"]) == select_layers([(["CL1"], ["CL102"], ["CL304"])])


def test_later_layers_win() -> None:
    # The file ignores CL201; the command line adds it back and selects nothing new.
    file_layer = (None, ["CL201"], [])
    cli_layer = (None, [], ["CL201"])
    assert "CL201" not in [r.code for r in select_layers([file_layer])]
    assert "CL201" in [r.code for r in select_layers([file_layer, cli_layer])]
    # A later `select` replaces what the layers before chose; an empty one chooses nothing.
    assert [r.code for r in select_layers([(["CL1"], [], []), (["CL201"], [], [])])] == ["CL201"]
    assert select_layers([(["ALL"], [], []), ([], [], [])]) == []


# --- counting


def test_count_is_exact_for_openai_and_an_estimate_elsewhere() -> None:
    text = "Always cite the relevant section of the support policy. " * 20
    gpt = lookup_model("gpt-4.1", "gpt-4.1")
    claude = lookup_model("claude-sonnet-4-5", "gpt-4.1")
    exact = count([text, text], gpt)
    assert (exact.n, exact.exact) == (2 * count_for_encoding(text, gpt.encoding), True)
    estimate = count([text], claude)
    base = count_for_encoding(text, claude.encoding)
    assert (estimate.n, estimate.exact) == (int(base * ESTIMATE_FACTORS["anthropic"] + 0.5), False)
    assert (count(["", ""], claude).n, count(["", ""], claude).exact) == (0, True)
