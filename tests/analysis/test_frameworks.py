"""Framework entry points as wrappers (issue 18, construct 5): litellm's completion functions,
langchain's chat models, and Bedrock's runtime client (`converse`, `invoke_model`) and
AnthropicBedrock. Each is a small project linted through the CLI: the findings must be exactly
the lines marked `# expect: CODE`, and a look-alike that is not the framework stays silent.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from cachelint.cli import cli as cli_main

# About 2,000 estimated Claude tokens (1,800 exact o200k tokens): above Claude Sonnet's 1,024.
POLICY = ('POLICY = "Always cite the relevant section of the support policy and never guess an answer. " * 120\n'
          'CC = {"type": "ephemeral"}\n')
_EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")
_FINDING = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):\d+: (?P<code>CL\d{3}) ")


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli_main, ["--no-cache", *args])
    return result.exit_code, result.stdout


def lint(root: Path, files: dict[str, str]) -> tuple[int, set[tuple[str, int, str]], set[tuple[str, int, str]], str]:
    """Write `files`, lint the project through the CLI: exit code, findings, the findings the
    files mark with `# expect:`, and the output."""
    expected: set[tuple[str, int, str]] = set()
    for name, text in files.items():
        text = textwrap.dedent(text)
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
        for n, line in enumerate(text.splitlines(), start=1):
            m = _EXPECT.search(line)
            if m:
                expected |= {(name, n, c) for c in m.group(1).replace(",", " ").split()}
    code, out = cli("--format", "concise", ".")
    found = {(m["path"], int(m["line"]), m["code"]) for line in out.splitlines() if (m := _FINDING.match(line))}
    return code, found, expected, out


def check(root: Path, files: dict[str, str]) -> str:
    code, found, expected, out = lint(root, files)
    assert found == expected, out
    assert code == (1 if expected else 0), out
    return out


# ---------------------------------------------------------------- litellm

def test_litellm_completion_with_the_user_name_first_is_cl101(project: Path) -> None:
    check(project, {"app.py": '''
        from litellm import completion
        from prompts import POLICY


        def ask(user_name, q):
            return completion(model="gpt-4.1", messages=[
                {"role": "system", "content": f"You help {user_name}. " + POLICY},  # expect: CL101
                {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


def test_a_project_function_called_completion_is_not_litellm(project: Path) -> None:
    check(project, {"app.py": '''
        from prompts import POLICY
        import litellm  # imported, but `completion` below is the project's own


        def completion(model, messages):
            return model, messages


        def ask(user_name, q):
            return completion(model="gpt-4.1", messages=[
                {"role": "system", "content": f"You help {user_name}. " + POLICY},
                {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


def test_litellm_anthropic_model_without_a_marker_is_cl401(project: Path) -> None:
    out = check(project, {"app.py": '''
        import litellm
        from prompts import POLICY


        def ask(q):
            return litellm.completion(model="anthropic/claude-sonnet-4-5", messages=[  # expect: CL401
                {"role": "system", "content": POLICY},
                {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})
    assert "of `claude-sonnet-4-5`" in out


def test_an_attribute_stored_on_the_module_does_not_make_it_a_local_name(project: Path) -> None:
    # `litellm.drop_params = True` inside the function binds no name (Python semantics): the
    # `litellm` read below is still the imported module, and its completion call is recognised.
    check(project, {"app.py": '''
        import litellm
        from prompts import POLICY


        def ask(q, strict):
            if not strict:
                litellm.drop_params = True
            litellm.headers["x-app"] = "demo"
            return litellm.completion(model="anthropic/claude-sonnet-4-5", messages=[  # expect: CL401
                {"role": "system", "content": POLICY},
                {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


def test_a_local_name_bound_in_the_function_still_shadows_the_module(project: Path) -> None:
    # The twin: here `litellm` is rebound in the function, so the call is not the module's.
    check(project, {"app.py": '''
        import litellm
        from prompts import POLICY
        from client import make_client


        def ask(q):
            litellm = make_client()
            litellm.drop_params = True
            return litellm.completion(model="anthropic/claude-sonnet-4-5", messages=[
                {"role": "system", "content": POLICY},
                {"role": "user", "content": q}])


        def ask_walrus(q):
            if (litellm := make_client()) is not None:
                litellm.drop_params = True
                return litellm.completion(model="anthropic/claude-sonnet-4-5", messages=[
                    {"role": "system", "content": POLICY},
                    {"role": "user", "content": q}])
        ''', "prompts.py": POLICY, "client.py": "def make_client(): ...\n"})


def test_litellm_anthropic_model_with_a_marker_is_silent(project: Path) -> None:
    # on a content block, and on a message whose content is a string (litellm moves it onto the text)
    check(project, {"app.py": '''
        import litellm
        from prompts import CC, POLICY


        def ask(q):
            return litellm.completion(model="anthropic/claude-sonnet-4-5", messages=[
                {"role": "system", "content": [{"type": "text", "text": POLICY, "cache_control": CC}]},
                {"role": "user", "content": q}])


        def ask_message_marker(q):
            return litellm.completion(model="claude-sonnet-4-5", messages=[
                {"role": "system", "content": POLICY, "cache_control": CC},
                {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


def test_async_litellm_with_a_clock_in_the_system_prompt_is_cl102(project: Path) -> None:
    check(project, {"app.py": '''
        import datetime
        import litellm
        from prompts import POLICY


        async def ask(q):
            now = datetime.datetime.now().isoformat()
            return await litellm.acompletion(model="gemini/gemini-2.5-pro", messages=[
                {"role": "system", "content": f"Time: {now}\\n" + POLICY + POLICY},  # expect: CL102
                {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


def test_litellm_provider_comes_from_the_model_prefix(project: Path) -> None:
    (project / "prompts.py").write_text(POLICY)
    (project / "app.py").write_text(textwrap.dedent('''
        import litellm
        from prompts import POLICY


        def ask(q):
            return litellm.completion(model="gemini/gemini-2.5-flash", messages=[
                {"role": "system", "content": POLICY}, {"role": "user", "content": q}])
        '''))
    code, out = cli("--show-prompt", "app.py:7")
    assert code == 0
    assert out.splitlines()[0].startswith("app.py:7:12: gemini litellm.completion, model gemini-2.5-flash")


def test_litellm_to_an_openai_compatible_provider_gets_the_ordering_rules(project: Path) -> None:
    # groq/ is Groq's OpenAI-compatible endpoint: the same findings as the OpenAI SDK with that
    # base_url (ordering rules, no size rule); a provider cachelint has no facts for is silent
    check(project, {"app.py": '''
        import litellm
        from prompts import POLICY


        def ask(user_name, q):
            return litellm.completion(model="groq/llama-3.3-70b-versatile", messages=[
                {"role": "system", "content": f"You help {user_name}. " + POLICY},  # expect: CL101
                {"role": "user", "content": q}])


        def ask_short(q):
            return litellm.completion(model="deepseek/deepseek-chat", messages=[
                {"role": "system", "content": "Answer in one short line."}, {"role": "user", "content": q}])


        def ask_cohere(user_name, q):
            return litellm.completion(model="cohere/command-r-plus", messages=[
                {"role": "system", "content": f"You help {user_name}. " + POLICY},
                {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


def test_litellm_with_a_model_not_shown_keeps_ordering_findings_only(project: Path) -> None:
    # the model comes from configuration: CL101 holds for any provider, a size finding would not
    check(project, {"app.py": '''
        import os
        import litellm
        from prompts import POLICY


        def ask(user_name, q):
            return litellm.completion(model=os.environ["MODEL"], messages=[
                {"role": "system", "content": f"You help {user_name}. Answer in one short line."},
                {"role": "user", "content": q}])


        def ask_long(user_name, q):
            return litellm.completion(model=os.environ["MODEL"], messages=[
                {"role": "system", "content": f"You help {user_name}. " + POLICY},  # expect: CL101
                {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


def test_a_litellm_wrapper_is_reported_where_the_prompt_is_built(project: Path) -> None:
    check(project, {"llm.py": '''
        from litellm import completion as llm_call


        def chat(messages, model="anthropic/claude-sonnet-4-5"):
            return llm_call(model=model, messages=messages)
        ''', "app.py": '''
        from llm import chat
        from prompts import CC, POLICY


        def ask(user_name, q):
            return chat([{"role": "system", "content": f"Hi {user_name}. " + POLICY},  # expect: CL101, CL401
                         {"role": "user", "content": q}])


        def ask_cached(q):
            return chat([{"role": "system", "content": [{"type": "text", "text": POLICY, "cache_control": CC}]},
                         {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


def test_litellm_positional_model_and_messages_are_read(project: Path) -> None:
    # completion(model, messages): a wrapper passing its messages positionally is followed too
    check(project, {"llm.py": '''
        from litellm import completion


        def chat(messages):
            return completion("anthropic/claude-sonnet-4-5", messages)
        ''', "app.py": '''
        from llm import chat
        from prompts import POLICY


        def ask(user_name, q):
            return chat([{"role": "system", "content": f"Hi {user_name}. " + POLICY},  # expect: CL101, CL401
                         {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


def test_litellm_router_sends_to_the_model_its_group_names(project: Path) -> None:
    out = check(project, {"app.py": '''
        import litellm
        from prompts import POLICY

        router = litellm.Router(model_list=[
            {"model_name": "main", "litellm_params": {"model": "anthropic/claude-sonnet-4-5"}}])


        async def ask(q):
            return await router.acompletion(model="main", messages=[  # expect: CL401
                {"role": "system", "content": POLICY},
                {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})
    assert "of `claude-sonnet-4-5`" in out


def test_litellm_router_alias_not_mapped_keeps_ordering_findings_only(project: Path) -> None:
    # The group's model comes from the environment: no size or marker rule (the model is not
    # known), the ordering rules still apply; --show-prompt says the model is a router alias.
    check(project, {"app.py": '''
        import os
        import litellm
        from prompts import POLICY

        router = litellm.Router(model_list=[{"model_name": "main", "litellm_params": {"model": os.environ["M"]}}])


        async def ask(q):
            return await router.acompletion(model="main", messages=[
                {"role": "system", "content": POLICY},
                {"role": "user", "content": q}])


        async def ask_named(user, q):
            return await router.acompletion(model="main", messages=[
                {"role": "system", "content": f"You help {user}. " + POLICY},  # expect: CL101
                {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})
    code, shown = cli("--show-prompt", "app.py:10")
    assert code == 0 and "litellm Router model group `main`" in shown, shown
    assert "(model: the litellm Router's model group `main`, whose model is not shown)" in shown, shown


def test_an_acompletion_method_of_a_project_object_is_not_a_router(project: Path) -> None:
    check(project, {"app.py": '''
        import litellm
        from prompts import POLICY


        class Router:
            async def acompletion(self, model, messages):
                return messages


        router = Router()


        async def ask(q):
            return await router.acompletion(model="anthropic/claude-sonnet-4-5", messages=[
                {"role": "system", "content": POLICY},
                {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


# ---------------------------------------------------------------- langchain

def test_langchain_chat_openai_with_tuples_is_cl101(project: Path) -> None:
    check(project, {"app.py": '''
        from langchain_openai import ChatOpenAI
        from prompts import POLICY

        llm = ChatOpenAI(model="gpt-4.1", temperature=0)


        def ask(user_name, q):
            return llm.invoke([("system", f"Hi {user_name}. " + POLICY), ("human", q)])  # expect: CL101
        ''', "prompts.py": POLICY})


def test_init_chat_model_takes_the_provider_from_the_prefix_or_model_provider(project: Path) -> None:
    out = check(project, {"app.py": '''
        from langchain.chat_models import init_chat_model
        from prompts import POLICY

        claude = init_chat_model("anthropic:claude-sonnet-4-5", max_tokens=1024)
        gpt = init_chat_model(model="gpt-4.1", model_provider="openai", temperature=0)
        Schema = {"title": "Answer", "type": "object", "properties": {"text": {"type": "string"}}}


        def ask(q):
            return claude.invoke([("system", POLICY), ("human", q)])  # expect: CL401


        def ask_gpt(user_name, q):
            structured = gpt.with_structured_output(Schema)
            return structured.invoke([("system", f"Hi {user_name}. " + POLICY), ("human", q)])  # expect: CL101
        ''', "prompts.py": POLICY})
    assert "of `claude-sonnet-4-5`" in out


def test_a_configurable_init_chat_model_gets_the_ordering_rules_only(project: Path) -> None:
    # No model shown: any provider. The user name ahead of the long policy breaks caching
    # whatever the provider (CL101); the short prompt says nothing about size (model unknown).
    check(project, {"app.py": '''
        import os
        from langchain.chat_models import init_chat_model
        from prompts import POLICY

        configurable = init_chat_model(configurable_fields=("model", "max_tokens", "api_key"))


        async def ask(user_name, q):
            return await configurable.ainvoke([("system", f"Hi {user_name}. " + POLICY), ("human", q)])  # expect: CL101


        def ask_configured(user_name, q, settings):
            model = init_chat_model(model=settings.model, model_provider=settings.provider)
            return model.invoke([("system", f"Hi {user_name}. " + POLICY), ("human", q)])  # expect: CL101


        def ask_configured(user_name, q, settings):
            model = init_chat_model(model=settings.model, model_provider=settings.provider)
            return model.invoke([("system", f"Hi {user_name}. " + POLICY), ("human", q)])  # expect: CL101


        def ask_short(q):
            tools = [{"type": "function", "function": {"name": "f"}}]
            model = init_chat_model(model=os.environ["MODEL"]).bind_tools(tools)
            return model.invoke([("system", "Answer in one line. " + POLICY[:100]), ("human", q)])
        ''', "prompts.py": POLICY})


def test_init_chat_model_of_a_provider_without_caching_facts_is_silent(project: Path) -> None:
    # The twin: a provider cachelint has no facts for, a model name langchain cannot place, and
    # a project function of the same name are not modelled.
    check(project, {"app.py": '''
        from langchain.chat_models import init_chat_model
        from prompts import POLICY

        groq = init_chat_model("groq:llama-3.3-70b-versatile")
        mine = init_chat_model(model="my-finetune")


        def ask(user_name, q):
            return groq.invoke([("system", f"Hi {user_name}. " + POLICY), ("human", q)])


        def ask_mine(user_name, q):
            return mine.invoke([("system", f"Hi {user_name}. " + POLICY), ("human", q)])
        ''', "own.py": '''
        import openai  # the module names an SDK: its calls are looked for
        from prompts import POLICY


        class Model:
            def invoke(self, messages):
                return messages


        def init_chat_model(**kwargs):
            return Model()


        def ask(user_name, q):
            return init_chat_model(configurable_fields=("model",)).invoke(
                [("system", f"Hi {user_name}. " + POLICY), ("human", q)])
        ''', "prompts.py": POLICY})


def test_invoke_on_something_else_is_not_langchain(project: Path) -> None:
    # the project's own class named ChatOpenAI (browser-use has one), and a plain object's invoke
    check(project, {"app.py": '''
        import openai  # the module names an SDK: its calls are looked for
        from prompts import POLICY


        class ChatOpenAI:
            def __init__(self, model):
                self.model = model

            def invoke(self, messages):
                return messages


        class Agent:
            def invoke(self, messages):
                return messages


        llm = ChatOpenAI(model="gpt-4.1")


        def ask(user_name, q):
            return llm.invoke([("system", f"Hi {user_name}. " + POLICY), ("human", q)])


        def ask_agent(user_name, q):
            return Agent().invoke([{"role": "system", "content": f"Hi {user_name}. " + POLICY},
                                   {"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


def test_langchain_batch_is_not_read_as_one_message_list(project: Path) -> None:
    # batch takes a list of inputs, each a request of its own: two questions are not two turns
    check(project, {"app.py": '''
        from langchain_openai import ChatOpenAI
        from prompts import POLICY

        llm = ChatOpenAI(model="gpt-4.1")


        def ask_both(user_name):
            return llm.batch([f"Hi {user_name}. Summarise this.", POLICY])
        ''', "prompts.py": POLICY})


def test_langchain_chat_anthropic_without_a_marker_is_cl401(project: Path) -> None:
    check(project, {"app.py": '''
        from langchain_anthropic import ChatAnthropic
        from langchain_core.messages import HumanMessage, SystemMessage
        from prompts import CC, POLICY

        llm = ChatAnthropic(model="claude-sonnet-4-5", max_tokens=1024)


        def ask(q):
            return llm.invoke([SystemMessage(content=POLICY), HumanMessage(content=q)])  # expect: CL401


        def ask_cached(q):
            system = SystemMessage(content=[{"type": "text", "text": POLICY, "cache_control": CC}])
            return llm.invoke([system, HumanMessage(q)])
        ''', "prompts.py": POLICY})


def test_langchain_gemini_stream_with_a_clock_is_cl102(project: Path) -> None:
    check(project, {"app.py": '''
        import time
        from langchain_google_genai import ChatGoogleGenerativeAI
        from prompts import POLICY


        def ask(q):
            llm = ChatGoogleGenerativeAI(model="gemini-2.5-pro")
            return llm.stream([("system", f"t={time.time()} " + POLICY + POLICY), ("user", q)])  # expect: CL102
        ''', "prompts.py": POLICY})


def test_tools_bound_to_a_langchain_model_render_first(project: Path) -> None:
    (project / "prompts.py").write_text(POLICY)
    (project / "app.py").write_text(textwrap.dedent('''
        from langchain_anthropic import ChatAnthropic
        from prompts import POLICY

        TOOLS = [{"name": "lookup", "description": "Find an order.", "input_schema": {"type": "object"}}]
        llm = ChatAnthropic(model="claude-sonnet-4-5").bind_tools(TOOLS)


        def ask(q):
            return llm.ainvoke([("system", POLICY), ("human", q)])
        '''))
    code, out = cli("--show-prompt", "app.py:10")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("app.py:10:12: anthropic ChatAnthropic.invoke, model claude-sonnet-4-5")
    slots = [line.split()[1] for line in lines[2:5]]
    assert slots == ["tools[0]", "messages[0].content", "messages[1].content"]


def test_a_langchain_wrapper_is_reported_at_the_caller(project: Path) -> None:
    check(project, {"llm.py": '''
        from langchain_anthropic import ChatAnthropic

        llm = ChatAnthropic(model="claude-sonnet-4-5")


        def chat(messages):
            return llm.invoke(messages)
        ''', "app.py": '''
        from llm import chat
        from prompts import POLICY


        def ask(user_name, q):
            return chat([("system", f"Hi {user_name}. " + POLICY), ("human", q)])  # expect: CL101, CL401
        ''', "prompts.py": POLICY})


# ---------------------------------------------------------------- Bedrock

def test_bedrock_converse_without_a_cache_point_is_cl401(project: Path) -> None:
    out = check(project, {"app.py": '''
        import boto3
        from prompts import POLICY

        brt = boto3.client("bedrock-runtime", region_name="us-east-1")


        def ask(q):
            return brt.converse(modelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0",  # expect: CL401
                                system=[{"text": POLICY}],
                                messages=[{"role": "user", "content": [{"text": q}]}])


        def ask_cached(q):
            return brt.converse(modelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                                system=[{"text": POLICY}, {"cachePoint": {"type": "default"}}],
                                messages=[{"role": "user", "content": [{"text": q}]}])
        ''', "prompts.py": POLICY})
    assert "no `cachePoint` in this call" in out


def test_bedrock_cache_point_after_the_user_name_is_cl101_and_cl403(project: Path) -> None:
    check(project, {"app.py": '''
        import boto3
        from prompts import POLICY


        def ask(user_name, q):
            client = boto3.Session(profile_name="dev").client("bedrock-runtime")
            return client.converse_stream(
                modelId="anthropic.claude-3-7-sonnet-20250219-v1:0",
                system=[{"text": f"Hi {user_name}. " + POLICY},  # expect: CL101
                        {"cachePoint": {"type": "default"}}],  # expect: CL403
                messages=[{"role": "user", "content": [{"text": q}]}])
        ''', "prompts.py": POLICY})


def test_bedrock_calls_that_are_not_claude_are_silent(project: Path) -> None:
    # a Nova model (other caching facts), and `converse` on a client of another service
    check(project, {"app.py": '''
        import boto3
        from prompts import POLICY

        brt = boto3.client("bedrock-runtime")
        other = boto3.client("bedrock-agent-runtime")


        def ask(user_name, q):
            return brt.converse(modelId="amazon.nova-pro-v1:0", system=[{"text": f"Hi {user_name}. " + POLICY}],
                                messages=[{"role": "user", "content": [{"text": q}]}])


        def ask_other(user_name, q):
            return other.converse(modelId="anthropic.claude-3-7-sonnet-20250219-v1:0",
                                  system=[{"text": f"Hi {user_name}. " + POLICY}],
                                  messages=[{"role": "user", "content": [{"text": q}]}])
        ''', "prompts.py": POLICY})


def test_bedrock_invoke_model_reads_the_anthropic_body(project: Path) -> None:
    check(project, {"app.py": '''
        import json
        import boto3
        from prompts import CC, POLICY

        brt = boto3.client("bedrock-runtime")
        MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


        def ask(user_name, q):
            body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 512,
                               "system": f"Hi {user_name}. " + POLICY,  # expect: CL101
                               "messages": [{"role": "user", "content": q}]})
            return brt.invoke_model(modelId=MODEL, body=body)  # expect: CL401


        def ask_cached(q):
            return brt.invoke_model(modelId=MODEL, body=json.dumps({
                "anthropic_version": "bedrock-2023-05-31", "max_tokens": 512,
                "system": [{"type": "text", "text": POLICY, "cache_control": CC}],
                "messages": [{"role": "user", "content": q}]}))


        def ask_llama(user_name, q):
            body = json.dumps({"prompt": f"Hi {user_name}. " + POLICY + q})
            return brt.invoke_model(modelId="meta.llama3-70b-instruct-v1:0", body=body)
        ''', "prompts.py": POLICY})


def test_anthropic_bedrock_client_is_an_anthropic_call(project: Path) -> None:
    check(project, {"app.py": '''
        from anthropic import AnthropicBedrock
        from prompts import CC, POLICY

        client = AnthropicBedrock(aws_region="us-east-1")


        def ask(q):
            return client.messages.create(  # expect: CL401
                model="us.anthropic.claude-sonnet-4-5-20250929-v1:0", max_tokens=512, system=POLICY,
                messages=[{"role": "user", "content": q}])


        def ask_cached(q):
            return client.messages.create(
                model="us.anthropic.claude-sonnet-4-5-20250929-v1:0", max_tokens=512,
                system=[{"type": "text", "text": POLICY, "cache_control": CC}],
                messages=[{"role": "user", "content": q}])
        ''', "prompts.py": POLICY})


def test_bedrock_tool_cache_point_and_streamed_invoke_model(project: Path) -> None:
    # a cachePoint after the tools marks them; invoke_model_with_response_stream on an inference
    # profile ARN reads the same body as invoke_model
    check(project, {"app.py": '''
        import json
        import boto3
        from prompts import POLICY

        ARN = "arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0"


        def ask_tools(q):
            brt = boto3.client("bedrock-runtime")
            return brt.converse(modelId="anthropic.claude-3-7-sonnet-20250219-v1:0", system=[{"text": "Be brief."}],
                                toolConfig={"tools": [{"toolSpec": {"name": "policy", "description": POLICY,
                                                                    "inputSchema": {"json": {"type": "object"}}}},
                                                      {"cachePoint": {"type": "default"}}]},
                                messages=[{"role": "user", "content": [{"text": q}]}])


        def ask_streamed(q):
            brt = boto3.client(service_name="bedrock-runtime")
            body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "system": POLICY, "max_tokens": 100,
                               "messages": [{"role": "user", "content": q}]})
            return brt.invoke_model_with_response_stream(modelId=ARN, body=body)  # expect: CL401
        ''', "prompts.py": POLICY})


def test_litellm_injection_points_leave_the_markers_unknown(project: Path) -> None:
    check(project, {"app.py": '''
        import litellm
        from prompts import POLICY


        def ask(q):
            return litellm.completion(
                model="anthropic/claude-sonnet-4-5",
                messages=[{"role": "system", "content": POLICY}, {"role": "user", "content": q}],
                cache_control_injection_points=[{"location": "message", "role": "system"}])
        ''', "prompts.py": POLICY})


def test_structured_output_on_claude_is_a_tool_ahead_of_the_system_prompt(project: Path) -> None:
    (project / "prompts.py").write_text(POLICY)
    (project / "app.py").write_text(textwrap.dedent('''
        from pydantic import BaseModel
        from langchain_anthropic import ChatAnthropic
        from langchain_core.messages import ChatMessage, HumanMessage
        from prompts import POLICY


        class Answer(BaseModel):
            text: str


        def ask(q):
            llm = ChatAnthropic(model="claude-sonnet-4-5").with_structured_output(Answer)
            return llm.invoke([HumanMessage(q), ChatMessage(role="system", content=POLICY)])
        '''))
    code, out = cli("--show-prompt", "app.py:14")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("app.py:14:12: anthropic ChatAnthropic.invoke, model claude-sonnet-4-5")
    slots = [line.split()[1] for line in lines[2:5]]
    assert slots == ["tools[0]", "messages[0].content", "messages[1].content"]
    assert "(system)" in lines[3] and "(user)" in lines[4]


def test_fix_writes_no_sdk_marker_into_a_framework_call(project: Path) -> None:
    # CL401's safe fix adds `cache_control=` to an Anthropic SDK call; litellm, langchain and
    # Bedrock take their markers elsewhere, so --fix leaves their calls as written
    text = textwrap.dedent('''
        import boto3
        import litellm
        from langchain_anthropic import ChatAnthropic
        from prompts import POLICY

        llm = ChatAnthropic(model="claude-sonnet-4-5")
        brt = boto3.client("bedrock-runtime")


        def ask(q):
            return litellm.completion(model="anthropic/claude-sonnet-4-5", messages=[
                {"role": "system", "content": POLICY}, {"role": "user", "content": q}])


        def ask_langchain(q):
            return llm.invoke([("system", POLICY), ("human", q)])


        def ask_bedrock(q):
            return brt.converse(modelId="anthropic.claude-3-7-sonnet-20250219-v1:0", system=[{"text": POLICY}],
                                messages=[{"role": "user", "content": [{"text": q}]}])
        ''')
    (project / "prompts.py").write_text(POLICY)
    (project / "app.py").write_text(text)
    code, out = cli("--fix", "--format", "concise", ".")
    assert code == 1, out
    assert [line.split()[1] for line in out.splitlines() if _FINDING.match(line)] == ["CL401"] * 3, out
    assert (project / "app.py").read_text() == text


def test_fix_moves_a_litellm_block_marker_but_not_a_bedrock_cache_point(project: Path) -> None:
    # litellm sends content blocks as written, so CL403's fix (the marker moved onto the block
    # before) holds there; a Bedrock cachePoint is a block of its own, which the fix cannot move
    bedrock = textwrap.dedent('''
        import boto3
        from prompts import POLICY

        brt = boto3.client("bedrock-runtime")


        def ask(user_name, q):
            return brt.converse(modelId="anthropic.claude-3-7-sonnet-20250219-v1:0",
                                system=[{"text": POLICY}, {"text": f" You help {user_name}."},
                                        {"cachePoint": {"type": "default"}}],
                                messages=[{"role": "user", "content": [{"text": q}]}])
        ''')
    (project / "prompts.py").write_text(POLICY)
    (project / "bedrock_app.py").write_text(bedrock)
    (project / "app.py").write_text(textwrap.dedent('''
        import litellm
        from prompts import CC, POLICY


        def ask(user_name, q):
            return litellm.completion(model="anthropic/claude-sonnet-4-5", messages=[
                {"role": "system", "content": [{"type": "text", "text": POLICY},
                                               {"type": "text", "text": f"Hi {user_name}.", "cache_control": CC}]},
                {"role": "user", "content": q}])
        '''))
    code, out = cli("--fix", "--format", "concise", ".")
    assert code == 1, out
    assert [line.split(":")[0] for line in out.splitlines() if " CL403 " in line] == ["bedrock_app.py"], out
    assert (project / "bedrock_app.py").read_text() == bedrock
    fixed = (project / "app.py").read_text()
    assert '"text": POLICY, "cache_control": CC}' in fixed and '"text": f"Hi {user_name}."}' in fixed


def test_show_prompt_says_why_a_framework_call_is_not_checked(project: Path) -> None:
    (project / "app.py").write_text(textwrap.dedent('''
        import boto3
        import litellm

        brt = boto3.client("bedrock-runtime")


        def ask(q):
            return brt.converse(modelId="amazon.nova-pro-v1:0", messages=[{"role": "user", "content": [{"text": q}]}])


        def ask_cohere(q):
            return litellm.completion(model="cohere/command-r", messages=[{"role": "user", "content": q}])
        '''))
    code, out = cli("--show-prompt", "app.py")
    assert code == 0, out
    assert "(not checked: `modelId` is not shown to be a Claude model" in out
    assert "(not checked: litellm sends `cohere/command-r` to a provider whose caching" in out
    assert "no prompt arguments found" not in out
