"""The legacy Gemini SDK, `google.generativeai`: the model object carries the system instruction
and tools, `generate_content` / `send_message` the content. Calls are recognised only on an object
shown to be a GenerativeModel (or its ChatSession); wrappers are followed as for the other SDKs.

Project cases are small projects written to a temporary folder: every file is linted and the
findings must be exactly the lines marked `# expect: CODE`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_project import run_project  # the same `# expect:` projects as issue 3's tests
from test_providers import analyse, one  # the same single-module analysis

from cachelint.analysis.project import Project
from cachelint.cli import cli as cli_main
from cachelint.prompt import AssembledPrompt, Stability
from cachelint.rules.examples import GEMINI_PRELUDE
from cachelint.run.check import assemble_module

S, P, V, U = Stability.STATIC, Stability.TURN, Stability.VOLATILE, Stability.UNKNOWN

LEGACY = "import google.generativeai as genai\n"
# About 5,000 estimated Gemini tokens: above every Gemini model's minimum (2,048 to 4,096).
MANUAL_MOD = 'MANUAL = "Follow the troubleshooting manual step by step and quote the step you are on. " * 330\n'
# About 1,400 estimated tokens: below Gemini 2.5's 2,048.
POLICY_MOD = 'POLICY = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'


def in_project(tmp_path: Path, code: str) -> list[AssembledPrompt]:
    """The prompts of one module analysed as part of a project (instances and classes followed)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "bot.py").write_text(code)
    project = Project(str(tmp_path))
    mod = project.load(str(tmp_path / "bot.py"))
    assert mod is not None
    return assemble_module(mod, project)


def shape(prompt: AssembledPrompt) -> list[tuple[str, Stability, bool]]:
    return [(s.slot, s.stability, s.in_preamble) for s in prompt.segments]


# ---------------------------------------------------------------- recognised calls, rebuilt prompts

def test_the_real_app_is_recognised() -> None:
    p = one(LEGACY + '''
safety_settings = None
class Gemini:
    def inference(self, model_id: str, prompt: str) -> str:
        config = genai.GenerationConfig(temperature=0)
        model = genai.GenerativeModel(model_id, generation_config=config)
        response = model.generate_content(prompt, safety_settings=safety_settings)
        return response.text
''')
    assert (p.call.provider.value, p.call.api, p.call.model) == ("gemini", "GenerativeModel.generate_content", None)
    assert shape(p) == [("contents", P, False)]
    assert p.segments[0].passthrough
    assert [q.name for q in p.params] == ["safety_settings", "model", "generation_config"]
    config = p.param("generation_config")
    assert config is not None and config.value == {"temperature": 0}  # GenerationConfig is a plain dict


def test_constructor_slots_render_before_the_content() -> None:
    p = one(LEGACY + '''
def ask(q):
    model = genai.GenerativeModel(
        model_name="models/gemini-2.5-flash",
        system_instruction="Be nice.",
        tools=[{"function_declarations": [{"name": "f", "description": "d"}]}],
        generation_config={"temperature": 0.2},
    )
    return model.generate_content([genai.protos.Content(role="user", parts=[genai.protos.Part(text=q)])])
''')
    assert p.call.model == "gemini-2.5-flash"  # "models/" dropped
    assert shape(p) == [("tools", S, True), ("system_instruction", S, True),
                        ("contents[0].parts (user)[0].text", P, False)]
    assert p.segments[1].text == "Be nice."
    assert [q.name for q in p.params] == ["model", "generation_config"]


def test_positional_constructor_arguments_and_a_call_level_tools_override() -> None:
    # GenerativeModel(model_name, safety_settings, generation_config, tools, tool_config, system_instruction)
    p = one(LEGACY + '''
def ask(q, extra):
    model = genai.GenerativeModel("gemini-2.5-pro", None, None, [{"name": "a"}], None, "Rules.")
    return model.generate_content(contents=q, tools=extra, stream=True)
''')
    assert p.call.model == "gemini-2.5-pro"
    assert shape(p) == [("tools", P, True), ("system_instruction", S, True), ("contents", P, False)]
    assert [q.name for q in p.params] == ["stream", "model", "safety_settings", "generation_config", "tool_config"]


@pytest.mark.parametrize("imports, ctor", [
    ("import google.generativeai as genai", "genai.GenerativeModel"),
    ("from google import generativeai as genai", "genai.GenerativeModel"),
    ("import google.generativeai", "google.generativeai.GenerativeModel"),
    ("from google.generativeai import GenerativeModel", "GenerativeModel"),
    ("from google.generativeai.generative_models import GenerativeModel", "GenerativeModel"),
])
def test_import_forms(imports: str, ctor: str) -> None:
    p = one(f'''{imports}
def ask(q):
    return {ctor}("gemini-2.5-flash", system_instruction="Rules.").generate_content(q)
''')
    assert (p.call.api, p.call.model) == ("GenerativeModel.generate_content", "gemini-2.5-flash")
    assert shape(p) == [("system_instruction", S, True), ("contents", P, False)]


def test_async_count_tokens_and_chat() -> None:
    prompts = analyse(LEGACY + '''
model = genai.GenerativeModel("gemini-2.5-flash", system_instruction="Rules.")
async def ask(q):
    return await model.generate_content_async(q)
def count(q):
    return model.count_tokens(q)
async def chat(q):
    session = model.start_chat(history=[{"role": "user", "parts": ["Hi."]}, {"role": "model", "parts": ["Hello."]}])
    session.send_message(q)
    return await session.send_message_async(content=q)
''')
    assert [p.call.api for p in prompts] == ["GenerativeModel.generate_content", "GenerativeModel.count_tokens",
                                            "ChatSession.send_message", "ChatSession.send_message"]
    assert shape(prompts[3]) == [
        ("system_instruction", S, True), ("history[0].parts (user)[0]", S, False),
        ("history[1].parts (model)[0]", S, False), ("content", P, False)]
    assert [s.text for s in prompts[3].segments[:3]] == ["Rules.", "Hi.", "Hello."]


def test_model_attribute_set_in_init_is_followed(tmp_path: Path) -> None:
    prompts = in_project(tmp_path, LEGACY + '''
class Bot:
    def __init__(self):
        self.model = genai.GenerativeModel("gemini-2.5-pro", system_instruction="Rules.")
        self.chat = self.model.start_chat()
    def reply(self, q):
        return self.model.generate_content(q).text
    def talk(self, q):
        return self.chat.send_message(q).text
''')
    assert [(p.call.api, p.call.model) for p in prompts] == [
        ("GenerativeModel.generate_content", "gemini-2.5-pro"), ("ChatSession.send_message", "gemini-2.5-pro")]
    assert all(shape(p)[0] == ("system_instruction", S, True) for p in prompts)


def test_a_model_set_in_two_places_keeps_both_system_instructions(tmp_path: Path) -> None:
    (p,) = in_project(tmp_path, LEGACY + '''
class Bot:
    def __init__(self, terse):
        if terse:
            self.model = genai.GenerativeModel("gemini-2.5-flash", system_instruction="Be terse.")
        else:
            self.model = genai.GenerativeModel("gemini-2.5-flash", system_instruction="Be thorough.")
    def reply(self, q):
        return self.model.generate_content(q)
''')
    assert p.call.model == "gemini-2.5-flash"
    assert p.segments[0].slot == "system_instruction"
    assert set(p.segments[0].alternatives) == {"Be terse.", "Be thorough."}


def test_a_model_known_only_from_its_type_hides_its_system_instruction() -> None:
    p = one(LEGACY + '''
def ask(model: genai.GenerativeModel, q):
    return model.generate_content(q)
''')
    assert shape(p) == [("system_instruction", U, True), ("contents", P, False)]
    assert not p.complete


# ---------------------------------------------------------------- what is not recognised

@pytest.mark.parametrize("code", [
    # an object the analysis cannot show to be a GenerativeModel
    LEGACY + "def ask(thing, q):\n    return thing.generate_content(q)\n",
    LEGACY + "def ask(q):\n    return get_model().generate_content('Rules. ' + q)\n",
    LEGACY + "def chat(session, q):\n    return session.send_message(q)\n",
    # a project class that happens to have the same name and methods
    LEGACY + '''
class GenerativeModel:
    def generate_content(self, prompt):
        return prompt
def ask(q):
    return GenerativeModel().generate_content(q)
''',
    # a model object has no `models` API, and is no chat session
    LEGACY + '''
def ask(q):
    model = genai.GenerativeModel("gemini-2.5-flash")
    model.send_message(q)
    return model.models.generate_content(model="gemini-2.5-flash", contents=q)
''',
    # a google.genai client has no legacy methods
    GEMINI_PRELUDE + "def ask(q):\n    return client.generate_content(q)\n",
    # Slack's `send_message` in a file that imports the legacy SDK
    LEGACY + "import slack\nbot = slack.Client()\ndef notify(text):\n    bot.send_message(text)\n",
])
def test_not_recognised(code: str) -> None:
    assert analyse(code) == []


def test_the_google_genai_client_is_still_recognised_beside_it() -> None:
    prompts = analyse(GEMINI_PRELUDE + LEGACY + '''
def ask(q):
    model = genai.GenerativeModel("gemini-2.5-flash")
    return model.generate_content(q)
''' + '''
from google import genai as new_genai
new_client = new_genai.Client()
def ask_new(q):
    return new_client.models.generate_content(model="gemini-2.5-pro", contents=q)
''')
    assert [(p.call.api, p.call.model) for p in prompts] == [
        ("GenerativeModel.generate_content", "gemini-2.5-flash"), ("models.generate_content", "gemini-2.5-pro")]


# ---------------------------------------------------------------- findings across modules

CASES: dict[str, dict[str, str]] = {
    "system instruction: a clock and a customer name before the manual; the fixed twins": {
        "app/__init__.py": "",
        "app/prompts.py": MANUAL_MOD + POLICY_MOD,
        "app/support.py": LEGACY + "from datetime import datetime\nfrom app.prompts import MANUAL, POLICY\n"
        "def stamped(q):\n"
        "    model = genai.GenerativeModel('gemini-2.5-flash',\n"
        "                                  system_instruction=f'Now: {datetime.now()}\\n' + MANUAL)  # expect: CL102\n"
        "    return model.generate_content(q).text\n"
        "def stamped_last(q):\n"
        "    model = genai.GenerativeModel('gemini-2.5-flash', system_instruction=MANUAL)\n"
        "    return model.generate_content(f'Now: {datetime.now()}\\n{q}').text\n"
        "def named(customer, q):\n"
        "    model = genai.GenerativeModel('gemini-2.5-flash',\n"
        "                                  system_instruction=f'Customer: {customer}.\\n' + MANUAL)  # expect: CL101\n"
        "    return model.generate_content(q).text\n"
        "def short(q):\n"
        "    model = genai.GenerativeModel('gemini-2.5-pro', system_instruction=POLICY)\n"
        "    return model.generate_content(q).text  # expect: CL201\n",
    },
    "chat sessions: the history follows the system instruction, the message comes last": {
        "app/__init__.py": "",
        "app/prompts.py": MANUAL_MOD,
        "app/chat.py": LEGACY + "from datetime import datetime\nfrom app.prompts import MANUAL\n"
        "class Assistant:\n"
        "    def __init__(self):\n"
        "        self.model = genai.GenerativeModel('gemini-2.5-flash', system_instruction=MANUAL)\n"
        "    def talk(self, history, q):\n"
        "        chat = self.model.start_chat(history=history)\n"
        "        return chat.send_message(q).text\n"
        "    def stamped(self, q):\n"
        "        chat = self.model.start_chat(history=[\n"
        "            {'role': 'user', 'parts': [f'It is {datetime.now()}. ' + MANUAL]},  # expect: CL102\n"
        "            {'role': 'model', 'parts': ['Understood.']}])\n"
        "        return chat.send_message(q).text\n",
    },
    "an object with a generate_content method of its own says nothing": {
        "app/__init__.py": "",
        "app/prompts.py": MANUAL_MOD,
        "app/other.py": LEGACY + "from datetime import datetime\nfrom app.prompts import MANUAL\n"
        "from app.vendor import make_model\n"
        "def ask(thing, q):\n"
        "    return thing.generate_content(f'Now: {datetime.now()}\\n' + MANUAL + q)\n"
        "def ask_made(q):\n"
        "    return make_model().generate_content(f'Now: {datetime.now()}\\n' + MANUAL + q)\n",
        "app/vendor.py": "class Model:\n"
        "    def generate_content(self, text):\n"
        "        return text\n"
        "def make_model():\n"
        "    return Model()\n",
    },
    "wrappers: the prompt is built by the caller in another module": {
        "app/__init__.py": "",
        "app/prompts.py": MANUAL_MOD,
        "app/llm.py": LEGACY + "safety_settings = None\n"
        "class Gemini:\n"
        "    def inference(self, model_id: str, prompt: str) -> str:\n"
        "        config = genai.GenerationConfig(temperature=0)\n"
        "        model = genai.GenerativeModel(model_id, generation_config=config)\n"
        "        response = model.generate_content(prompt, safety_settings=safety_settings)\n"
        "        return response.text\n"
        "def ask(system, question):\n"
        "    model = genai.GenerativeModel('gemini-2.5-flash', system_instruction=system)\n"
        "    return model.generate_content(question).text\n"
        "def converse(system, question):\n"
        "    chat = genai.GenerativeModel('gemini-2.5-flash', system_instruction=system).start_chat()\n"
        "    return chat.send_message(question).text\n",
        "app/service.py": "from datetime import datetime\n"
        "from app.llm import Gemini, ask, converse\nfrom app.prompts import MANUAL\n"
        "gemini = Gemini()\n"
        "def run(user, q):\n"
        "    return gemini.inference('gemini-2.5-flash', f'User {user}.\\n' + MANUAL + q)  # expect: CL101\n"
        "def run_well(user, q):\n"
        "    return gemini.inference('gemini-2.5-flash', MANUAL + f'User {user}.\\n' + q)\n"
        "def stamped(q):\n"
        "    return ask(f'Today is {datetime.now()}.\\n' + MANUAL, q)  # expect: CL102\n"
        "def plain(q):\n"
        "    return ask(MANUAL, f'Today is {datetime.now()}.\\n' + q)\n"
        "def chatty(user, q):\n"
        "    return converse(f'User {user}.\\n' + MANUAL, q)  # expect: CL101\n",
    },
    "Vertex AI's GenerativeModel is the same model object; a project class of that name is not": {
        "app/__init__.py": "",
        "app/prompts.py": MANUAL_MOD,
        "app/vertex.py": "from vertexai.generative_models import GenerativeModel\nfrom app.prompts import MANUAL\n"
        "def named(customer, q):\n"
        "    model = GenerativeModel('gemini-2.5-flash',\n"
        "                            system_instruction=f'Customer: {customer}.\\n' + MANUAL)  # expect: CL101\n"
        "    return model.generate_content(q).text\n"
        "def named_last(customer, q):\n"
        "    model = GenerativeModel('gemini-2.5-flash', system_instruction=MANUAL)\n"
        "    return model.generate_content(f'Customer: {customer}.\\n' + q).text\n",
        "app/lookalike.py": "import vertexai\nfrom app.prompts import MANUAL\n"
        "class GenerativeModel:\n"
        "    def __init__(self, name, system_instruction=''):\n"
        "        self.system_instruction = system_instruction\n"
        "    def generate_content(self, q):\n"
        "        return q\n"
        "def named(customer, q):\n"
        "    model = GenerativeModel('gemini-2.5-flash', system_instruction=f'Customer: {customer}.\\n' + MANUAL)\n"
        "    return model.generate_content(q)\n",
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_project_case(tmp_path: Path, name: str) -> None:
    found, expected, errors = run_project(tmp_path, CASES[name])
    assert errors == []
    assert found == expected


# ---------------------------------------------------------------- the CLI: --show-prompt and JSON

APP = LEGACY + '''from datetime import datetime

from app.prompts import MANUAL


def ask(q):
    model = genai.GenerativeModel("models/gemini-2.5-flash", system_instruction=MANUAL)
    return model.generate_content(q).text


def stamped(q):
    model = genai.GenerativeModel("gemini-3.8-flash", system_instruction=f"Now {datetime.now()}. " + MANUAL)
    return model.generate_content(q).text
'''
NEW_APP = GEMINI_PRELUDE + '''
from app.prompts import MANUAL


def ask(q):
    return client.models.generate_content(model="models/gemini-2.5-flash", contents=q,
                                          config={"system_instruction": MANUAL})
'''


@pytest.fixture()
def cli_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"pyproject.toml": "[project]\nname = 'demo'\n", "app/__init__.py": "", "app/prompts.py": MANUAL_MOD,
             "app/legacy.py": APP, "app/new.py": NEW_APP}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli_main, list(args))
    return result.exit_code, result.stdout


def test_show_prompt_names_the_model_and_counts_like_google_genai(cli_project: Path) -> None:
    code, out = cli("--show-prompt", "app/legacy.py:9")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("app/legacy.py:9:12: gemini GenerativeModel.generate_content, model gemini-2.5-flash: "
                        "2,048-token minimum, cl100k_base (counts are estimates)")
    rows = [line.split() for line in lines[2:4]]
    assert rows[0][:5] == ["1", "system_instruction", "*", "static", "~5,000"]
    assert rows[1][:4] == ["2", "contents", "turn", "-"]
    assert "reaches the 2,048-token minimum" in out and "findings: none" in out
    # the same prompt through google.genai: the same model row and the same count
    _, new = cli("--show-prompt", "app/new.py:10")
    assert "model gemini-2.5-flash: 2,048-token minimum" in new.splitlines()[0]
    assert new.splitlines()[2].split()[4] == "~5,000"


def test_json_reports_the_clock_in_the_system_instruction(cli_project: Path) -> None:
    code, out = cli("--format", "json", "app/")
    assert code == 1
    (finding,) = json.loads(out)
    assert finding["code"] == "CL102"
    assert (finding["path"], finding["line"]) == ("app/legacy.py", 13)
    assert [r["message"] for r in finding["related"]][-1] == "in this call to `GenerativeModel.generate_content`"
    assert "`{datetime.now()}` changes every request" in finding["message"]
    assert "~5,000 static tokens of the system prompt" in finding["message"]
