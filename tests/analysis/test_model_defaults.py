"""The model a call uses when `model=` is not a literal but the code gives it (rules.md
section 1, "Models and providers"), and the wrapper branches a caller's literal model rules out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import Run

PRELUDE = '''from openai import OpenAI
import anthropic
client = OpenAI()
ant = anthropic.Anthropic()
RULES = "Answer support questions about Acme routers. Cite the manual section. " * 20
'''


def test_a_parameter_default_is_the_model_and_the_message_says_so(project: Path, run: Callable[..., Run]) -> None:
    (project / "app.py").write_text(PRELUDE + '''
def ask(q, model="gpt-4.1"):
    return client.chat.completions.create(model=model, messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": q}])
''')
    r = run("app.py")
    assert r.exit_code == 1
    assert "below the 1,024-token minimum for `gpt-4.1` (the default of parameter `model`: `model=` is not a literal)" \
        in r.stdout


def test_a_parameter_without_a_default_takes_the_configured_default_if_any(
    project: Path, run: Callable[..., Run]
) -> None:
    (project / "app.py").write_text(PRELUDE + '''
def ask(q, model):
    return client.chat.completions.create(model=model, messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": q}])
''')
    r = run("app.py")
    assert "the default of parameter" not in r.stdout
    assert "CL201" not in r.stdout  # no default-model configured: the model, so its minimum, is not known
    (project / "pyproject.toml").write_text("[tool.cachelint]\ndefault-model = 'gpt-4.1'\n")
    r = run("app.py")
    assert "(the configured default-model: `model=` is not a literal)" in r.stdout


def test_a_class_constant_is_the_model_and_the_message_says_so(project: Path, run: Callable[..., Run]) -> None:
    (project / "app.py").write_text(PRELUDE + '''
class Bot:
    MODEL = "claude-sonnet-4-5"
    def ask(self, q):
        return ant.messages.create(model=self.MODEL, max_tokens=10, system=RULES * 5,
                                   messages=[{"role": "user", "content": q}])
''')
    r = run("app.py")
    assert "`claude-sonnet-4-5` (the default `self.MODEL`: `model=` is not a literal)" in r.stdout


def test_a_literal_model_is_said_plainly(project: Path, run: Callable[..., Run]) -> None:
    (project / "app.py").write_text(PRELUDE + '''
def ask(q):
    return ant.messages.create(model="claude-sonnet-4-5", max_tokens=10, system=RULES * 5,
                               messages=[{"role": "user", "content": q}])
''')
    r = run("app.py")
    assert "of `claude-sonnet-4-5`, are sent" in r.stdout and "is not a literal" not in r.stdout


WRAPPER = '''import anthropic
from openai import OpenAI
oai = OpenAI()
ant = anthropic.Anthropic()

def complete(model, system, question):
    if model.startswith("claude"):
        return ant.messages.create(model=model, max_tokens=100, system=system,
                                   messages=[{"role": "user", "content": question}])
    return oai.chat.completions.create(model=model, messages=[
        {"role": "system", "content": system}, {"role": "user", "content": question}])
'''


def test_a_caller_literal_model_prunes_the_other_providers_branch(project: Path, run: Callable[..., Run]) -> None:
    (project / "llm.py").write_text(WRAPPER)
    (project / "app.py").write_text('''from llm import complete
SYSTEM = "Answer support questions about Acme routers. Cite the manual section. " * 120

def ask(q):
    return complete("gpt-4o", SYSTEM, q)
''')
    r = run("app.py")
    assert r.all[:2] == (0, "All checks passed!\n"), r.all  # no Claude branch for a gpt-4o call


def test_the_branch_for_the_callers_model_is_still_checked(project: Path, run: Callable[..., Run]) -> None:
    (project / "llm.py").write_text(WRAPPER)
    (project / "app.py").write_text('''from llm import complete
SYSTEM = "Answer support questions about Acme routers. Cite the manual section. " * 120

def ask(q):
    return complete("claude-sonnet-4-5", SYSTEM, q)
''')
    r = run("app.py")
    assert r.exit_code == 1 and "CL401" in r.stdout and "`claude-sonnet-4-5`" in r.stdout, r.all


def test_a_gateway_client_may_serve_any_model(project: Path, run: Callable[..., Run]) -> None:
    (project / "llm.py").write_text('''from openai import OpenAI
gateway = OpenAI(base_url="https://openrouter.ai/api/v1")

def complete(model, system, question):
    return gateway.chat.completions.create(model=model, messages=[
        {"role": "system", "content": system}, {"role": "user", "content": question}])
''')
    (project / "app.py").write_text('''from llm import complete
SYSTEM = "Answer briefly. " * 30

def ask(user_name, q):
    return complete("claude-sonnet-4-5", f"User {user_name}. " + SYSTEM * 40, q)
''')
    r = run("--show-prompt", "app.py:5")
    assert r.exit_code == 0 and "claude-sonnet-4-5" in r.stdout, r.all
