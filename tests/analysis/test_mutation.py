"""Lists and dicts changed in place after they are built (issue 18, claude-engineer's tools):
handed to a project function that appends to its parameter, to a callee the analysis cannot
see, changed through another name, kept on `self` and filled by a method, or in a loop. The
request must send the list as changed (followed item by item) or say nothing about it; a list
nothing changes stays known, so its findings stay.

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case has a twin that looks the same and must keep its finding or stay
silent as marked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write_tree
from expect_cases import expected, lint

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'
HEAD = "from openai import OpenAI\n" + RULES + "client = OpenAI()\n"
CALC = '{"type": "function", "function": {"name": "calc", "description": "Calculate."}}'
# A tool whose description names the user: the tools differ between users (CL202).
MINE = '{"type": "function", "function": {"name": "mine", "description": f"Orders of {user}."}}'


def _ask(body: str, tools: str = "tools") -> str:
    return (f"def ask(user, q):\n{body}"
            f"    return client.chat.completions.create(model='gpt-4.1', tools={tools}, messages=[\n"
            "        {'role': 'system', 'content': RULES}, {'role': 'user', 'content': q}])\n")


CASES: dict[str, dict[str, str]] = {
    # ---- a project function that changes its parameter: followed
    "a helper appends a tool naming the user": {"app.py": HEAD + (
        "def add_mine(tools, user):\n"
        f"    tools.append({MINE})  # expect: CL202\n"
        + _ask(f'    tools = [{CALC}]\n    add_mine(tools, user)\n'))},
    "a helper appends a static tool (silent)": {"app.py": HEAD + (
        "def add_static(tools, user):\n"
        f"    tools.append({CALC.replace('calc', 'lookup')})\n"
        + _ask(f'    tools = [{CALC}]\n    add_static(tools, user)\n'))},
    "a helper drops the tool naming the user": {"app.py": HEAD + (
        "def reset(tools):\n"
        "    tools.clear()\n"
        + _ask(f'    tools = [{MINE}]\n    reset(tools)\n'))},
    "a helper that only reads the list keeps its finding": {"app.py": HEAD + (
        "def count(tools):\n"
        "    return len(tools)\n"
        + _ask(f'    tools = [{MINE}]  # expect: CL202\n    n = count(tools)\n'))},
    # (reported at the call in the linted file; the tool appended is named beside it)
    "a helper that hands the list on to one that appends": {"app/__init__.py": "", "app/tools.py": (
        "def add_mine(tools, user):\n"
        f"    tools.append({MINE})\n"
        "def add_all(tools, user):\n"
        "    add_mine(tools, user)\n"), "app/m.py": HEAD + "from app.tools import add_all\n" + (
        _ask(f'    tools = [{CALC}]\n    add_all(tools, user)  # expect: CL202\n'))},
    "a method of the project's class appends": {"app.py": HEAD + (
        "class Registry:\n"
        "    def fill(self, tools, user):\n"
        f"        tools.extend([{MINE}])  # expect: CL202\n"
        + _ask(f'    tools = [{CALC}]\n    Registry().fill(tools, user)\n'))},
    "a classmethod appends": {"app.py": HEAD + (
        "class Registry:\n"
        "    @classmethod\n"
        "    def fill(cls, tools, user):\n"
        f"        tools.append({MINE})  # expect: CL202\n"
        + _ask(f'    tools = [{CALC}]\n    Registry.fill(tools, user)\n'))},
    "helpers that hand the list on to json.dumps only keep its finding": {"app.py": HEAD + (
        "import json\n"
        "def render(tools):\n"
        "    return json.dumps(tools)\n"
        "def show(tools):\n"
        "    return render(tools)\n"
        + _ask(f'    tools = [{MINE}]  # expect: CL202\n    for name in user.split():\n        show(tools)\n'
               '    show(tools)\n'))},
    # ---- a callee the analysis cannot see: unknown from there on
    "a library function is handed the list (silent)": {"app.py": HEAD + "from toolkit import register\n" + (
        _ask(f'    tools = [{MINE}]\n    register(tools)\n'))},
    "a builtin, json.dumps and a logger are handed the list": {"app.py": HEAD + (
        "import json, logging\nlogger = logging.getLogger(__name__)\n"
        + _ask(f'    tools = [{MINE}]  # expect: CL202\n    print(len(tools))\n'
                '    logger.info(tools)\n    text = json.dumps(tools)\n'))},
    "a callback parameter is handed the list (silent)": {"app.py": HEAD + (
        "def ask_with(user, q, hook):\n"
        f"    tools = [{MINE}]\n"
        "    hook(tools)\n"
        "    return client.chat.completions.create(model='gpt-4.1', tools=tools, messages=[\n"
        "        {'role': 'system', 'content': RULES}, {'role': 'user', 'content': q}])\n")},
    # ---- another name for the same list
    "an alias of the list is appended to": {"app.py": HEAD + (
        _ask(f'    tools = [{CALC}]\n    more = tools\n    more.append({MINE})  # expect: CL202\n'))},
    "a copy of the list is appended to (silent)": {"app.py": HEAD + (
        _ask(f'    tools = [{CALC}]\n    more = list(tools)\n    more.append({MINE})\n'))},
    # ---- in a loop
    "a helper appends in a loop over names": {"app.py": HEAD + (
        "def add_mine(tools, user):\n"
        f"    tools.append({MINE})  # expect: CL202\n"
        + _ask(f'    tools = [{CALC}]\n    for name in user.split():\n        add_mine(tools, name)\n'))},
    "a library function in a loop (silent)": {"app.py": HEAD + "from toolkit import register\n" + (
        _ask(f'    tools = [{MINE}]\n    for name in user.split():\n        register(tools)\n'))},
}

ANTHROPIC = "from anthropic import Anthropic\n" + RULES + 'CALC = {"name": "calc", "description": "Calculate.", ' \
    '"input_schema": {"type": "object"}}\n'
MINE_SPEC = '{"name": "mine", "description": f"Orders of {user}.", "input_schema": {"type": "object"}}'
ASK_SELF = ("    def ask(self, q):\n"
            "        return self.client.messages.create(model='claude-sonnet-4-5', max_tokens=100, tools={tools},\n"
            "            system=RULES, messages=[{{'role': 'user', 'content': q}}])\n")


def _agent(init: str, methods: str = "", tools: str = "self.tools", head: str = "") -> dict[str, str]:
    return {"app.py": ANTHROPIC + head + "class Agent:\n    def __init__(self, user):\n"
            "        self.client = Anthropic()\n" + init + methods + ASK_SELF.format(tools=tools)}


# Kept on `self` and set up per instance, the user's tool is per session, which no rule reports:
# what the request holds is read in --show-prompt. (case: project, what it shows, what it must not)
CLASS_CASES: dict[str, tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]] = {
    "a tool appended in __init__ after the list is set": (
        _agent(f"        self.tools = [CALC]\n        self.tools.append({MINE_SPEC})\n"),
        ("tools[1] *", "in tool `mine`"), ("unknown",)),
    "a list set in __init__ and left alone": (
        _agent("        self.tools = [CALC]\n        self.user = user\n"),
        ("tools[0] *", '"calc"'), ("tools[1]", "unknown")),
    "__init__ hands the list to a function that appends": (
        _agent("        self.tools = [CALC]\n        fill(self.tools, user)\n",
               head=f"def fill(tools, user):\n    tools.append({MINE_SPEC})\n"),
        ("tools[1] *", "in tool `mine`", "changed in place by fill()"), ("unknown",)),
    "__init__ hands the list to a function that reads it": (
        _agent("        self.tools = [CALC]\n        self.n = count(self.tools)\n",
               head="def count(tools):\n    return len(tools)\n"),
        ("tools[0] *", '"calc"'), ("tools[1]", "unknown")),
    "a method registers tools in a dict by name": (
        _agent(f"        self.registry = {{'mine': {MINE_SPEC}}}\n",
               "    def register(self, name, spec):\n        self.registry[name] = spec\n",
               tools="list(self.registry.values())"),
        ("unknown", "changed in place by register() (app.py:"), ("in tool `mine`",)),
    "a method reads the dict of tools": (
        _agent(f"        self.registry = {{'mine': {MINE_SPEC}}}\n",
               "    def names(self):\n        return list(self.registry)\n", tools="list(self.registry.values())"),
        ("in tool `mine`",), ("changed in place",)),
    "a method clears the list through a local name": (
        _agent(f"        self.tools = [{MINE_SPEC}]\n",
               "    def forget(self):\n        tools = self.tools\n        tools.clear()\n", tools="self.tools"),
        ("changed in place by forget() (app.py:",), ("in tool `mine`",)),
    "a method reads the list through a local name": (
        _agent(f"        self.tools = [{MINE_SPEC}]\n",
               "    def size(self):\n        tools = self.tools\n        return len(tools)\n", tools="self.tools"),
        ("in tool `mine`",), ("changed in place",)),
    "a method hands the dict to a library": (
        _agent(f"        self.tools = {{'mine': {MINE_SPEC}}}\n",
               "    def load(self):\n        register(self.tools)\n", tools="list(self.tools.values())",
               head="from toolkit import register\n"),
        ("handed to register() at app.py:", "which may change it"), ("in tool `mine`",)),
    "a method hands the dict to the SDK": (
        _agent(f"        self.tools = {{'mine': {MINE_SPEC}}}\n",
               "    def count(self):\n        return self.client.messages.count_tokens(\n"
               "            model='claude-sonnet-4-5', tools=list(self.tools.values()), messages=[])\n",
               tools="list(self.tools.values())"),
        ("in tool `mine`",), ("may change it", "changed in place")),
    "a method registers a tool by appending": (
        _agent("        self.tools = [CALC]\n", "    def register_tool(self, t):\n        self.tools.append(t)\n"),
        ("tools[1] *", "items added by the instance's methods"), ()),
}


def _request_line(text: str) -> int:
    return text.splitlines().index("    def ask(self, q):") + 2


@pytest.mark.parametrize("name", sorted(CLASS_CASES))
def test_list_kept_on_self_changed_in_place(project: Path, run: Callable[..., Run], name: str) -> None:
    files, shows, hides = CLASS_CASES[name]
    write_tree(project, files)
    shown = run("--show-prompt", f"app.py:{_request_line(files['app.py'])}")
    assert shown.exit_code == 0, shown.stderr
    table = shown.stdout.split("  * = preamble")[0]
    for text in shows:
        assert text in table
    for text in hides:
        assert text not in table


@pytest.mark.parametrize("name", sorted(CASES))
def test_list_changed_in_place(project: Path, run: Callable[..., Run], name: str) -> None:
    found, _ = lint(project, run, CASES[name])
    assert found == expected(CASES[name])


def test_show_prompt_names_the_call_that_may_change_the_tools(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, CASES["a library function is handed the list (silent)"])
    shown = run("--show-prompt", "app.py:8")
    assert shown.exit_code == 0, shown.stderr
    assert "handed to register() at app.py:7, which may change it" in shown.stdout
    assert "tools *" in shown.stdout and "unknown" in shown.stdout


def test_show_prompt_shows_the_tool_a_helper_appends(project: Path, run: Callable[..., Run]) -> None:
    """Followed item by item: the helper's tool after the literal one, where each is written."""
    write_tree(project, {"app.py": ANTHROPIC + (
        "def add(tools):\n"
        '    tools.append({"name": "lookup", "description": "Look up.", "input_schema": {"type": "object"}})\n'
        "def ask(q):\n"
        "    tools = [CALC]\n"
        "    add(tools)\n"
        "    return Anthropic().messages.create(model='claude-sonnet-4-5', max_tokens=100, tools=tools,\n"
        "        system=RULES, messages=[{'role': 'user', 'content': q}])\n")})
    shown = run("--show-prompt", "app.py:9")
    assert shown.exit_code == 0, shown.stderr
    rows = [line for line in shown.stdout.splitlines() if "tools[" in line]
    assert len(rows) == 2
    assert '"calc"' in rows[0] and "app.py:3:" in rows[0]
    assert '"lookup"' in rows[1] and "app.py:5:" in rows[1]


MODULE_TABLE = HEAD + "import json\n" + (
    f"TOOLS = [{CALC}]\n"
    "def add_tools(tools):\n"
    f"    tools.append({CALC.replace('calc', 'lookup')})\n"
    "def setup():\n"
    "    {call}(TOOLS)\n"
    "def ask(q):\n"
    "    return client.chat.completions.create(model='gpt-4.1', tools=TOOLS, messages=[\n"
    "        {'role': 'system', 'content': RULES}, {'role': 'user', 'content': q}])\n")


def test_a_module_table_a_function_hands_to_a_changing_call_is_unknown(project: Path,
                                                                       run: Callable[..., Run]) -> None:
    write_tree(project, {"app.py": MODULE_TABLE.replace("{call}", "add_tools")})
    shown = run("--show-prompt", "app.py:12")
    assert shown.exit_code == 0, shown.stderr
    assert "module table changed in place by add_tools(), called from setup()" in shown.stdout
    assert "literal tool definitions" not in shown.stdout


def test_a_module_table_a_function_only_reads_stays_known(project: Path, run: Callable[..., Run]) -> None:
    write_tree(project, {"app.py": MODULE_TABLE.replace("{call}", "json.dumps")})
    shown = run("--show-prompt", "app.py:12")
    assert shown.exit_code == 0, shown.stderr
    assert "literal tool definitions" in shown.stdout and "module table" not in shown.stdout


def test_an_object_a_method_hands_to_a_library_is_still_that_object(project: Path, run: Callable[..., Run]) -> None:
    """Only a list or dict can be changed by a call it is handed to: a provider object kept on
    `self` and handed to a library by a method (mem0 hands its LLM object on) is still that object."""
    files = {"app.py": ANTHROPIC + "import atexit\n" + (
        "class Claude:\n"
        "    def __init__(self):\n"
        "        self.client = Anthropic()\n"
        "    def generate(self, q):\n"
        "        return self.client.messages.create(model='claude-sonnet-4-5', max_tokens=100,  # expect: CL401\n"
        "            system=RULES, messages=[{'role': 'user', 'content': q}])\n"
        "class Memory:\n"
        "    def __init__(self):\n"
        "        self.llm = Claude()\n"
        "    def close(self):\n"
        "        atexit.register(self.llm)\n"
        "    def ask(self, q):\n"
        "        return self.llm.generate(q)\n")}
    found, _ = lint(project, run, files)
    assert found == expected(files)
    # the caller reaches the same request (reported once, inside the wrapper: see test_caller_repeats)
    shown = run("--show-prompt", "app.py:17")
    assert shown.exit_code == 0, shown.stderr
    assert "self.llm.generate() -> messages.create" in shown.stdout
    assert "not reported here: CL401" in shown.stdout
