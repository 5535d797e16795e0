"""Generate a dense corpus: every module builds prompts and calls an LLM SDK.

The corpus measures the analysis itself, not the pre-filter: each service module imports
prompt constants and helpers from other modules of its package, builds prompts with
f-strings (parameters, `datetime.now()`), joins sets, appends to message lists, and calls
the OpenAI and Anthropic SDKs directly and through a project wrapper. The output is
deterministic for a given module count, so runs on different machines lint the same code.

    python bench/corpus.py DEST [--modules 2000]
"""

from __future__ import annotations

import argparse
import os
import random
import textwrap

# Words for prompt text: each package gets its own policy so no two are identical.
_TEXT = (
    "account order refund invoice shipment device firmware warranty subscription customer agent "
    "ticket escalation policy region language tone summary answer question context history "
    "billing plan upgrade cancel payment receipt tracking carrier return exchange replacement "
    "setup network camera thermostat doorbell lock schedule automation notification privacy "
    "security password verification identity address email phone chat transcript feedback"
)
_WORDS = _TEXT.split()

MODULES_PER_PACKAGE = 20  # service modules per package, besides prompts.py and helpers.py


def _paragraph(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 16))]
        out.append(" ".join(words).capitalize() + ".")
    return textwrap.fill(" ".join(out), 96)


def _prompts_module(rng: random.Random, pkg: str) -> str:
    policy = _paragraph(rng, 120)  # about 1,500 tokens: above every provider's minimum
    style = _paragraph(rng, 6)
    return f'''"""Prompt text for {pkg}: module-level constants, known exactly."""

from __future__ import annotations

POLICY = """\\
{policy}
"""

STYLE = """\\
{style}
"""

CAPABILITIES = {{"search", "summarise", "translate", "refund", "escalate"}}
TOOLS = [
    {{"type": "function", "name": "lookup_order", "parameters": {{"type": "object", "properties": {{}}}}}},
    {{"type": "function", "name": "open_ticket", "parameters": {{"type": "object", "properties": {{}}}}}},
]
'''


def _helpers_module(pkg: str) -> str:
    return f'''"""Prompt builders for {pkg}."""

from __future__ import annotations

from datetime import date, datetime

from app.{pkg}.prompts import CAPABILITIES, POLICY, STYLE


def branded(brand: str) -> str:
    return POLICY + "\\n" + STYLE + f"\\nYou speak for {{brand}}."


def brand_first(brand: str) -> str:
    return f"You speak for {{brand}}.\\n" + POLICY


def stamped() -> str:
    return f"Now: {{datetime.now():%H:%M:%S}}\\n" + POLICY


def dated() -> str:
    return POLICY + f"\\nToday is {{date.today():%Y-%m-%d}}."


def capabilities_unsorted() -> str:
    return "You can: " + ", ".join(CAPABILITIES) + "\\n" + POLICY


def capabilities_sorted() -> str:
    return POLICY + "\\nYou can: " + ", ".join(sorted(CAPABILITIES))


def history(turns: list[tuple[str, str]], question: str) -> list[dict[str, str]]:
    messages = [{{"role": "system", "content": POLICY}}]
    for role, text in turns:
        messages.append({{"role": role, "content": text}})
    messages.append({{"role": "user", "content": question}})
    return messages
'''


_LLM = '''"""A thin wrapper around the OpenAI client, shared by every package."""

from __future__ import annotations

from openai import OpenAI

client = OpenAI()


def chat(system: str, messages: list[dict[str, str]], model: str = "gpt-4.1") -> str:
    response = client.chat.completions.create(
        model=model,
        messages=[{"role": "system", "content": system}, *messages],
    )
    return response.choices[0].message.content or ""
'''

# Function templates for service modules: {n} is a per-module number, {pkg} the package.
_FUNCTIONS = (
    '''
def answer_{n}(user_name: str, question: str) -> str:
    response = client.responses.create(
        model="gpt-4.1",
        instructions=f"The user is {{user_name}}.\\n" + POLICY,
        input=question,
    )
    return response.output_text
''',
    '''
def answer_ok_{n}(user_name: str, question: str) -> str:
    response = client.responses.create(
        model="gpt-4.1",
        instructions=POLICY,
        input=f"The user is {{user_name}}.\\n{{question}}",
    )
    return response.output_text
''',
    '''
def clock_{n}(question: str) -> str:
    instructions = f"Current time: {{datetime.now():%Y-%m-%d %H:%M}}\\n\\n{{POLICY}}\\n{{STYLE}}"
    response = client.responses.create(model="gpt-4.1", instructions=instructions, input=question)
    return response.output_text
''',
    '''
def claude_{n}(question: str, turns: list[tuple[str, str]]) -> str:
    messages = []
    for role, text in turns:
        messages.append({{"role": role, "content": text}})
    messages.append({{"role": "user", "content": question}})
    message = claude.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=POLICY + "\\n" + STYLE,
        messages=messages,
        cache_control={{"type": "ephemeral"}},
    )
    return message.content[0].text
''',
    '''
def helper_{n}(brand: str, question: str) -> str:
    system = brand_first(brand)
    completion = client.chat.completions.create(
        model="gpt-4.1-mini",
        messages=[{{"role": "system", "content": system}}, {{"role": "user", "content": question}}],
    )
    return completion.choices[0].message.content or ""
''',
    '''
def stamped_{n}(question: str) -> str:
    completion = client.chat.completions.create(
        model="gpt-4.1",
        messages=[{{"role": "system", "content": stamped()}}, {{"role": "user", "content": question}}],
    )
    return completion.choices[0].message.content or ""
''',
    '''
def wrapped_{n}(brand: str, question: str) -> str:
    return chat(capabilities_unsorted(), [{{"role": "user", "content": f"{{brand}}: {{question}}"}}])
''',
    '''
def wrapped_ok_{n}(question: str, turns: list[tuple[str, str]]) -> str:
    return chat(capabilities_sorted(), history(turns, question)[1:])
''',
    '''
def short_{n}(text: str) -> str:
    prompt = "Summarise in one line."
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{{"role": "system", "content": prompt}}, {{"role": "user", "content": text}}],
    )
    return completion.choices[0].message.content or ""
''',
    '''
def tools_{n}(question: str) -> str:
    response = client.responses.create(
        model="gpt-4.1",
        instructions=dated(),
        tools=TOOLS,
        input=question,
    )
    return response.output_text
''',
)

_SERVICE_HEADER = '''"""Service {name} of {pkg}: requests built several ways."""

from __future__ import annotations

from datetime import datetime

from anthropic import Anthropic
from openai import OpenAI

from app.llm import chat
from app.{pkg}.helpers import brand_first, capabilities_sorted, capabilities_unsorted, dated, history, stamped
from app.{pkg}.prompts import POLICY, STYLE, TOOLS

client = OpenAI()
claude = Anthropic()
'''


def _service_module(rng: random.Random, pkg: str, name: str, index: int) -> str:
    chosen = rng.sample(range(len(_FUNCTIONS)), k=5)
    body = "".join(_FUNCTIONS[i].format(n=index * 10 + i) for i in sorted(chosen))
    return _SERVICE_HEADER.format(name=name, pkg=pkg) + body


def generate(dest: str, modules: int = 2000, seed: int = 6) -> int:
    """Write a corpus of `modules` Python files under `dest`; return how many were written."""
    rng = random.Random(seed)
    app = os.path.join(dest, "app")
    os.makedirs(app, exist_ok=True)
    files: dict[str, str] = {
        os.path.join(dest, "pyproject.toml"): '[project]\nname = "dense"\nversion = "0"\n',
        os.path.join(app, "__init__.py"): "",
        os.path.join(app, "llm.py"): _LLM,
    }
    written = 2  # app/__init__.py and app/llm.py
    package = 0
    while written < modules:
        pkg = f"pkg{package:04d}"
        base = os.path.join(app, pkg)
        files[os.path.join(base, "__init__.py")] = ""
        files[os.path.join(base, "prompts.py")] = _prompts_module(rng, pkg)
        files[os.path.join(base, "helpers.py")] = _helpers_module(pkg)
        written += 3
        for i in range(MODULES_PER_PACKAGE):
            if written >= modules:
                break
            name = f"service_{i:02d}"
            files[os.path.join(base, name + ".py")] = _service_module(rng, pkg, name, package * 100 + i)
            written += 1
        package += 1
    for path, text in files.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    return sum(1 for p in files if p.endswith(".py"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest")
    parser.add_argument("--modules", type=int, default=2000)
    args = parser.parse_args()
    count = generate(args.dest, args.modules)
    print(f"wrote {count} modules under {args.dest}")


if __name__ == "__main__":
    main()
