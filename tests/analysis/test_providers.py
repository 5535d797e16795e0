"""Anthropic and Gemini prompts: render order, cache markers, parameters; and the provider-specific
findings that do not fit a single rule's examples (Gemini with CL101-CL103 and CL201)."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from cachelint.analysis.assemble import assemble
from cachelint.analysis.calls import find_calls
from cachelint.analysis.evaluate import Evaluator
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.values import Loc
from cachelint.diagnostics import Span
from cachelint.prompt import NOT_STATIC, AssembledPrompt, Breakpoint, MarkerKind, Stability
from cachelint.rules import ALL_RULES
from cachelint.rules._markers import call_model, openai_version
from cachelint.rules.context import RuleContext
from cachelint.rules.examples import ANTHROPIC_PRELUDE, GEMINI_PRELUDE, MANUAL_DEF, POLICY_DEF, PRELUDE
from cachelint.run.lint import lint_files
from cachelint.settings import Settings

S, P, V, U = Stability.STATIC, Stability.TURN, Stability.VOLATILE, Stability.UNKNOWN


def analyse(code: str, path: str = "/proj/app.py") -> list[AssembledPrompt]:
    mod = ModuleInfo(path, code, ast.parse(code))
    ev = Evaluator()

    def span_of(loc: Loc) -> Span:
        if loc.path == mod.path:
            return mod.span(loc.node)
        line, col, end_line, end_col = loc.pos
        return Span(loc.path, max(line, 1), col + 1, max(end_line, 1), end_col + 1)

    return [assemble(found, ev, span_of) for found in find_calls(mod, ev)]


def one(code: str) -> AssembledPrompt:
    (prompt,) = analyse(code)
    return prompt


def slots(prompt: AssembledPrompt) -> list[str]:
    return [s.slot for s in prompt.segments]


def line_of(code: str, marker: str) -> int:
    return next(i for i, line in enumerate(code.splitlines(), 1) if marker in line)


# ---------------------------------------------------------------- Anthropic render order

def test_anthropic_order_is_tools_then_system_then_messages() -> None:
    # keywords in another order than the provider renders them
    p = one(ANTHROPIC_PRELUDE + '''
def reply(q):
    return client.messages.create(
        messages=[{"role": "user", "content": q}],
        system="Be brief.",
        model="claude-sonnet-4-5", max_tokens=10,
        tools=[{"name": "a", "input_schema": {"type": "object"}}, {"name": "b", "input_schema": {}}],
    )
''')
    assert slots(p) == ["tools[0]", "tools[1]", "system", "messages[0].content (user)"]
    assert [s.in_preamble for s in p.segments] == [True, True, True, False]
    assert p.segments[0].text == '{"name": "a", "input_schema": {"type": "object"}}'


def test_system_as_text_blocks_gives_one_segment_per_block() -> None:
    p = one(ANTHROPIC_PRELUDE + '''
def reply(name, q):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10,
        system=[{"type": "text", "text": "Policy."}, {"type": "text", "text": f"User {name}."}],
        messages=[{"role": "user", "content": [{"type": "text", "text": q}]}])
''')
    assert [(s.slot, s.stability, s.text) for s in p.segments[:4]] == [
        ("system[0].text", S, "Policy."),
        ("system[1].text", S, "User "),
        ("system[1].text", P, None),
        ("system[1].text", S, "."),
    ]
    assert p.segments[-1].slot == "messages[0].content (user)[0].text"


def test_marker_is_not_part_of_the_tool_text() -> None:
    p = one(ANTHROPIC_PRELUDE + '''
def reply(q):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10,
        tools=[{"name": "a", "input_schema": {}, "cache_control": CC}], messages=[{"role": "user", "content": q}])
''')
    assert p.segments[0].text == '{"name": "a", "input_schema": {}}'
    assert p.breakpoints[0].block_kind == "tool"


# ---------------------------------------------------------------- breakpoints

MARKED = ANTHROPIC_PRELUDE + '''
CC_1H = {"type": "ephemeral", "ttl": "1h"}
def block(text):
    return {"type": "text", "text": text, "cache_control": CC}
def reply(history, q):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10,
        tools=[{"name": "a", "input_schema": {}}, {"name": "b", "input_schema": {}, "cache_control": CC_1H}],
        system=[{"type": "text", "text": "Policy.", "cache_control": CC}, block("Style.")],
        messages=[*history, {"role": "user", "content": [{"type": "text", "text": q, "cache_control": CC}]}],
        cache_control={"type": "ephemeral"})  # top
'''


def test_breakpoints_in_render_order_with_their_positions() -> None:
    p = one(MARKED)
    bps = p.breakpoints
    assert [b.slot for b in bps] == ["tools[1]", "system[0]", "system[1]",
                                     "messages[1].content (user)[0]", "cache_control"]
    assert [b.order for b in bps] == [0, 1, 2, 3, 4]
    # each marker covers the segments up to and including its block
    assert [p.segments[b.after].slot for b in bps] == [
        "tools[1]", "system[0].text", "system[1].text", "messages[1].content (user)[0].text",
        "messages[1].content (user)[0].text"]
    assert all(b.kind == MarkerKind.CACHE_CONTROL for b in bps)
    assert bps[0].ttl == "1h" and bps[1].ttl is None and bps[1].type == "ephemeral"
    assert bps[-1].top_level and not any(b.top_level for b in bps[:-1])
    # the last block is known (the question), and carries a marker of its own
    assert [b.on_last_block for b in bps] == [False, False, False, True, True]
    assert not p.markers_unknown and p.markers_passed_in  # the history may carry markers


def test_marker_spans_point_where_the_marker_is_written() -> None:
    p = one(MARKED)
    by_slot = {b.slot: b for b in p.breakpoints}
    assert by_slot["system[0]"].span.line == line_of(MARKED, '"Policy.", "cache_control": CC')
    # built in a helper: the helper's block, with a hop to where CC is defined
    helper = by_slot["system[1]"]
    assert helper.span.line == line_of(MARKED, "return {")
    assert helper.hops and helper.hops[0].span.line == line_of(MARKED, "CC = {")
    assert by_slot["cache_control"].span.line == line_of(MARKED, "# top")


def test_conditional_repeated_and_absent_markers() -> None:
    p = one(ANTHROPIC_PRELUDE + '''
def reply(docs, q, pin):
    first = {"type": "text", "text": "Policy."}
    if pin:
        first["cache_control"] = CC
    parts = []
    for d in docs:
        parts.append({"type": "text", "text": d, "cache_control": CC})
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10,
        system=[first, {"type": "text", "text": "x", "cache_control": None}],
        messages=[{"role": "user", "content": [*parts, {"type": "text", "text": q}]}])
''')
    assert [(b.slot, b.conditional, b.repeated) for b in p.breakpoints] == [
        ("system[0]", True, False),
        ("messages[0].content (user)[0]", False, True),
    ]


def test_marker_fields_static_unknown_and_not_a_dict() -> None:
    p = one(ANTHROPIC_PRELUDE + '''
def reply(q, ttl, extra):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system=[
        {"type": "text", "text": "a", "cache_control": {"type": "ephemeral", "ttl": ttl}},
        {"type": "text", "text": "b", "cache_control": {"type": "ephemeral", **extra}},
        {"type": "text", "text": "c", "cache_control": "ephemeral"},
    ], messages=[{"role": "user", "content": q}])
''')
    a, b, c = p.breakpoints
    assert a.ttl is NOT_STATIC and a.complete and a.is_dict
    assert not b.complete and b.ttl is None
    assert not c.is_dict and c.source == '"ephemeral"'


def test_thinking_block_and_message_level_markers() -> None:
    p = one(ANTHROPIC_PRELUDE + '''
def reply(t, s, q):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, messages=[
        {"role": "user", "content": "Hi", "cache_control": CC},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": t, "signature": s, "cache_control": CC}]},
        {"role": "user", "content": [{"type": "text", "text": q}], "cache_control": CC}])
''')
    plain, thinking, listed = p.breakpoints
    assert (plain.block_kind, plain.on_plain_string) == ("message", True)
    assert thinking.block_kind == "thinking"
    assert (listed.block_kind, listed.on_plain_string) == ("message", False)


def test_typed_params_and_async_bedrock_clients() -> None:
    prompts = analyse('''from anthropic import AsyncAnthropic, AnthropicBedrock
from anthropic.types import CacheControlEphemeralParam, TextBlockParam
aclient = AsyncAnthropic()
bedrock = AnthropicBedrock()
async def reply(q):
    await aclient.messages.create(model="claude-sonnet-4-5", max_tokens=10,
        system=[TextBlockParam(type="text", text="Policy.",
                               cache_control=CacheControlEphemeralParam(type="ephemeral"))],
        messages=[{"role": "user", "content": q}])
    bedrock.beta.messages.create(model="anthropic.claude-opus-4-5-20251101-v1:0", max_tokens=10,
        messages=[{"role": "user", "content": q}], cache_control={"type": "ephemeral", "ttl": "1h"})
''')
    assert [p.call.api for p in prompts] == ["messages.create", "messages.create"]
    assert prompts[0].breakpoints[0].fields == (("type", "ephemeral"),)
    assert prompts[1].breakpoints[0].top_level and prompts[1].breakpoints[0].ttl == "1h"


def test_unfollowed_kwargs_may_hide_a_marker() -> None:
    p = one(ANTHROPIC_PRELUDE + '''
def reply(q, **options):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system="x",
                                  messages=[{"role": "user", "content": q}], **options)
''')
    assert p.markers_unknown


def test_a_marker_written_where_the_analysis_cannot_place_it() -> None:
    prompts = analyse(ANTHROPIC_PRELUDE + '''
def mark_last(messages):
    messages[-1]["content"][-1]["cache_control"] = CC
def agent(task):
    messages = [{"role": "user", "content": task}]
    while True:
        results = [{"type": "tool_result", "tool_use_id": "x", "content": "ok"}]
        results[-1]["cache_control"] = {"type": "ephemeral"}
        client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system="x", messages=messages)
        messages.append({"role": "user", "content": results})
def helper_edits(q):
    messages = [{"role": "user", "content": [{"type": "text", "text": q}]}]
    mark_last(messages)
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system="x", messages=messages)
def plain(q):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system="x",
                                  messages=[{"role": "user", "content": q}])
''')
    assert [(p.breakpoints, p.markers_unknown) for p in prompts] == [((), True), ((), True), ((), False)]


def test_static_image_before_a_marker_is_uncounted() -> None:
    p = one(ANTHROPIC_PRELUDE + '''
def reply(q):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, messages=[
        {"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": "https://x/y.png"}},
                                     {"type": "text", "text": "Manual", "cache_control": CC}]},
        {"role": "user", "content": q}])
''')
    assert p.breakpoints[0].uncounted


# ---------------------------------------------------------------- OpenAI

def test_openai_breakpoints_are_recorded_and_segments_unchanged() -> None:
    code = PRELUDE + '''
BP = {"mode": "explicit", "ttl": "30m"}
def reply(q):
    return client.responses.create(model="gpt-5.6", instructions="Rules.", input=[
        {"role": "developer", "content": [{"type": "input_text", "text": "Policy.", "prompt_cache_breakpoint": BP}]},
        {"role": "user", "content": q}], prompt_cache_options={"mode": "explicit"})
'''
    p = one(code)
    assert slots(p) == ["instructions", "input[0].content (developer)[0].text", "input[1].content (user)"]
    (bp,) = p.breakpoints
    assert bp.kind == MarkerKind.PROMPT_CACHE_BREAKPOINT
    assert (bp.mode, bp.ttl, bp.after) == ("explicit", "30m", 1)
    options = p.param("prompt_cache_options")
    assert options is not None and options.static and options.value == {"mode": "explicit"}


def test_params_record_values_and_where_a_volatile_one_comes_from() -> None:
    code = "import uuid\n" + PRELUDE + '''
def reply(q, user_id):
    key = "k-" + str(uuid.uuid4())  # origin
    return client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": q}],
                                          prompt_cache_key=key, user=user_id, metadata={"a": "b"})
'''
    p = one(code)
    assert [q.name for q in p.params] == ["model", "prompt_cache_key", "user", "metadata"]
    key = p.param("prompt_cache_key")
    assert key is not None and key.stability == V and not key.static
    assert key.origin is not None and key.origin.line == line_of(code, "# origin")
    assert key.cause == "uuid.uuid4()"
    user = p.param("user")
    assert user is not None and user.stability == P and user.source == "user_id"
    meta = p.param("metadata")
    assert meta is not None and meta.static and meta.value == {"a": "b"}


def test_tool_conditions() -> None:
    prompts = analyse(PRELUDE + '''
TOOLS = [{"type": "function", "name": "a"}]
ADMIN = {"type": "function", "name": "admin"}
FLAG = True
def filtered(q, allowed):
    return client.responses.create(model="gpt-4.1", tools=[t for t in TOOLS if t["name"] in allowed], input=q)
def appended(q, user):
    tools = list(TOOLS)
    if user.admin:
        tools.append(ADMIN)
    return client.responses.create(model="gpt-4.1", tools=tools, input=q)
def flagged(q):
    tools = list(TOOLS)
    if FLAG:
        tools.append(ADMIN)
    return client.responses.create(model="gpt-4.1", tools=tools, input=q)
def chosen(q, web):
    return client.responses.create(model="gpt-4.1", tools=TOOLS + [ADMIN] if web else TOOLS, input=q)
def wrapper(q, tools=None):
    if tools is None:
        tools = TOOLS
    return client.responses.create(model="gpt-4.1", tools=tools, input=q)
''')
    assert [[c.source for c in p.conditions] for p in prompts] == [
        ['t["name"] in allowed'], ["user.admin"], [], ["web"], []]


# ---------------------------------------------------------------- Gemini

def test_gemini_typed_config_order_and_params() -> None:
    p = one(GEMINI_PRELUDE + '''
def ask(q):
    return client.models.generate_content(
        contents=[types.Content(role="user", parts=[types.Part.from_text(text=q)])],
        model="gemini-2.5-flash",
        config=types.GenerateContentConfig(
            temperature=0.2,
            system_instruction="Be nice.",
            tools=[types.Tool(function_declarations=[types.FunctionDeclaration(name="f", description="d")])],
            cached_content="cachedContents/abc",
        ),
    )
''')
    assert slots(p) == ["config.tools", "config.system_instruction", "contents[0].parts (user)[0].text"]
    assert [s.in_preamble for s in p.segments] == [True, True, False]
    assert [q.name for q in p.params] == ["model", "config.temperature", "config.cached_content"]
    cached = p.param("config.cached_content")
    assert cached is not None and cached.value == "cachedContents/abc"
    assert p.breakpoints == ()


def test_gemini_dict_config_and_plain_contents() -> None:
    p = one(GEMINI_PRELUDE + '''
CONFIG = {"system_instruction": ["Rules.", "Style."]}
def ask(doc, q):
    return client.models.generate_content(model="gemini-2.5-pro", contents=["Manual text.", doc, q], config=CONFIG)
''')
    assert [(s.slot, s.stability) for s in p.segments] == [
        ("config.system_instruction[0]", S), ("config.system_instruction[1]", S),
        ("contents[0]", S), ("contents[1]", P), ("contents[2]", P)]


def test_gemini_system_instruction_as_content_and_async_client() -> None:
    p = one(GEMINI_PRELUDE + '''
async def ask(q):
    return await client.aio.models.generate_content(model="gemini-2.5-flash", contents=q,
        config={"system_instruction": types.Content(parts=[types.Part(text="Rules.")])})
''')
    assert [(s.slot, s.text) for s in p.segments] == [("config.system_instruction[0].text", "Rules."),
                                                      ("contents", None)]


# ---------------------------------------------------------------- helpers of the rules

@pytest.mark.parametrize(("name", "version"), [
    ("gpt-5.6", (5, 6)), ("gpt-5.6-sol", (5, 6)), ("gpt-5.5-pro", (5, 5)), ("gpt-5", (5, 0)),
    ("gpt-5-mini-2025-08-07", (5, 0)), ("gpt-6", (6, 0)), ("openai/gpt-5.1-codex", (5, 1)),
    ("gpt-4o", (4, 0)), ("gpt-4.1-mini-2025-04-14", (4, 0)), ("o3", (4, 0)), ("o4-mini", (4, 0)),
    ("gpt-oss-120b", None), ("my-azure-deployment", None), ("claude-opus-5", None), (None, None),
])
def test_openai_version(name: str | None, version: tuple[int, int] | None) -> None:
    assert openai_version(name) == version


def test_an_anthropic_call_without_a_literal_model_uses_the_claude_fallback() -> None:
    p = one(ANTHROPIC_PRELUDE + '''
def reply(model, q):
    return client.messages.create(model=model, max_tokens=10, messages=[{"role": "user", "content": q}])
''')
    m = call_model(p, RuleContext(Settings(), "/proj/app.py"))
    assert m.provider == "anthropic" and not m.known and m.defaulted and m.min_cache_tokens == 1024


def test_every_rule_sees_the_claude_fallback_when_the_model_is_not_a_literal(tmp_path: Path) -> None:
    """anthropic-quickstarts passes `model=model`: show-prompt named gpt-4.1 (the default) and
    counted with o200k_base; CL201 claimed a 1,024-token minimum that Claude models do not share."""
    code = ANTHROPIC_PRELUDE + '''
def reply(model, q):
    return client.messages.create(model=model, max_tokens=10, system="You are terse. " * 60,
                                  messages=[{"role": "user", "content": q}])
'''
    p = one(code)
    m = RuleContext(Settings(), "/proj/app.py").model(p)
    got = (m.provider, m.name, m.known, m.defaulted, m.encoding)
    assert got == ("anthropic", "claude-*", False, True, "cl100k_base")
    assert lint(tmp_path, code) == []
    # a Claude default model makes the minimum known again
    assert codes(lint(tmp_path, code, default_model="claude-sonnet-4-5")) == [(7, "CL201")]


def test_cl201_on_unknown_models(tmp_path: Path) -> None:
    """An OpenAI-compatible provider that documents no minimum (mem0's grok-3-beta through an
    OpenAI client on api.x.ai) gets no size finding; neither does an Anthropic model the table
    does not hold. A Claude model it holds does."""
    code = PRELUDE.replace("OpenAI()", "OpenAI(base_url='https://api.x.ai/v1')") + '''
def reply(q):
    return client.chat.completions.create(model="grok-3-beta", messages=[{"role": "user", "content": "Hi. " * 300 + q}])
'''
    assert lint(tmp_path, code) == []
    claude = ANTHROPIC_PRELUDE + '''
def reply(q):
    return client.messages.create(model="claude-nova-1", max_tokens=9,
                                  messages=[{"role": "user", "content": "Hi. " * 300 + q}])
'''
    assert lint(tmp_path, claude) == []
    assert codes(lint(tmp_path, claude.replace("claude-nova-1", "claude-sonnet-4-5"))) == [(7, "CL201")]


# ---------------------------------------------------------------- OpenAI-compatible providers

COMPATIBLE_CALL = '''from openai import OpenAI

client = OpenAI(base_url=BASE)
def reply(name, q):
    return client.chat.completions.create(model=MODEL, messages=[
        {"role": "system", "content": f"You help {name}. " + "Answer from the handbook and cite it. " * 140},
        {"role": "user", "content": q}])
'''


def _compatible(base: str, model: str) -> str:
    return COMPATIBLE_CALL.replace("BASE", base).replace("MODEL", repr(model))


@pytest.mark.parametrize(
    ("base", "model", "key"),
    [
        ("'https://api.deepseek.com'", "deepseek-chat", "deepseek"),
        ("'http://localhost:11434/v1'", "llama3.1", "local"),
        ("'https://openrouter.ai/api/v1'", "openai/gpt-4.1", "openrouter"),
    ],
)
def test_the_client_base_url_reaches_the_call(base: str, model: str, key: str) -> None:
    p = one(_compatible(base, model))
    assert p.call.base_url == base.strip("'")
    m = RuleContext(Settings(), "/proj/app.py").model(p)
    assert m.via is not None and m.via.key == key and not m.size_facts


def test_a_base_url_that_is_not_a_string_is_an_unknown_provider() -> None:
    # the deployment decides where the client sends: not known to be OpenAI, so no OpenAI facts
    p = one(_compatible("os.environ['LLM_BASE_URL']", "gpt-4.1").replace("from openai", "import os\nfrom openai"))
    assert p.call.base_url is None and p.call.base_url_unresolved == "os.environ['LLM_BASE_URL']"
    m = RuleContext(Settings(), "/proj/app.py").model(p)
    assert m.via is not None and m.via.key == "unknown" and not m.size_facts


def test_a_client_kept_on_the_instance_keeps_its_base_url(tmp_path: Path) -> None:
    code = '''from openai import OpenAI

class Bot:
    def __init__(self):
        self.client = OpenAI(BASE)

    def reply(self, q):
        return self.client.chat.completions.create(model="gpt-4.1", messages=[
            {"role": "system", "content": "word " * 400}, {"role": "user", "content": q}])
'''
    assert codes(lint(tmp_path, code.replace("BASE", ""))) == [(8, "CL201")]
    assert lint(tmp_path, code.replace("BASE", "base_url='https://api.deepseek.com'")) == []


def test_compatible_providers_keep_the_ordering_rules_and_lose_the_size_rules(tmp_path: Path) -> None:
    # A per-user name before ~1,000 static tokens: CL101 on DeepSeek as on OpenAI.
    deepseek = lint(tmp_path, _compatible("'https://api.deepseek.com'", "deepseek-chat"))
    assert [c for _, c, _ in deepseek] == ["CL101"]
    # Short static text: CL201 on OpenAI's gpt-4.1, never on DeepSeek or a local server.
    short = _compatible("BASE", "gpt-4.1").replace('"Answer from the handbook and cite it. " * 140',
                                                  '"Answer from the handbook and cite it. " * 40')
    on_openai = lint(tmp_path, short.replace("BASE", "'https://api.openai.com/v1'"))
    assert [c for _, c, _ in on_openai] == ["CL201"]
    for base in ("'https://api.deepseek.com'", "'http://127.0.0.1:8000/v1'", "'https://api.together.xyz/v1'"):
        assert lint(tmp_path, short.replace("BASE", base)) == [], base


# ---------------------------------------------------------------- findings on Gemini calls

def lint(tmp_path: Path, code: str, **settings: object) -> list[tuple[int, str, str]]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'example'\n")
    (tmp_path / "example.py").write_text(code)
    st = replace(Settings(root=str(tmp_path)), **settings)  # type: ignore[arg-type]
    result = lint_files([str(tmp_path / "example.py")], st, list(ALL_RULES))
    assert result.errors == []
    return [(d.span.line, d.code, d.message) for d in result.diagnostics]


def codes(found: list[tuple[int, str, str]]) -> list[tuple[int, str]]:
    return [(line, code) for line, code, _ in found]


def test_gemini_cl101_per_call_value_before_the_system_instruction(tmp_path: Path) -> None:
    code = GEMINI_PRELUDE + MANUAL_DEF + '''
def ask(customer, q):
    return client.models.generate_content(model="gemini-2.5-flash", contents=q,
        config=types.GenerateContentConfig(system_instruction=f"Customer: {customer}.\\n" + MANUAL))  # here
'''
    found = lint(tmp_path, code)
    assert codes(found) == [(line_of(code, "# here"), "CL101")]
    assert "~5,000 static tokens of the system prompt" in found[0][2]


def test_gemini_cl101_needs_the_gemini_minimum(tmp_path: Path) -> None:
    # about 1,350 tokens: above OpenAI's 1,024, below Gemini 2.5 Flash's 2,048
    code = GEMINI_PRELUDE + POLICY_DEF + '''
def ask(customer, q):
    return client.models.generate_content(model="gemini-2.5-flash", contents=q,
        config={"system_instruction": f"Customer: {customer}.\\n" + POLICY})
'''
    assert [c for _, c in codes(lint(tmp_path, code))] == ["CL201"]


def test_gemini_cl102_and_cl103(tmp_path: Path) -> None:
    code = "from datetime import datetime\n" + GEMINI_PRELUDE + MANUAL_DEF + '''
DEVICES = {"router", "modem", "repeater"}
def ask(q):
    return client.models.generate_content(model="gemini-3.8-flash", contents=[
        f"Now {datetime.now():%H:%M}. " + MANUAL,  # volatile
        "Devices: " + ", ".join(DEVICES) + "\\n" + MANUAL,  # unordered
        q])
'''
    assert codes(lint(tmp_path, code)) == [(line_of(code, "# volatile"), "CL102"),
                                           (line_of(code, "# unordered"), "CL103")]


def test_gemini_cl201_uses_gemini_minimums(tmp_path: Path) -> None:
    code = GEMINI_PRELUDE + POLICY_DEF + '''
def ask(q):
    return client.models.generate_content(model="gemini-2.5-pro", contents=q,  # here
                                          config={"system_instruction": POLICY})
'''
    found = lint(tmp_path, code)
    assert codes(found) == [(line_of(code, "# here"), "CL201")]
    assert "~1,400 tokens, below the 2,048-token minimum" in found[0][2]


def test_gemini_long_static_prefix_is_fine(tmp_path: Path) -> None:
    code = GEMINI_PRELUDE + MANUAL_DEF + '''
def ask(customer, q):
    return client.models.generate_content(model="gemini-2.5-flash", contents=f"{customer}: {q}",
        config=types.GenerateContentConfig(system_instruction=MANUAL))
'''
    assert lint(tmp_path, code) == []


def test_no_anthropic_rule_fires_on_gemini_or_openai(tmp_path: Path) -> None:
    code = GEMINI_PRELUDE + MANUAL_DEF + '''
from openai import OpenAI
oai = OpenAI()
def ask(q):
    client.models.generate_content(model="gemini-2.5-flash", contents=q, config={"system_instruction": MANUAL})
    oai.responses.create(model="gpt-4.1", instructions=MANUAL, input=q)
'''
    assert lint(tmp_path, code) == []


def test_markers_quantify_with_estimates(tmp_path: Path) -> None:
    code = ANTHROPIC_PRELUDE + POLICY_DEF + '''
def reply(name, q):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=10,
        system=[{"type": "text", "text": POLICY}, {"type": "text", "text": f"User {name}", "cache_control": CC}],
        messages=[{"role": "user", "content": q}])
'''
    ((_, code_, message),) = [f for f in lint(tmp_path, code) if f[1].startswith("CL4")]
    assert code_ == "CL403" and "~1,500-token cache entry" in message


def _bp(**kw: object) -> Breakpoint:
    base = Breakpoint(after=0, slot="system[0]", span=Span("a.py", 1, 1, 1, 2), block_span=Span("a.py", 1, 1, 1, 2))
    return replace(base, **kw)  # type: ignore[arg-type]


def test_breakpoint_accessors() -> None:
    bp = _bp(fields=(("type", "ephemeral"), ("ttl", NOT_STATIC)))
    assert bp.type == "ephemeral" and bp.ttl is NOT_STATIC and bp.mode is None
    assert bp.has("ttl") and not bp.has("mode")
    assert repr(NOT_STATIC) == "<not static>"


def test_marker_rules_say_when_a_family_row_is_assumed(tmp_path: Path) -> None:
    code = ANTHROPIC_PRELUDE + '''
def ask(q):
    return client.messages.create(model=MODEL, max_tokens=5,
        system=[{"type": "text", "text": "word " * 300, "cache_control": CC}],
        messages=[{"role": "user", "content": q}])
'''
    (found,) = lint(tmp_path, code.replace("MODEL", "'claude-haiku-4-5-20991231'"))
    assert found[1] == "CL404"
    assert "of `claude-haiku-4-5-20991231` (the claude-haiku-4-5 family's facts are assumed)" in found[2]
    (listed,) = lint(tmp_path, code.replace("MODEL", "'claude-haiku-4-5-20251001'"))
    assert "of `claude-haiku-4-5-20251001`:" in listed[2]
