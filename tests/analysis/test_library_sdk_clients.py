"""The SDK clients model: client constructors and typed request parameters."""

from __future__ import annotations

from pathlib import Path

from library_support import prompts

CODE = '''\
{imp}

client = {ctor}


def ask(q):
    return client.{method}
'''


def test_each_sdk_client_is_recognised_with_its_provider(tmp_path: Path) -> None:
    cases = [
        ("from openai import AsyncOpenAI", "AsyncOpenAI()",
         'chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": q}])', "openai"),
        ("import anthropic", "anthropic.AnthropicBedrock()",
         'messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": q}])', "anthropic"),
        ("from google import genai", "genai.Client()", 'models.generate_content(model="gemini-2.5-flash", contents=q)',
         "gemini"),
    ]
    for i, (imp, ctor, method, provider) in enumerate(cases):
        root = tmp_path / str(i)
        root.mkdir()
        (prompt,) = prompts(root, CODE.format(imp=imp, ctor=ctor, method=method))
        assert prompt.call.provider == provider


def test_a_class_merely_named_like_a_client_is_not_one(tmp_path: Path) -> None:
    code = CODE.format(imp="from mylib import OpenAI", ctor="OpenAI()",
                       method='chat.completions.create(model="gpt-4.1", messages=[])')
    assert prompts(tmp_path, code, {"mylib.py": "class OpenAI:\n    pass\n"}) == []


def test_typed_params_are_dicts_of_their_keywords(tmp_path: Path) -> None:
    code = '''\
from google import genai
from google.genai import types

client = genai.Client()


def ask(q):
    config = types.GenerateContentConfig(system_instruction="Be kind.")
    return client.models.generate_content(model="gemini-2.5-flash", contents=q, config=config)
'''
    (prompt,) = prompts(tmp_path, code)
    texts = [s.text for s in prompt.segments if s.slot == "config.system_instruction"]
    assert texts == ["Be kind."]
