"""The stability classes of rules.md section 1 as a user meets them: the class --show-prompt
shows for each segment, and the verdicts of CL101, CL102, CL202 and CL403 that follow from it.
Every construct has a case that reports and a twin that must stay silent (or say otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import Run

PRELUDE = '''from openai import OpenAI
client = OpenAI()
RULES = "Answer support questions about Acme routers. Cite the manual section. " * 120
'''

ANTHROPIC = '''import anthropic
client = anthropic.Anthropic()
RULES = "Answer support questions about Acme routers. Cite the manual section. " * 120
'''


def _write(project: Path, text: str, name: str = "app.py") -> str:
    (project / name).write_text(text)
    return name


def _classes(run: Callable[..., Run], target: str) -> dict[str, str]:
    """The stability --show-prompt gives each expression of the call at `target`."""
    r = run("--show-prompt", target)
    assert r.exit_code == 0, r.all
    out: dict[str, str] = {}
    lines = r.stdout.splitlines()
    header = next(line for line in lines if "stability" in line and "expression" in line)
    stab_at, expr_at, where_at = (header.index(w) for w in ("stability", "expression", "where"))
    for line in lines:
        cells = line.split()
        if cells and cells[0].isdigit():
            out[line[expr_at:where_at].strip()] = line[stab_at:].split()[0]
    return out


def test_a_parameter_of_the_request_function_is_turn(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
def answer(user_name, question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": f"User: {user_name}.\\n" + RULES},
        {"role": "user", "content": question}])
''')
    assert _classes(run, "app.py:6")["{user_name}"] == "turn"
    r = run("app.py")
    assert r.exit_code == 1
    assert "`{user_name}` precedes" in r.stdout and "they can never be read from the cache" in r.stdout


def test_a_value_set_before_the_chat_loop_is_session(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
def chat(user_name):
    system = f"User: {user_name}.\\n" + RULES
    history = []
    while True:
        history.append({"role": "user", "content": input()})
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": system}, *history])
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
''')
    classes = _classes(run, "app.py:10")
    assert classes["{user_name}"] == "session"
    assert classes["history"] == "turn"
    r = run("app.py")
    assert r.exit_code == 1
    assert "each conversation or user caches its own copy, and the first call of each pays full price" in r.stdout
    assert "CL201" not in r.stdout


def test_a_value_set_inside_the_loop_stays_turn(project: Path, run: Callable[..., Run]) -> None:
    # the twin: the same value built on each pass is not loop-invariant
    _write(project, PRELUDE + '''
def chat(user_name):
    while True:
        note = input()
        system = f"Note: {note}.\\n" + RULES
        client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": system}, {"role": "user", "content": "go"}])
''')
    assert _classes(run, "app.py:9")["{note}"] == "turn"


def test_a_value_set_before_a_for_loop_batch_is_session(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
def batch(user_name, questions):
    system = f"User: {user_name}.\\n" + RULES
    for q in questions:
        client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": system}, {"role": "user", "content": q}])
''')
    assert _classes(run, "app.py:8")["{user_name}"] == "session"
    assert "each conversation or user caches its own copy" in run("app.py").stdout


def test_a_value_set_before_a_comprehension_batch_is_session(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
import asyncio

def batch(user_name, questions):
    system = f"User: {user_name}.\\n" + RULES
    return [client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system}, {"role": "user", "content": q}]) for q in questions]

async def gathered(user_name, questions):
    system = f"User: {user_name}.\\n" + RULES
    return await asyncio.gather(*(client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system}, {"role": "user", "content": q}]) for q in questions))
''')
    assert _classes(run, "app.py:10")["{user_name}"] == "session"
    assert _classes(run, "app.py:15")["{user_name}"] == "session"


def test_a_helper_called_in_a_comprehension_batch_gets_session_values(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
def ask(system, question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": system}, {"role": "user", "content": question}])

def batch(user_name, questions):
    system = f"User: {user_name}.\\n" + RULES
    return [ask(system, q) for q in questions]
''')
    r = run("app.py")
    assert "app.py:10" in r.stdout and "each conversation or user caches its own copy" in r.stdout, r.all


def test_a_value_of_the_comprehension_item_stays_turn(project: Path, run: Callable[..., Run]) -> None:
    # the twin: what the comprehension computes per item is not loop-invariant
    _write(project, PRELUDE + '''
def batch(questions):
    return [client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": f"Q: {q}.\\n" + RULES}, {"role": "user", "content": q}]) for q in questions]
''')
    assert _classes(run, "app.py:6")["{q}"] == "turn"
    assert "they can never be read from the cache" in run("app.py").stdout


def test_a_turn_value_before_a_growing_history_names_the_history(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
def agent(task):
    history = [{"role": "user", "content": task}]
    for step in range(10):
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": f"Step {step}. Be brief."}, *history])
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
''')
    r = run("app.py")
    assert r.exit_code == 1
    assert ("`{step}` changes every turn and precedes the conversation history `history`: "
            "every turn re-processes the whole conversation") in r.stdout
    assert "CL201" not in r.stdout  # a growing history soon passes any minimum


def test_a_turn_value_after_the_history_is_fine(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
def agent(task):
    history = [{"role": "user", "content": task}]
    for step in range(10):
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": "Be brief."}, *history,
            {"role": "user", "content": f"Step {step}."}])
        history.append({"role": "assistant", "content": reply.choices[0].message.content})
''')
    r = run("app.py")
    assert r.all[:2] == (0, "No findings.\n") or "Found" not in r.stdout, r.all


def test_the_same_short_call_without_history_is_below_the_minimum(project: Path, run: Callable[..., Run]) -> None:
    # the twin of the conversation case: one request, static text far below the minimum
    _write(project, PRELUDE.replace("* 120", "* 40") + '''
def ask(question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": question}])
''')
    r = run("app.py")
    assert r.exit_code == 1 and "CL201" in r.stdout, r.all


def test_an_attribute_set_in_the_constructor_is_session(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
class Agent:
    def __init__(self, user_name):
        self.user_name = user_name
    def ask(self, question):
        return client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": f"User: {self.user_name}.\\n" + RULES},
            {"role": "user", "content": question}])
''')
    assert _classes(run, "app.py:9")["{self.user_name}"] == "session"
    r = run("app.py")
    assert "each conversation or user caches its own copy" in r.stdout


def test_an_attribute_set_again_per_request_is_turn(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
class Agent:
    def __init__(self, user_name):
        self.user_name = user_name
    def ask(self, question, user_name):
        self.user_name = user_name
        return client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": f"User: {self.user_name}.\\n" + RULES},
            {"role": "user", "content": question}])
''')
    assert _classes(run, "app.py:10")["{self.user_name}"] == "turn"


def test_a_private_helper_parameter_with_literal_callers_is_stable(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
def _answer(tone, question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": f"Tone: {tone}.\\n" + RULES},
        {"role": "user", "content": question}])

def formal(question):
    return _answer("formal", question)

def casual(question):
    return _answer("casual", question)
''')
    assert _classes(run, "app.py:6")["{tone}"] == "stable"
    r = run("app.py")
    assert r.exit_code == 0 and "CL101" not in r.stdout, r.all


def test_a_private_helper_parameter_with_a_per_request_caller_is_turn(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
def _answer(tone, question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": f"Tone: {tone}.\\n" + RULES},
        {"role": "user", "content": question}])

def formal(question):
    return _answer("formal", question)

def chosen(tone, question):
    return _answer(tone, question)
''')
    assert _classes(run, "app.py:6")["{tone}"] == "turn"
    assert "CL101" in run("app.py").stdout


def test_a_helper_passed_as_a_callback_is_not_judged_by_its_calls(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
def _answer(tone, question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": f"Tone: {tone}.\\n" + RULES},
        {"role": "user", "content": question}])

HANDLERS = {"answer": _answer}

def formal(question):
    return _answer("formal", question)
''')
    assert _classes(run, "app.py:6")["{tone}"] == "turn"


def test_a_count_of_per_call_data_is_turn_not_volatile(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
from datetime import datetime

def answer(question):
    stamped = [f"{datetime.now()}: {question}"]
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": f"{len(stamped)} messages.\\n" + RULES},
        {"role": "user", "content": stamped[0]}])
''')
    assert _classes(run, "app.py:9")["{len(stamped)}"] == "turn"
    r = run("app.py")
    assert "CL102" not in r.stdout and "CL101" in r.stdout, r.all


def test_the_clock_itself_is_still_volatile(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
from datetime import datetime

def answer(question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": f"Now: {datetime.now()}.\\n" + RULES},
        {"role": "user", "content": question}])
''')
    assert "CL102" in run("app.py").stdout


def test_a_marker_after_a_session_value_is_read_by_later_turns(project: Path, run: Callable[..., Run]) -> None:
    _write(project, ANTHROPIC + '''
class Agent:
    def __init__(self, user_name):
        self.user_name = user_name
    def ask(self, question):
        return client.messages.create(model="claude-sonnet-4-5", max_tokens=500, system=[
            {"type": "text", "text": RULES},
            {"type": "text", "text": f"User: {self.user_name}.", "cache_control": {"type": "ephemeral"}},
        ], messages=[{"role": "user", "content": question}])
''')
    r = run("app.py")
    assert "CL403" not in r.stdout, r.all


def test_a_marker_after_a_turn_value_is_reported(project: Path, run: Callable[..., Run]) -> None:
    _write(project, ANTHROPIC + '''
def ask(user_name, question):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=500, system=[
        {"type": "text", "text": RULES},
        {"type": "text", "text": f"User: {user_name}.", "cache_control": {"type": "ephemeral"}},
    ], messages=[{"role": "user", "content": question}])
''')
    assert "CL403" in run("app.py").stdout


def test_tools_chosen_per_agent_are_not_unstable(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
ALL_TOOLS = [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
             for n in ("lookup", "refund", "escalate")]

class Agent:
    def __init__(self, allowed):
        self.tools = [t for t in ALL_TOOLS if t["function"]["name"] in allowed]
    def ask(self, question):
        return client.chat.completions.create(model="gpt-4.1", tools=self.tools, messages=[
            {"role": "system", "content": RULES}, {"role": "user", "content": question}])
''')
    assert "CL202" not in run("app.py").stdout


def test_tools_filtered_per_request_are_unstable(project: Path, run: Callable[..., Run]) -> None:
    _write(project, PRELUDE + '''
ALL_TOOLS = [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
             for n in ("lookup", "refund", "escalate")]

def ask(allowed, question):
    tools = [t for t in ALL_TOOLS if t["function"]["name"] in allowed]
    return client.chat.completions.create(model="gpt-4.1", tools=tools, messages=[
        {"role": "system", "content": RULES}, {"role": "user", "content": question}])
''')
    assert "CL202" in run("app.py").stdout


SHORT = PRELUDE.replace("* 120", "* 20")  # ~260 tokens: above gpt-4.1's cost threshold, below its minimum


def test_a_conversation_kept_on_the_instance_is_a_growing_history(project: Path, run: Callable[..., Run]) -> None:
    _write(project, SHORT + '''
class Chat:
    def __init__(self):
        self.history = []
        self.turns = 0

    def ask(self, question):
        self.turns += 1
        self.history.append({"role": "user", "content": question})
        reply = client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": f"Turn {self.turns}. " + RULES}, *self.history])
        self.history.append({"role": "assistant", "content": reply.choices[0].message.content})
        return reply
''')
    assert _classes(run, "app.py:13")["{self.turns}"] == "turn"
    r = run("app.py")
    assert "CL201" not in r.stdout
    assert ("`{self.turns}` changes every turn and precedes the conversation history `self.history`: "
            "every turn re-processes the whole conversation") in r.stdout


def test_a_list_set_once_by_the_constructor_is_not_a_history(project: Path, run: Callable[..., Run]) -> None:
    _write(project, SHORT + '''
class Once:
    def __init__(self):
        self.messages = [{"role": "system", "content": RULES}]

    def ask(self, question):
        return client.chat.completions.create(model="gpt-4.1", messages=[
            *self.messages, {"role": "user", "content": question}])
''')
    r = run("app.py")
    assert r.exit_code == 1 and "CL201" in r.stdout, r.all


def test_history_plus_the_new_message_is_a_growing_history(project: Path, run: Callable[..., Run]) -> None:
    _write(project, SHORT + '''
def turn(history, question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": RULES}] + history + [{"role": "user", "content": question}])
''')
    r = run("app.py")
    assert r.exit_code == 0 and "CL201" not in r.stdout, r.all


def test_one_request_with_the_same_text_is_below_the_minimum(project: Path, run: Callable[..., Run]) -> None:
    _write(project, SHORT + '''
def turn(question):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": RULES}] + [{"role": "user", "content": question}])
''')
    r = run("app.py")
    assert r.exit_code == 1 and "CL201" in r.stdout, r.all
