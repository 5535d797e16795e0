"""Where an OpenAI SDK client sends its requests (issue 18, precision): a client given a
`base_url` that is not OpenAI's, or one the analysis cannot follow, reaches a provider whose
caching facts are not known. The size rules (CL201) and OpenAI's cache-parameter rules (CL3xx)
then stay silent, while the ordering rules (CL101, CL102) still apply.

Each case is a small project linted with the CLI: the findings must be exactly the lines marked
`# expect: CODE`. Every case that silences a rule has a twin that reaches OpenAI and reports."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from expect_cases import expected, lint

# ~350 static tokens on gpt-4.1: below the 1,024-token minimum but above the 256 where padding
# would pay off, so OpenAI's facts give CL201 and nothing else.
SHORT = '"Answer from the handbook and cite the section you used. " * 35'
# ~1,400 static tokens: a per-user value before them is CL101, a timestamp CL102.
RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'


def call(client: str = "client", system: str = SHORT, extra: str = "") -> str:
    return (f"    return {client}.chat.completions.create(model='gpt-4.1', {extra}messages=[  # expect: CL201\n"
            f"        {{'role': 'system', 'content': {system}}}, {{'role': 'user', 'content': q}}])\n")


def in_method(code: str) -> str:
    """A function body as the body of a method."""
    return textwrap.indent(code, "    ")


def silent(code: str) -> str:
    """The same code with its CL201 mark removed: the provider is not known to be OpenAI."""
    return code.replace("  # expect: CL201", "")


# (name, the project reaching OpenAI: CL201, the twin whose endpoint is another or unknown)
PAIRS: list[tuple[str, dict[str, str], dict[str, str]]] = [
    ("a base_url literal: OpenAI's own host, or an unknown gateway",
     {"app.py": "from openai import OpenAI\nclient = OpenAI(base_url='https://api.openai.com/v1')\n"
                "def ask(q):\n" + call()},
     {"app.py": "from openai import OpenAI\nclient = OpenAI(base_url='https://llm-gateway.example.com/v1')\n"
                "def ask(q):\n" + silent(call())}),
    ("a base_url from a parameter",
     {"app.py": "from openai import OpenAI\ndef make(url=None):\n    return OpenAI()\n"
                "def ask(q):\n    client = make()\n" + call()},
     {"app.py": "from openai import OpenAI\ndef make(url):\n    return OpenAI(base_url=url)\n"
                "def ask(q, url):\n    client = make(url)\n" + silent(call())}),
    ("a base_url read from the environment",
     {"app.py": "import os\nfrom openai import OpenAI\nclient = OpenAI(api_key=os.getenv('OPENAI_API_KEY'))\n"
                "def ask(q):\n" + call()},
     {"app.py": "import os\nfrom openai import OpenAI\n"
                "client = OpenAI(base_url=os.getenv('OPENAI_BASE_URL', 'https://api.openai.com/v1'))\n"
                "def ask(q):\n" + silent(call())}),
    ("the environment variable the SDK reads, set by the module",
     {"app.py": "import os\nfrom openai import OpenAI\nos.environ['OPENAI_LOG'] = 'debug'\nclient = OpenAI()\n"
                "def ask(q):\n" + call()},
     {"app.py": "import os\nfrom openai import OpenAI\nos.environ['OPENAI_BASE_URL'] = 'http://10.0.0.5:8000/v1'\n"
                "client = OpenAI()\ndef ask(q):\n" + silent(call())}),
    ("a base_url assigned after the client is built",
     {"app.py": "from openai import OpenAI\nclient = OpenAI()\nclient.base_url = 'https://api.openai.com/v1'\n"
                "def ask(q):\n" + call()},
     {"app.py": "from openai import OpenAI\nclient = OpenAI()\n"
                "def configure(url):\n    client.base_url = url\n"
                "def ask(q):\n" + silent(call())}),
    ("the client built from keywords in a dict, by a class handed to a helper (deepeval's DeepSeekModel)",
     {"app.py": "from openai import AsyncOpenAI, OpenAI\n"
                "class Model:\n"
                "    def __init__(self):\n        self.retries = 0\n"
                "    def _build(self, cls):\n"
                "        kw = dict(api_key='k', max_retries=self.retries)\n        return cls(**kw)\n"
                "    def ask(self, q):\n        client = self._build(OpenAI)\n"
                + in_method(call())},
     {"app.py": "from openai import AsyncOpenAI, OpenAI\n"
                "class DeepSeekModel:\n"
                "    def __init__(self):\n"
                "        self.base_url = 'https://api.deepseek.com'\n        self.kwargs = {}\n"
                "    def _build(self, cls):\n"
                "        kw = dict(api_key='k', base_url=self.base_url, **self.kwargs)\n        return cls(**kw)\n"
                "    def ask(self, q):\n        client = self._build(OpenAI)\n"
                + in_method(silent(call()))}),
    ("options spread into the constructor",
     {"app.py": "from openai import OpenAI\nOPTIONS = {'api_key': 'k', 'max_retries': 0}\n"
                "client = OpenAI(**OPTIONS)\ndef ask(q):\n" + call()},
     {"app.py": "from openai import OpenAI\ndef make(options):\n    return OpenAI(**options)\n"
                "def ask(q, options):\n    client = make(options)\n" + silent(call())}),
    ("one of two clients",
     {"app.py": "from openai import OpenAI\ndef ask(q, fast):\n"
                "    client = OpenAI(timeout=5) if fast else OpenAI()\n" + call()},
     {"app.py": "from openai import OpenAI\ndef ask(q, cloud):\n"
                "    client = OpenAI() if cloud else OpenAI(base_url='https://api.deepseek.com')\n" + silent(call())}),
    ("AsyncOpenAI like OpenAI",
     {"app.py": "from openai import AsyncOpenAI\nclient = AsyncOpenAI()\n"
                "async def ask(q):\n" + call().replace("return ", "return await ")},
     {"app.py": "import os\nfrom openai import AsyncOpenAI\nclient = AsyncOpenAI(base_url=os.environ['LLM_URL'])\n"
                "async def ask(q):\n" + silent(call()).replace("return ", "return await ")}),
]


@pytest.mark.parametrize(("name", "reaches_openai", "elsewhere"), PAIRS, ids=[p[0] for p in PAIRS])
def test_openai_facts_only_for_an_openai_endpoint(project: Path, run: Callable[..., Run], name: str,
                                                  reaches_openai: dict[str, str], elsewhere: dict[str, str]) -> None:
    found, got = lint(project, run, reaches_openai)
    assert found == expected(reaches_openai) != set(), got.stdout
    for path in reaches_openai:
        (project / path).unlink()
    found, got = lint(project, run, elsewhere)
    assert found == expected(elsewhere), got.stdout


def test_an_azure_client_is_openai_wherever_its_endpoint_comes_from(project: Path, run: Callable[..., Run]) -> None:
    # Azure OpenAI serves OpenAI's models with OpenAI's caching: an endpoint from the
    # environment does not make its provider unknown
    files = {"app.py": "import os\nfrom openai import AzureOpenAI\n"
                       "client = AzureOpenAI(azure_endpoint=os.environ['AZURE_OPENAI_ENDPOINT'],\n"
                       "                     api_version='2024-10-21')\n"
                       "def ask(q):\n" + call()}
    found, got = lint(project, run, files)
    assert found == expected(files) != set(), got.stdout


def test_the_ordering_rules_still_apply_on_deepseek(project: Path, run: Callable[..., Run]) -> None:
    # DeepSeek through the OpenAI SDK: a timestamp or a user's name ahead of the static rules
    # breaks its prefix cache as OpenAI's; the short prompt of `ask_short` is no finding there
    files = {"app.py": "import datetime\nfrom openai import OpenAI\n" + RULES
                       + "client = OpenAI(base_url='https://api.deepseek.com')\n"
                       "def ask(q):\n"
                       "    system = f'Now: {datetime.datetime.now()}. ' + RULES  # expect: CL102\n"
                       "    return client.chat.completions.create(model='deepseek-chat', messages=[\n"
                       "        {'role': 'system', 'content': system}, {'role': 'user', 'content': q}])\n"
                       "def ask_user(user, q):\n"
                       "    system = f'You help {user}. ' + RULES  # expect: CL101\n"
                       "    return client.chat.completions.create(model='deepseek-chat', messages=[\n"
                       "        {'role': 'system', 'content': system}, {'role': 'user', 'content': q}])\n"
                       "def ask_short(q):\n" + silent(call())}
    found, got = lint(project, run, files)
    assert found == expected(files), got.stdout


def test_openai_cache_parameters_only_on_openai(project: Path, run: Callable[..., Run]) -> None:
    # explicit mode with no breakpoint is CL303 on OpenAI; another endpoint's handling of
    # OpenAI's cache parameters is not known
    extra = "prompt_cache_options={'mode': 'explicit'}, "
    body = ("    return client.chat.completions.create(model='gpt-5.6', EXTRAmessages=[  # expect: CL303\n"
            "        {'role': 'system', 'content': RULES}, {'role': 'user', 'content': q}])\n").replace("EXTRA", extra)
    on_openai = {"app.py": "from openai import OpenAI\n" + RULES + "client = OpenAI()\ndef ask(q):\n" + body}
    found, got = lint(project, run, on_openai)
    assert found == expected(on_openai) != set(), got.stdout
    elsewhere = {"app.py": "from openai import OpenAI\n" + RULES + "def ask(q, url):\n"
                           "    client = OpenAI(base_url=url)\n" + body.replace("  # expect: CL303", "")}
    found, got = lint(project, run, elsewhere)
    assert found == set(), got.stdout


def test_show_prompt_says_why_the_size_rules_are_silent(project: Path, run: Callable[..., Run]) -> None:
    files = {"app.py": "from openai import OpenAI\n"
                       "class Bot:\n"
                       "    def __init__(self, url):\n        self.client = OpenAI(base_url=url)\n"
                       "    def ask(self, q):\n"
                       + in_method(silent(call("self.client"))),
             "gateway.py": "from openai import OpenAI\nclient = OpenAI(base_url='https://llm-gateway.example.com/v1')\n"
                           "def ask(q):\n" + silent(call())}
    found, _ = lint(project, run, files)
    assert found == set()
    got = run("--show-prompt", "app.py")
    assert got.exit_code == 0, got.all
    head = got.stdout.splitlines()[0]
    assert head.startswith("app.py:6:16: openai chat.completions.create, model gpt-4.1: 1,024-token minimum"), head
    assert ("provider unknown: base_url=url not followed, so not known to be an OpenAI endpoint "
            "(size rules and OpenAI cache-parameter rules off, ordering rules on)") in head, head
    got = run("--show-prompt", "gateway.py")
    assert ("provider unknown: base_url='https://llm-gateway.example.com/v1' not an OpenAI endpoint"
            in got.stdout.splitlines()[0]), got.stdout
    # OpenAI itself: no such note
    (project / "openai_app.py").write_text("from openai import OpenAI\nclient = OpenAI()\ndef ask(q):\n" + call())
    got = run("--show-prompt", "openai_app.py")
    assert "provider" not in got.stdout.splitlines()[0] and "CL201" in got.stdout, got.stdout
