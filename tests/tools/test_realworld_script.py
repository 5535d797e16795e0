"""scripts/realworld.py: the figures of docs/real-world.md come from it, so it is tested on a
small repository whose answers are known."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def realworld() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realworld", ROOT / "scripts" / "realworld.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["realworld"] = mod
    spec.loader.exec_module(mod)
    return mod


APP = '''from openai import OpenAI

client = OpenAI()
SYSTEM = "You are a support agent. Answer from the policy."


def resolved(q):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": q}])


def passthrough(messages):
    return client.chat.completions.create(model="gpt-4.1", messages=messages)


def caller(q):
    return passthrough([{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}])
'''

UNRESOLVED = '''from openai import OpenAI
from somewhere import load_prompt

client = OpenAI()


def unknown_system(q):
    return client.responses.create(model="gpt-4.1", instructions=load_prompt(), input=q)
'''

LOOKALIKE = '''class Twilio:
    def __init__(self):
        self.messages = self


def sms(client):
    return client.messages.create(body="hi", to="+1555")
'''

DYNAMIC = '''from datetime import datetime
from openai import OpenAI

client = OpenAI()
POLICY = "Answer from the refund policy and quote it. " * 300


def ask(q):
    return client.responses.create(model="gpt-4.1", instructions=f"Today is {datetime.now()}. " + POLICY, input=q)
'''

TEST = '''from openai import OpenAI


def test_it():
    OpenAI().chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "hi"}])
'''


def test_counts_on_a_known_repository(tmp_path: Path, realworld: ModuleType) -> None:
    repo = tmp_path / "demo"
    (repo / "app").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (repo / "app" / "__init__.py").write_text("")
    (repo / "app" / "main.py").write_text(APP)
    (repo / "app" / "other.py").write_text(UNRESOLVED)
    (repo / "app" / "sms.py").write_text(LOOKALIKE)
    (repo / "tests" / "test_app.py").write_text(TEST)
    r = realworld.analyse(str(repo), timeout=120)
    # four SDK-shaped calls outside tests (one a Twilio lookalike), one in tests
    assert (r.shaped, r.shaped_tests) == (4, 1)
    # three recognised; the lookalike is refused
    assert r.recognised == 3
    # resolved: the direct one, and the pass-through one through its caller; not load_prompt()
    assert r.sites == {("app/main.py", 8): True, ("app/main.py", 13): True, ("app/other.py", 8): False}
    assert r.resolved == 2
    # a site named by the caller of a wrapper: the passthrough() call in caller()
    assert r.callers == {("app/main.py", 17): True}
    assert not r.timed_out and r.errors == 0


def test_the_repository_is_never_imported(tmp_path: Path, realworld: ModuleType) -> None:
    """Run from the repository's root, `python -m` would import a top-level `types.py` of the
    repository in place of the standard module (simple-evals has one) and die printing nothing."""
    repo = tmp_path / "shadow"
    repo.mkdir()
    (repo / "types.py").write_text("raise SystemExit('the repository was imported')\n")
    (repo / "json.py").write_text("raise SystemExit('the repository was imported')\n")
    (repo / "main.py").write_text(DYNAMIC)
    r = realworld.analyse(str(repo), timeout=120)
    assert r.errors == 0
    assert r.findings_by_code == {"CL102": 1}


def test_preamble_resolution_rules(realworld: ModuleType) -> None:
    from cachelint.diagnostics import Span
    from cachelint.prompt import AssembledPrompt, CallSite, Provider, Segment, Stability

    span = Span("a.py", 1, 1, 1, 2)
    call = CallSite(Provider.OPENAI, "responses.create", span, span, "gpt-4.1")

    def prompt(*segs: tuple[str, Stability, bool, bool]) -> AssembledPrompt:
        return AssembledPrompt(call, complete=True, segments=tuple(
            Segment(slot, stab, None, "x", span, in_preamble=pre, passthrough=through)
            for slot, stab, pre, through in segs))

    S, P, U = Stability.STATIC, Stability.TURN, Stability.UNKNOWN
    assert realworld.preamble_resolved(prompt(("instructions", S, True, False), ("input", P, False, True)))
    assert realworld.preamble_resolved(prompt(("instructions", P, True, False), ("input[0].content", U, False, False)))
    assert not realworld.preamble_resolved(prompt(("instructions", U, True, False)))
    assert not realworld.preamble_resolved(prompt(("messages", P, False, True)))
    assert not realworld.preamble_resolved(prompt(("messages", P, False, False)))  # built at run time
    assert not realworld.preamble_resolved(prompt())
    # Gemini contents never hold the system instruction: an unknown one leaves the preamble empty
    assert realworld.preamble_resolved(prompt(("contents", P, False, True)))


def test_an_unknown_first_message_is_not_a_rebuilt_preamble(realworld: ModuleType) -> None:
    from cachelint.diagnostics import Span
    from cachelint.prompt import AssembledPrompt, CallSite, Provider, Segment, Stability

    span = Span("a.py", 1, 1, 1, 2)

    def prompt(api: str, *segs: tuple[str, Stability, bool], provider: Provider = Provider.OPENAI,
               text: str | None = None) -> AssembledPrompt:
        call = CallSite(provider, api, span, span, "gpt-4.1")
        return AssembledPrompt(call, complete=True, segments=tuple(
            Segment(slot, stab, text if stab == Stability.STATIC else None, "x", span, in_preamble=pre)
            for slot, stab, pre in segs))

    S, P, U = Stability.STATIC, Stability.TURN, Stability.UNKNOWN
    chat = "chat.completions.create"
    # `messages=[first, {"role": "user", ...}]` with `first` not followed: it may be the system
    first_unknown = prompt(chat, ("messages[0]", U, False), ("messages[1].content (user)", P, False))
    assert not realworld.preamble_resolved(first_unknown)
    # a message whose role is not a literal, even with known text, may be the system message
    assert not realworld.preamble_resolved(prompt(chat, ("messages[0].content", S, False), text="Hi"))
    # a known system message and a user turn the analysis could not follow: rebuilt
    assert realworld.preamble_resolved(prompt(chat, ("messages[0].content (system)", S, True),
                                              ("messages[1].content (user)", U, False), text="Rules."))
    # no system message, a known user turn first: the preamble is known to be empty
    assert realworld.preamble_resolved(prompt(chat, ("messages[0].content (user)", P, False)))
    # Responses: a string input is one user message; an input that may be a list is not known
    assert realworld.preamble_resolved(prompt("responses.create", ("input", S, False), ("input", P, False), text="Q: "))
    assert not realworld.preamble_resolved(prompt("responses.create", ("input", P, False)))
    # Anthropic's messages never hold the system prompt (it is `system=`)
    assert realworld.preamble_resolved(prompt("messages.create", ("messages", U, False), provider=Provider.ANTHROPIC))
    # a part of a multimodal user message (text and image) is a turn: no system message before it
    assert realworld.preamble_resolved(prompt(chat, ("messages[0].content (user)[0].text", S, False), text="What?"))
    assert realworld.preamble_resolved(prompt(chat, ("messages[0].content (user)[1].image_url.url", P, False)))
    # ... but a part of a message whose role is not known may still be the system message
    assert not realworld.preamble_resolved(prompt(chat, ("messages[0].content[0].text", S, False), text="Rules."))


UNKNOWN_FIRST = '''from openai import OpenAI
from somewhere import load_message, load_question

client = OpenAI()
SYSTEM = "You are a support agent. Answer from the policy."


def first_unknown(q):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        load_message(), {"role": "user", "content": q}])


def user_unknown():
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": load_question()}])
'''


def test_counts_an_unknown_first_message_as_not_rebuilt(tmp_path: Path, realworld: ModuleType) -> None:
    repo = tmp_path / "demo"
    repo.mkdir()
    (repo / "app.py").write_text(UNKNOWN_FIRST)
    r = realworld.analyse(str(repo), timeout=120)
    assert r.sites == {("app.py", 9): False, ("app.py", 14): True}
    assert (r.recognised, r.resolved) == (2, 1)
    assert r.why[("app.py", 9)].startswith("messages[0]: "), r.why


EVAL = '''from openai import OpenAI

client = OpenAI()


def grade(answer):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": "Grade the answer."}, {"role": "user", "content": answer}])
'''


def test_an_evals_package_is_not_test_code(tmp_path: Path, realworld: ModuleType) -> None:
    """openai/evals is a package named `evals`, and an application's `eval/` pipeline sends real
    requests: only tests by the usual conventions are counted apart."""
    repo = tmp_path / "harness"
    for folder in ("evals", "pipeline/eval", "tests/evals", "test", "src"):
        (repo / folder).mkdir(parents=True)
    (repo / "evals" / "grader.py").write_text(EVAL)
    (repo / "pipeline" / "eval" / "judge.py").write_text(EVAL)
    (repo / "tests" / "evals" / "helpers.py").write_text(EVAL)  # inside tests/: test code
    (repo / "test" / "grade.py").write_text(EVAL)
    (repo / "src" / "test_grader.py").write_text(EVAL)
    (repo / "src" / "grader_test.py").write_text(EVAL)
    (repo / "src" / "conftest.py").write_text(EVAL)
    (repo / "src" / "latest.py").write_text(EVAL)  # ends in "test" but is no test file
    r = realworld.analyse(str(repo), timeout=120)
    assert (r.shaped, r.shaped_tests) == (3, 5)
    assert set(r.sites) == {("evals/grader.py", 7), ("pipeline/eval/judge.py", 7), ("src/latest.py", 7)}
    assert r.resolved == 3


def test_test_code_by_the_usual_conventions(realworld: ModuleType) -> None:
    test = realworld._TEST.search
    for path in ("tests/a.py", "pkg/test/a.py", "test_a.py", "pkg/test_a.py", "pkg/a_test.py",
                 "conftest.py", "pkg/conftest.py", "integration_tests/a.py", "pkg/testing/a.py"):
        assert test(path), path
    for path in ("evals/a.py", "pkg/eval/a.py", "pkg/evals/test.py", "latest.py", "contest/a.py",
                 "pkg/attest.py", "pkg/myconftest.py", "testsuite.py", "pkg/tests.py"):
        assert not test(path), path
