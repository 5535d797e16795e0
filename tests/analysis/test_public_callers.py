"""`stable` for a public function's parameter (rules.md section 1): every caller in the project,
in any module, passes static or stable text. A function something says others call (listed in
`__all__`, re-exported by its package), or that has no caller but tests, stays per call, and
`--show-prompt` says why. Each case that finds `stable` has a twin that must not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.analysis.test_stability import PRELUDE, _classes
from tests.conftest import Run

HELPER = PRELUDE + '''
def answer(tone, question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": f"Tone: {tone}.\\n" + RULES},
        {"role": "user", "content": question}])
'''

AGENT = PRELUDE + '''
class Agent:
    def ask(self, persona, question):
        return client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": f"You are {persona}.\\n" + RULES},
            {"role": "user", "content": question}])
'''

MAIN = "from agent import Agent\n\ndef main(q):\n    return Agent().ask('a support engineer', q)\n"


def _files(project: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _tone(run: Callable[..., Run], target: str = "llm.py:6", expr: str = "{tone}") -> tuple[str, str]:
    """The class --show-prompt gives `expr`, and its line."""
    r = run("--show-prompt", target)
    assert r.exit_code == 0, r.all
    line = next(x for x in r.stdout.splitlines() if f" {expr} " in x)
    return _classes(run, target)[expr], line


def test_a_public_function_whose_callers_elsewhere_pass_literals_is_stable(project: Path,
                                                                           run: Callable[..., Run]) -> None:
    _files(project, {"llm.py": HELPER,
                     "web.py": "from llm import answer\n\ndef formal(q):\n    return answer('formal', q)\n",
                     "cli.py": "import llm\n\ndef casual(q):\n    return llm.answer(tone='casual', question=q)\n"})
    stab, line = _tone(run)
    assert stab == "stable" and "every caller in the project passes text fixed in the code" in line
    r = run(".")
    assert r.exit_code == 0 and "CL101" not in r.stdout, r.all


def test_one_caller_passing_a_per_request_value_keeps_it_turn(project: Path, run: Callable[..., Run]) -> None:
    _files(project, {"llm.py": HELPER,
                     "web.py": "from llm import answer\n\ndef formal(q):\n    return answer('formal', q)\n",
                     "api.py": "from llm import answer as reply\n\ndef chosen(tone, q):\n    return reply(tone, q)\n"})
    assert _tone(run)[0] == "turn"
    assert "CL101" in run(".").stdout


def test_a_function_listed_in_all_is_called_from_outside(project: Path, run: Callable[..., Run]) -> None:
    _files(project, {"llm.py": HELPER + "\n__all__ = ['answer']\n",
                     "web.py": "from llm import answer\n\ndef formal(q):\n    return answer('formal', q)\n"})
    stab, line = _tone(run)
    assert stab == "turn" and "listed in `__all__` of llm: callers outside the project decide" in line
    assert "CL101" in run(".").stdout


def test_a_function_its_package_re_exports_is_called_from_outside(project: Path, run: Callable[..., Run]) -> None:
    _files(project, {"pkg/__init__.py": "from pkg.llm import answer\n", "pkg/llm.py": HELPER,
                     "pkg/web.py": "from pkg.llm import answer\n\ndef formal(q):\n    return answer('formal', q)\n"})
    stab, line = _tone(run, "pkg/llm.py:6")
    assert stab == "turn" and "re-exported by the package pkg: callers outside the project decide" in line


def test_a_library_function_with_no_caller_in_the_project_stays_turn(project: Path, run: Callable[..., Run]) -> None:
    _files(project, {"pyproject.toml": "[project]\nname = 'acme-llm'\nversion = '1.0'\n",
                     "acme/__init__.py": "", "acme/llm.py": HELPER})
    assert _tone(run, "acme/llm.py:6")[0] == "turn"
    assert "CL101" in run(".").stdout


def test_callers_in_tests_do_not_count(project: Path, run: Callable[..., Run]) -> None:
    # tests pass made-up literals; the users of the function are elsewhere
    _files(project, {"llm.py": HELPER,
                     "tests/test_llm.py": "from llm import answer\n\ndef test_it():\n    answer('formal', 'hi')\n"})
    assert _tone(run)[0] == "turn"


def test_a_function_handed_on_in_another_module_is_not_judged(project: Path, run: Callable[..., Run]) -> None:
    _files(project, {"llm.py": HELPER,
                     "web.py": "from llm import answer\n\ndef formal(q):\n    return answer('formal', q)\n",
                     "tools.py": "from llm import answer\n\nTOOLS = [answer]\n"})
    assert _tone(run)[0] == "turn"


def test_a_method_called_on_instances_with_literals_is_stable(project: Path, run: Callable[..., Run]) -> None:
    _files(project, {"agent.py": AGENT,
                     "main.py": "from agent import Agent\n\ndef main(q):\n    bot = Agent()\n"
                                "    return bot.ask('a support engineer', q)\n"})
    assert _tone(run, "agent.py:7", "{persona}")[0] == "stable"
    assert "CL101" not in run(".").stdout


def test_a_method_called_on_an_object_not_known_is_not_judged(project: Path, run: Callable[..., Run]) -> None:
    # `bot` may be an Agent: what it passes counts, and cannot be told
    _files(project, {"agent.py": AGENT,
                     "main.py": MAIN,
                     "other.py": "def handle(bot, persona, q):\n    return bot.ask(persona, q)\n"})
    assert _tone(run, "agent.py:7", "{persona}")[0] == "turn"


def test_a_method_a_library_base_class_may_call_is_not_judged(project: Path, run: Callable[..., Run]) -> None:
    _files(project, {"agent.py": AGENT.replace("class Agent:",
                                                "from somelib import BaseAgent\n\nclass Agent(BaseAgent):"),
                     "main.py": MAIN})
    assert _tone(run, "agent.py:9", "{persona}")[0] == "turn"


def test_an_overridden_method_is_not_judged(project: Path, run: Callable[..., Run]) -> None:
    # a call of the subclass's `ask` on a base-typed object may run either
    _files(project, {"agent.py": AGENT + "\nclass Loud(Agent):\n    def ask(self, persona, question):\n"
                                         "        return super().ask(persona.upper(), question)\n",
                     "main.py": MAIN})
    assert _tone(run, "agent.py:7", "{persona}")[0] == "turn"


def test_configuration_passed_by_every_caller_is_stable(project: Path, run: Callable[..., Run]) -> None:
    _files(project, {"llm.py": HELPER,
                     "web.py": "import os\nfrom llm import answer\nTONE = os.environ.get('TONE', 'formal')\n\n"
                               "def reply(q):\n    return answer(TONE, q)\n"})
    assert _tone(run)[0] == "stable"
    assert "CL101" not in run(".").stdout


def test_a_scripts_main_block_is_not_a_caller(project: Path, run: Callable[..., Run]) -> None:
    # a demo call with a sample question, or each run's own command line
    _files(project, {"llm.py": HELPER + "\nif __name__ == '__main__':\n    answer('formal', 'Is my router on?')\n"})
    assert _tone(run)[0] == "turn"
    assert "CL101" in run(".").stdout


def test_a_scripts_command_line_is_not_configuration(project: Path, run: Callable[..., Run]) -> None:
    # each run of the script is asked with its own arguments
    _files(project, {"llm.py": HELPER,
                     "cli.py": "import argparse\nimport sys\nfrom llm import answer\n\n"
                               "if __name__ == '__main__':\n    args = argparse.ArgumentParser().parse_args()\n"
                               "    answer(args.tone, sys.argv[2])\n"})
    assert _tone(run)[0] == "turn"
    assert _tone(run, expr="question")[0] == "turn"
