"""Templates: string.Template and a Jinja subset, inline or loaded from the project, rendered statically."""

from __future__ import annotations

import ast
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from cachelint.analysis import scopes
from cachelint.analysis.assemble import assemble
from cachelint.analysis.calls import find_calls
from cachelint.analysis.evaluate import Evaluator
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.templates import JinjaEnvV, TemplateV
from cachelint.analysis.values import Loc
from cachelint.diagnostics import Diagnostic, Span
from cachelint.prompt import AssembledPrompt, Segment, Stability
from cachelint.rules import ALL_RULES
from cachelint.rules.context import RuleContext, count
from cachelint.settings import Settings

LONG = "".join(f"Rule {i}: answer politely, cite the handbook section, never guess.\n" for i in range(150))

S, P, U, ST, V = Stability.STATIC, Stability.TURN, Stability.UNKNOWN, Stability.STABLE, Stability.VOLATILE


# The project's evaluator, without the project model (library models included).
Ev = Evaluator


def analyse(root: Path, code: str, name: str = "app.py") -> list[AssembledPrompt]:
    path = root / name
    path.write_text(code)
    mod = ModuleInfo(str(path), code, ast.parse(code))
    ev = Ev()
    ev.root = str(root)

    def span_of(loc: Loc) -> Span:
        if loc.path == mod.path:
            return mod.span(loc.node)
        line, col, end_line, end_col = loc.pos
        return Span(loc.path, max(line, 1), col + 1, max(end_line, 1), end_col + 1)

    return [assemble(found, ev, span_of) for found in find_calls(mod, ev)]


def segments(root: Path, code: str) -> list[Segment]:
    (prompt,) = analyse(root, code)
    return [s for s in prompt.segments if s.slot == "instructions"]


def flat(segs: list[Segment]) -> list[tuple[Stability, str | None]]:
    """Stability and text of each segment, neighbouring static texts joined."""
    out: list[tuple[Stability, str | None]] = []
    for s in segs:
        if s.stability == S and s.text is not None and out and out[-1][0] == S and out[-1][1] is not None:
            out[-1] = (S, (out[-1][1] or "") + s.text)
        else:
            out.append((s.stability, s.text))
    return out


HEAD = ("import string\nfrom pathlib import Path\nimport jinja2\n"
        "from jinja2 import Environment, FileSystemLoader, PackageLoader, Template\n"
        "import openai\nclient = openai.OpenAI()\n")  # 6 lines


def ask(body: str, instructions: str = "text") -> str:
    """`body` runs inside `def ask(user, history, q):` (line 7); the call uses `instructions`."""
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    return HEAD + "def ask(user, history, q):\n" + lines + (
        f"    return client.responses.create(model='gpt-4.1', instructions={instructions}, input=q)\n")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "proj"
    (r / "templates").mkdir(parents=True)
    return r


# ---------------------------------------------------------------- string.Template


def test_substitute_keywords(root: Path) -> None:
    segs = segments(root, ask(
        "t = string.Template('Hello $user, you are ${role} and pay $$5.')\n"
        "text = t.substitute(user=user, role='admin')"))
    assert flat(segs) == [(S, "Hello "), (P, None), (S, ", you are admin and pay $5.")]
    hole = segs[1]
    # The hole is where the value is written: the `user=user` argument on line 9.
    assert (hole.span.line, hole.source) == (9, "$user = user")
    assert hole.cause == "parameter `user` of ask()"


def test_substitute_mapping_literal_variable_and_keywords_winning(root: Path) -> None:
    segs = segments(root, ask(
        "values = {'a': 'A', 'b': user}\n"
        "one = string.Template('$a-$b').substitute({'a': 'x', 'b': 'y'})\n"
        "two = string.Template('$a-$b').substitute(values)\n"
        "three = string.Template('$a-$b').substitute(values, b='B')\n"
        "four = string.Template('$a-$b').substitute(**values)\n"
        "text = one + '|' + two + '|' + three + '|' + four", "text"))
    assert flat(segs) == [(S, "x-y|A-"), (P, None), (S, "|A-B|A-"), (P, None)]
    assert segs[-1].source == "$b = values"


def test_substitute_missing_and_invalid(root: Path) -> None:
    segs = segments(root, ask("text = string.Template('Hi $name!').substitute()"))
    assert flat(segs) == [(S, "Hi "), (U, None), (S, "!")]
    assert "no value passed for `$name`" in segs[1].cause
    segs = segments(root, ask("text = string.Template('Hi $name and $5').safe_substitute(other=user)"))
    assert flat(segs) == [(S, "Hi $name and $5")]
    # `substitute` raises on `$5`: the text is not known, but nothing per-call went in.
    segs = segments(root, ask("text = string.Template('Cost $5 $x').substitute(x='1')"))
    assert flat(segs) == [(ST, None)]


def test_template_kept_in_a_module_constant(root: Path) -> None:
    code = HEAD + (
        "SYSTEM = string.Template('''You help $company customers.\nToday is $day.''')\n"
        "def ask(q, day):\n"
        "    return client.responses.create(model='gpt-4.1',\n"
        "        instructions=SYSTEM.substitute(company='ACME', day=day), input=q)\n"
    )
    segs = segments(root, code)
    assert flat(segs) == [(S, "You help ACME customers.\nToday is "), (P, None), (S, ".")]
    assert segs[-2].span.line == 11  # the template literal spans lines 7-8


def test_template_from_a_prompt_file(root: Path) -> None:
    (root / "templates" / "system.txt").write_text("You are $persona.\n" + LONG)
    segs = segments(root, ask(
        "text = string.Template((Path(__file__).parent / 'templates' / 'system.txt').read_text())"
        ".substitute(persona='a librarian')"))
    assert flat(segs) == [(S, "You are a librarian.\n" + LONG)]
    assert segs[0].span.path == os.path.realpath(root / "templates" / "system.txt")


def test_computed_template_text_keeps_its_holes(root: Path) -> None:
    segs = segments(root, ask("text = string.Template(f'{user}: $x').substitute(x='y')"))
    assert flat(segs) == [(P, None), (S, ": y")]


# ---------------------------------------------------------------- jinja2.Template


def test_jinja_values_filters_comments(root: Path) -> None:
    segs = segments(root, ask(
        "text = Template('{# hidden #}Hi {{ name }} of {{ org | upper }}, {{ user }}{{ \"!\" }}')"
        ".render(name='Ann', org='acme', user=user)"))
    assert flat(segs) == [(S, "Hi Ann of ACME, "), (P, None), (S, "!")]
    assert segs[-2].source == "{{ user }} = user"
    assert segs[-2].span.line == 8


def test_jinja_join_filter(root: Path) -> None:
    segs = segments(root, ask("text = Template('Tags: {{ tags | join(\", \") }}.').render(tags=['a', 'b'])"))
    assert flat(segs) == [(S, "Tags: a, b.")]
    segs = segments(root, ask("text = Template('Tags: {{ tags | join(\", \") }}.').render(tags=history)"))
    assert flat(segs) == [(S, "Tags: "), (P, None), (S, ".")]
    assert segs[1].span.line == 8


def test_jinja_mapping_argument_and_unknown_names(root: Path) -> None:
    segs = segments(root, ask("text = jinja2.Template('{{ a }}/{{ b.c }}/{{ d }}').render({'a': 1, 'b': user})"))
    assert flat(segs) == [(S, "1/"), (P, None), (S, "/"), (U, None)]
    assert "no value passed for `d`" in segs[-1].cause


def test_jinja_if_gives_alternatives_or_the_known_branch(root: Path) -> None:
    segs = segments(root, ask(
        "text = Template('A{% if formal %}Dear sir{% elif terse %}Yo{% else %}Hello{% endif %}.')"
        ".render(formal=user)"))
    assert [s.stability for s in segs] == [S, S, S]
    assert set(segs[1].alternatives) == {"Dear sir", "Yo", "Hello"}
    segs = segments(root, ask(
        "text = Template('A{% if formal %}Dear sir{% else %}Hello{% endif %}.').render(formal=False)"))
    assert flat(segs) == [(S, "AHello.")]
    segs = segments(root, ask("text = Template('A{% if not x %}B{% endif %}').render(x='')"))
    assert flat(segs) == [(S, "AB")]


def test_jinja_value_inside_a_branch_is_reported_in_it(root: Path) -> None:
    segs = segments(root, ask("text = Template('{% if x %}Hi {{ user }}{% endif %} rules').render(x=q, user=user)"))
    # the branch holding the value is laid out piece by piece: its text, then the value
    assert (segs[0].stability, segs[0].text) == (S, "Hi ")
    assert segs[1].stability == P
    assert segs[1].cause.endswith("(in one branch)")


def test_jinja_for_over_a_static_list_is_unrolled(root: Path) -> None:
    segs = segments(root, ask(
        "text = Template('{% for r in rules %}{{ loop.index }}. {{ r }}\\n{% endfor %}done')"
        ".render(rules=['be kind', 'be brief'])"))
    assert flat(segs) == [(S, "1. be kind\n2. be brief\ndone")]
    segs = segments(root, ask(
        "text = Template('{% for k, v in d.items() %}{{ k }}={{ v }};{% else %}none{% endfor %}')"
        ".render(d={'a': 'x', 'b': 'y'})"))
    assert flat(segs) == [(S, "a=x;b=y;")]
    segs = segments(root, ask("text = Template('{% for x in xs %}{{ x }}{% else %}none{% endfor %}').render(xs=[])"))
    assert flat(segs) == [(S, "none")]


def test_jinja_for_over_a_parameter_is_one_hole_at_the_argument(root: Path) -> None:
    segs = segments(root, ask(
        "text = Template('Rules.\\n{% for m in msgs %}- {{ m }}\\n{% endfor %}End.').render(msgs=history)"))
    assert flat(segs) == [(S, "Rules.\n"), (P, None), (S, "End.")]
    assert (segs[1].span.line, segs[1].source) == (8, "{% for m in msgs %} = history")


def test_jinja_for_reads_names_in_its_body(root: Path) -> None:
    segs = segments(root, ask(
        "text = Template('{% for r in rules if r %}{{ r }} {{ user }}{% endfor %}').render(rules=['a'], user=user)"))
    assert flat(segs) == [(P, None)]


def test_jinja_whitespace_control(root: Path) -> None:
    segs = segments(root, ask(
        "text = Template('A  \\n  {%- if x -%}  \\n B {%- endif %}\\n{{- y -}}  \\nC\\n').render(x=True, y='Y')"))
    assert flat(segs) == [(S, "ABYC")]


def test_jinja_set_include_macro_are_unknown(root: Path) -> None:
    segs = segments(root, ask("text = Template('{% set x = 1 %}A{{ x }}B').render()"))
    assert flat(segs) == [(S, "A"), (U, None), (S, "B")]
    segs = segments(root, ask("text = Template('A{% include \"b.j2\" %}C').render()"))
    assert flat(segs) == [(S, "A"), (U, None), (S, "C")]
    segs = segments(root, ask(
        "text = Template('{% macro m(a) %}[{{ a }}]{% endmacro %}A{{ m(1) }}').render()"))
    assert flat(segs) == [(S, "A"), (U, None)]


def test_jinja_raw_block(root: Path) -> None:
    segs = segments(root, ask("text = Template('{% raw %}{{ not a tag }}{% endraw %}!').render()"))
    assert flat(segs) == [(S, "{{ not a tag }}!")]


@pytest.mark.parametrize("source", [
    "{% extends 'base.j2' %}", "{{ unclosed", "{% if x %}no end", "{% weird %}", "{{ a }" + "}" * 0,
])
def test_jinja_unparseable_is_stable(root: Path, source: str) -> None:
    segs = segments(root, ask(f"text = Template({source!r}).render(a='x')"))
    assert flat(segs) == [(ST, None)]
    assert "template not followed" in segs[0].cause


def test_jinja_unparseable_with_a_per_call_value_is_per_call(root: Path) -> None:
    segs = segments(root, ask("text = Template('{% extends base %}').render(base=user)"))
    assert flat(segs) == [(P, None)]


def test_jinja_trim_and_lstrip_blocks_options(root: Path) -> None:
    segs = segments(root, ask(
        "text = Template('A\\n  {% if x %}\\nB\\n  {% endif %}\\nC', trim_blocks=True, lstrip_blocks=True)"
        ".render(x=True)"))
    assert flat(segs) == [(S, "A\nB\nC")]


def test_jinja_drops_one_trailing_newline(root: Path) -> None:
    segs = segments(root, ask("text = Template('A\\n\\n').render()"))
    assert flat(segs) == [(S, "A\n")]
    segs = segments(root, ask("text = Template('A\\n', keep_trailing_newline=True).render()"))
    assert flat(segs) == [(S, "A\n")]


def test_jinja_autoescape(root: Path) -> None:
    segs = segments(root, ask("text = Template('<b>{{ x }}</b>', autoescape=True).render(x='a<b')"))
    assert flat(segs) == [(S, "<b>a&lt;b</b>")]


# ---------------------------------------------------------------- templates loaded from the project


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_environment_file_system_loader(root: Path) -> None:
    _write(root, "templates/system.j2", "You are {{ persona }}.\n{% if strict %}Be strict.{% endif %}\n"
                                        "User: {{ user }}\n")
    segs = segments(root, ask(
        "env = Environment(loader=FileSystemLoader(Path(__file__).parent / 'templates'))\n"
        "text = env.get_template('system.j2').render(persona='a tutor', strict=True, user=user)"))
    assert flat(segs) == [(S, "You are a tutor.\nBe strict.\nUser: "), (P, None)]
    real = os.path.realpath(root / "templates" / "system.j2")
    # Template text is located in the template file, line by line; the value at the argument.
    assert (segs[0].span.path, segs[0].span.line) == (real, 1)
    assert [(s.text, s.span.line) for s in segs if s.span.path == real] == [
        ("You are ", 1), (".\n", 1), ("Be strict.", 2), ("\nUser: ", 2)]
    assert "read from templates/system.j2" in [h.note for h in segs[0].hops]
    assert (segs[-1].span.path, segs[-1].span.line) == (str(root / "app.py"), 9)


def test_environment_kept_in_module_constants(root: Path) -> None:
    _write(root, "prompts/agent.md.j2", "Agent {{ name }}.")
    code = HEAD + (
        "ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(['missing', 'prompts']), trim_blocks=True)\n"
        "AGENT = ENV.get_template('agent.md.j2')\n"
        "def ask(q, name):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=AGENT.render(name=name), input=q)\n"
    )
    segs = segments(root, code)
    assert flat(segs) == [(S, "Agent "), (P, None), (S, ".")]
    assert segs[1].span.line == 10


def test_package_loader(root: Path) -> None:
    _write(root, "mypkg/__init__.py", "")
    _write(root, "mypkg/templates/t.j2", "From {{ where }}.")
    segs = segments(root, ask("text = Environment(loader=PackageLoader('mypkg')).get_template('t.j2')"
                              ".render(where='the package')"))
    assert flat(segs) == [(S, "From the package.")]


def test_from_string(root: Path) -> None:
    segs = segments(root, ask("text = Environment().from_string('Hi {{ u }}').render(u=user)"))
    assert flat(segs) == [(S, "Hi "), (P, None)]


@pytest.fixture
def no_hang() -> Iterator[None]:
    def boom(signum: int, frame: object) -> None:
        raise TimeoutError("reading a template blocked")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize(("name", "cause"), [
    ("../../../etc/passwd", "leaves the loader's folder"),
    ("missing.j2", "not found in the project"),
    ("fifo.j2", "not a regular file"),
    ("big.j2", "larger than 1 MiB"),
    ("sub", "is a directory"),
    ("evil.j2", "outside the project root"),
])
def test_templates_that_are_not_read(root: Path, no_hang: None, name: str, cause: str) -> None:
    os.mkfifo(root / "templates" / "fifo.j2")
    (root / "templates" / "big.j2").write_bytes(b"{{ x }}" * 400_000)
    (root / "templates" / "sub").mkdir()
    (root / "templates" / "evil.j2").symlink_to("/etc/passwd")
    segs = segments(root, ask(f"text = Environment(loader=FileSystemLoader('templates')).get_template({name!r})"
                              ".render(x='1')"))
    assert flat(segs) == [(ST, None)]
    assert cause in segs[0].cause


def test_loader_outside_the_root(root: Path) -> None:
    segs = segments(root, ask("text = Environment(loader=FileSystemLoader('/etc')).get_template('passwd').render()"))
    assert flat(segs) == [(ST, None)]
    assert "outside the project root" in segs[0].cause


def test_loader_not_followed(root: Path) -> None:
    segs = segments(root, ask("text = Environment(loader=make_loader()).get_template('x.j2').render(u=user)"))
    assert flat(segs) == [(P, None)]  # the text is not known, but the value passed changes per call


def test_values_are_templates(root: Path) -> None:
    ev = Ev()
    ev.root = str(root)
    code = HEAD + "E = Environment(loader=FileSystemLoader('templates'))\nT = Template('x')\n"
    path = root / "vals.py"
    path.write_text(code)
    mod = ModuleInfo(str(path), code, ast.parse(code))
    e = scopes.module_value(ev, "E", mod, None)
    t = scopes.module_value(ev, "T", mod, None)
    assert isinstance(e, JinjaEnvV) and e.search_path == ("templates",)
    assert isinstance(t, TemplateV) and t.kind == "jinja"


# ---------------------------------------------------------------- `{% include %}` and `{% extends %}`

LOADER = "env = Environment(loader=FileSystemLoader(Path(__file__).parent / 'templates'))\n"


def _render(root: Path, name: str, kwargs: str = "", loader: str = LOADER) -> list[Segment]:
    return segments(root, ask(loader + f"text = env.get_template({name!r}).render({kwargs})"))


def test_include_of_static_partials_gives_a_long_static_prefix(root: Path) -> None:
    _write(root, "templates/partials/rules.j2", LONG)
    _write(root, "templates/partials/tone.j2", "Tone: {{ tone }}.\n")
    _write(root, "templates/system.j2", "You are {{ persona }}.\n{% include 'partials/rules.j2' %}\n"
                                        "{% include \"partials/tone.j2\" %}Customer: {{ customer }}\n")
    code = HEAD + LOADER + (
        "def ask(q, customer):\n"
        "    prompt = env.get_template('system.j2').render(persona='a tutor', tone='kind', customer=customer)\n"
        "    return client.responses.create(model='gpt-4.1', instructions=prompt, input=q)\n")
    (prompt,) = analyse(root, code)
    segs = [s for s in prompt.segments if s.slot == "instructions"]
    # Jinja drops one newline at the end of each template, included ones too.
    expected = "You are a tutor.\n" + LONG[:-1] + "\nTone: kind.Customer: "
    assert flat(segs) == [(S, expected), (P, None)]
    # Each piece of text is located in the file it comes from, reached through the include tag.
    rules = os.path.realpath(root / "templates" / "partials" / "rules.j2")
    tone = next(s for s in segs if s.text == "Tone: ")
    assert (tone.span.path, tone.span.line) == (os.path.realpath(root / "templates" / "partials" / "tone.j2"), 1)
    first_rule = next(s for s in segs if s.span.path == rules)
    assert first_rule.span.line == 1 and first_rule.text == LONG[:-1]
    assert [h.note for h in first_rule.hops] == ["read from templates/system.j2",
                                                 "templates/partials/rules.j2 included here"]
    system = os.path.realpath(root / "templates" / "system.j2")
    assert (first_rule.hops[-1].span.path, first_rule.hops[-1].span.line) == (system, 2)
    # The static prefix is measured whole: well above the 1,024-token minimum, and no finding.
    ctx = RuleContext(Settings(root=str(root)), str(root / "app.py"))
    first_break = next(i for i, s in enumerate(prompt.segments) if ctx.is_breaker(s))
    prefix = count(ctx.static_runs(prompt.segments[:first_break]), ctx.model(prompt))
    assert prefix.n == count([expected], ctx.model(prompt)).n > 1024
    assert _findings(root, code) == []


def test_include_with_a_per_call_value_at_its_top_is_cl101_at_the_argument(root: Path) -> None:
    _write(root, "templates/partials/header.j2", "Customer: {{ customer }}\n")
    _write(root, "templates/partials/rules.j2", LONG)
    _write(root, "templates/system.j2", "{% include 'partials/header.j2' %}{% include 'partials/rules.j2' %}")
    code = HEAD + LOADER + (
        "def ask(q, customer):\n"
        "    prompt = env.get_template('system.j2').render(\n"
        "        customer=customer,\n"
        "    )\n"
        "    return client.responses.create(model='gpt-4.1', instructions=prompt, input=q)\n")
    segs = segments(root, code)
    assert flat(segs) == [(S, "Customer: "), (P, None), (S, LONG[:-1])]
    assert segs[1].source == "{{ customer }} = customer"
    assert [(d.code, d.span.line) for d in _findings(root, code)] == [("CL101", 10)]


def test_include_sees_loop_variables_and_assignments(root: Path) -> None:
    _write(root, "templates/item.j2", "- {{ rule }} ({{ n }})\n")
    _write(root, "templates/list.j2", "{% for rule in rules %}{% include 'item.j2' %}\n{% endfor %}"
                                      "{% set n = 2 %}{% include 'item.j2' %}")
    segs = _render(root, "list.j2", "rules=['be kind', 'be brief'], n=1")
    assert flat(segs) == [(S, "- be kind (1)\n- be brief (1)\n- "), (U, None), (S, " ("), (U, None), (S, ")")]


def test_include_without_context_leaves_its_placeholders_unknown(root: Path) -> None:
    _write(root, "templates/p.j2", "[{{ x }}]")
    _write(root, "templates/main.j2", "{% include 'p.j2' without context %}{% include 'p.j2' with context %}")
    segs = _render(root, "main.j2", "x=user")
    assert flat(segs) == [(S, "["), (U, None), (S, "]["), (P, None), (S, "]")]
    assert "no value passed for `x`" in segs[1].cause


def test_include_ignore_missing_and_a_list_of_names(root: Path) -> None:
    _write(root, "templates/b.j2", "B")
    _write(root, "templates/main.j2", "A{% include 'gone.j2' ignore missing %}{% include ['gone.j2', 'b.j2'] %}"
                                      "{% include ['gone.j2', 'also-gone.j2'] ignore missing without context %}C")
    assert flat(_render(root, "main.j2")) == [(S, "ABC")]


@pytest.mark.parametrize(("tag", "cause"), [
    ("{% include 'gone.j2' %}", "template `gone.j2` not found in the project"),
    ("{% include name %}", "`{% include %}` of a name not known statically"),
    ("{% include 'p' ~ name %}", "`{% include %}` of a name not known statically"),
    ("{% include '../../etc/passwd' %}", "not found in the project"),
    ("{% include 'fifo.j2' %}", "not a regular file"),
    ("{% include 'fifo.j2' ignore missing %}", "not a regular file"),
    ("{% include 'evil.j2' %}", "outside the project root"),
    ("{% include 'big.j2' %}", "larger than 1 MiB"),
    ("{% include 'broken.j2' %}", "included template `templates/broken.j2` not followed"),
])
def test_include_not_followed_is_unknown(root: Path, no_hang: None, tag: str, cause: str) -> None:
    os.mkfifo(root / "templates" / "fifo.j2")
    (root / "templates" / "evil.j2").symlink_to("/etc/passwd")
    (root / "templates" / "big.j2").write_bytes(b"x" * (1024 * 1024 + 1))
    _write(root, "templates/broken.j2", "{% if x %}never closed")
    _write(root, "templates/main.j2", f"A{tag}C")
    segs = _render(root, "main.j2", "name='b.j2'")
    assert flat(segs) == [(S, "A"), (U, None), (S, "C")]
    assert cause in segs[1].cause
    assert segs[1].span.path == os.path.realpath(root / "templates" / "main.j2")


def test_include_cycles_end_as_unknown(root: Path, no_hang: None) -> None:
    _write(root, "templates/self.j2", "S{% include 'self.j2' %}")
    _write(root, "templates/ping.j2", "ping {% include 'pong.j2' %}")
    _write(root, "templates/pong.j2", "pong {% include 'ping.j2' %}")
    segs = _render(root, "self.j2")
    assert flat(segs) == [(S, "S"), (U, None)]
    assert "included by itself (a cycle)" in segs[1].cause
    assert flat(_render(root, "ping.j2")) == [(S, "ping pong "), (U, None)]


def test_include_fan_out_is_bounded(root: Path, no_hang: None) -> None:
    # Each level includes the next ten times: 10**8 copies if nothing stopped it.
    for i in range(8):
        _write(root, f"templates/l{i}.j2", f"{{% for x in xs %}}{{% include 'l{i + 1}.j2' %}}{{% endfor %}}")
    _write(root, "templates/l8.j2", "x" * 1000)
    segs = _render(root, "l0.j2", "xs=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]")
    assert flat(segs) == [(ST, None)]
    assert "too" in segs[0].cause


def test_include_needs_a_known_loader(root: Path) -> None:
    _write(root, "templates/b.j2", "B")
    segs = segments(root, ask("text = Environment(loader=make_loader()).from_string('A{% include \"b.j2\" %}')"
                              ".render()"))
    assert flat(segs) == [(S, "A"), (U, None)]
    assert "loader that is not followed" in segs[1].cause
    segs = segments(root, ask(LOADER + "text = env.from_string('A{% include \"b.j2\" %}').render()"))
    assert flat(segs) == [(S, "AB")]


def test_include_through_a_choice_loader_and_a_package_loader(root: Path) -> None:
    _write(root, "mypkg/__init__.py", "")
    _write(root, "mypkg/templates/main.j2", "main {% include 'shared.j2' %}")
    _write(root, "shared/shared.j2", "shared")
    segs = segments(root, ask(
        "env = Environment(loader=jinja2.ChoiceLoader([PackageLoader('mypkg'), FileSystemLoader('shared')]))\n"
        "text = env.get_template('main.j2').render()"))
    assert flat(segs) == [(S, "main shared")]


def test_extends_with_block_overrides_and_super(root: Path) -> None:
    _write(root, "templates/base.j2", "Header\n{% block rules %}Base rules.{% endblock %}\n"
                                      "{% block question %}{% endblock %}\n")
    _write(root, "templates/child.j2", "{% extends 'base.j2' %}\nignored text\n"
                                       "{% block rules %}{{ super() }} " + LONG + "{% endblock %}\n"
                                       "{% block question %}Q: {{ q }}{% endblock %}")
    segs = _render(root, "child.j2", "q=q")
    assert flat(segs) == [(S, "Header\nBase rules. " + LONG + "\nQ: "), (P, None)]
    base = os.path.realpath(root / "templates" / "base.j2")
    child = os.path.realpath(root / "templates" / "child.j2")
    assert [(s.text, s.span.path, s.span.line) for s in segs if s.text in ("Header\n", "Base rules.", "Q: ")] == [
        ("Header\n", base, 1), ("Base rules.", base, 2), ("Q: ", child, 154)]
    assert segs[0].hops[-1].note == "templates/base.j2 extended here"


def test_extends_over_two_levels_with_nested_blocks(root: Path) -> None:
    _write(root, "templates/a.j2", "<{% block outer %}o{% block inner %}i{% endblock %}o{% endblock %}>")
    _write(root, "templates/b.j2", "{% extends 'a.j2' %}{% block outer %}B[{{ super() }}]{% endblock %}")
    _write(root, "templates/c.j2", "{% extends 'b.j2' %}{% block inner %}C{{ super() }}{% endblock %}")
    assert flat(_render(root, "c.j2")) == [(S, "<B[oCio]>")]


@pytest.mark.parametrize(("name", "cause"), [
    ("self.j2", "extended by itself (a cycle)"),
    ("loop1.j2", "extended by itself (a cycle)"),
    ("orphan.j2", "template `gone.j2` not found in the project"),
])
def test_extends_not_followed_is_unknown(root: Path, no_hang: None, name: str, cause: str) -> None:
    _write(root, "templates/self.j2", "{% extends 'self.j2' %}")
    _write(root, "templates/loop1.j2", "{% extends 'loop2.j2' %}")
    _write(root, "templates/loop2.j2", "{% extends 'loop1.j2' %}")
    _write(root, "templates/orphan.j2", "{% extends 'gone.j2' %}{% block a %}A{% endblock %}")
    segs = _render(root, name)
    assert flat(segs) == [(U, None)]
    assert cause in segs[0].cause


def test_extends_of_a_computed_name_or_inside_a_condition_is_not_followed(root: Path) -> None:
    _write(root, "templates/base.j2", "Base")
    _write(root, "templates/dyn.j2", "{% extends layout %}")
    _write(root, "templates/cond.j2", "{% if x %}{% extends 'base.j2' %}{% endif %}")
    assert flat(_render(root, "dyn.j2", "layout=user")) == [(P, None)]
    segs = _render(root, "cond.j2", "x=True")
    assert flat(segs) == [(ST, None)]
    assert "inside a block, condition or loop" in segs[0].cause


@pytest.mark.parametrize("files", [
    {"main.j2": "A\n{% include 'p.j2' %}\nB\n", "p.j2": "  {% if t %}\n  P {{ x }}\n  {% endif %}\n"},
    {"main.j2": "{% for x in xs %}\n{% include 'p.j2' %}\n{% endfor %}", "p.j2": "- {{ x }}\n\n"},
    {"main.j2": "pre\n{% extends 'base.j2' %}\n{% block b %}\n  child {{ super() }}\n{% endblock %}\n",
     "base.j2": "<\n{% block b %}\n  base\n{% endblock %}\n>\n"},
    {"main.j2": "{%- include 'p.j2' -%}\n  {% include 'p.j2' ignore missing %}  \n", "p.j2": "\n P \n"},
])
@pytest.mark.parametrize("opts", [{}, {"trim_blocks": True, "lstrip_blocks": True},
                                  {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}])
def test_includes_and_extends_match_jinja(root: Path, files: dict[str, str], opts: dict[str, bool]) -> None:
    jinja2 = pytest.importorskip("jinja2")
    for name, text in files.items():
        _write(root, f"templates/{name}", text)
    expected = jinja2.Environment(loader=jinja2.FileSystemLoader(str(root / "templates")), **opts) \
        .get_template("main.j2").render(t=True, x="X", xs=["a", "b"])
    kw = "".join(f", {k}={v}" for k, v in opts.items())
    loader = f"env = Environment(loader=FileSystemLoader(Path(__file__).parent / 'templates'){kw})\n"
    segs = _render(root, "main.j2", "t=True, x='X', xs=['a', 'b']", loader)
    assert flat(segs) == ([(S, expected)] if expected else [])


# ---------------------------------------------------------------- against the real Jinja


@pytest.mark.parametrize("source", [
    "{# c #}\nA\n{% if t %}\n  B\n{% endif %}\nC\n",
    "  {%- if t %} x {% endif -%}  \n y\n",
    "{% for i in xs %}\n  {{ i }}\n{% endfor %}\n",
    "a {# comment #} b\n{#- c -#}\n c",
    "{% raw %} {{ x }} {% endraw %}\n\n",
])
@pytest.mark.parametrize("opts", [{}, {"trim_blocks": True}, {"lstrip_blocks": True},
                                  {"trim_blocks": True, "lstrip_blocks": True}])
def test_static_rendering_matches_jinja(root: Path, source: str, opts: dict[str, bool]) -> None:
    jinja2 = pytest.importorskip("jinja2")
    expected = jinja2.Template(source, **opts).render(t=True, xs=["a", "b"])
    kw = "".join(f", {k}={v}" for k, v in opts.items())
    segs = segments(root, ask(f"text = Template({source!r}{kw}).render(t=True, xs=['a', 'b'])"))
    assert flat(segs) == ([(S, expected)] if expected else [])


# ---------------------------------------------------------------- findings


def _findings(root: Path, code: str) -> list[Diagnostic]:
    (prompt,) = analyse(root, code)
    ctx = RuleContext(Settings(root=str(root)), str(root / "app.py"))
    return [d for rule in ALL_RULES for d in rule().check(prompt, ctx)]


def test_cl101_user_value_at_the_top_of_a_template_file(root: Path) -> None:
    _write(root, "templates/system.j2", "Customer: {{ customer }}\n" + LONG)
    code = HEAD + (
        "ENV = Environment(loader=FileSystemLoader('templates'))\n"
        "def ask(q, customer):\n"
        "    prompt = ENV.get_template('system.j2').render(\n"
        "        customer=customer,\n"
        "    )\n"
        "    return client.responses.create(model='gpt-4.1', instructions=prompt, input=q)\n"
    )
    found = _findings(root, code)
    assert [(d.code, d.span.line) for d in found] == [("CL101", 10)]


def test_cl102_clock_substituted_into_a_template(root: Path) -> None:
    code = HEAD + (
        "import datetime\n"
        f"T = string.Template('Time: $now\\n' + {LONG!r})\n"
        "def ask(q):\n"
        "    text = T.substitute(now=datetime.datetime.now().isoformat())\n"
        "    return client.responses.create(model='gpt-4.1', instructions=text, input=q)\n"
    )
    found = _findings(root, code)
    assert [(d.code, d.span.line) for d in found] == [("CL102", 10)]


def test_no_finding_for_a_value_after_the_static_text(root: Path) -> None:
    _write(root, "templates/system.j2", LONG + "Customer: {{ customer }}\n")
    code = HEAD + (
        "ENV = Environment(loader=FileSystemLoader('templates'))\n"
        "def ask(q, customer):\n"
        "    prompt = ENV.get_template('system.j2').render(customer=customer)\n"
        "    return client.responses.create(model='gpt-4.1', instructions=prompt, input=q)\n"
    )
    assert _findings(root, code) == []


def test_end_to_end_through_lint_files(tmp_path: Path) -> None:
    from cachelint.run.lint import lint_files

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'example'\n")
    _write(tmp_path, "templates/system.j2", "Customer: {{ customer }}\n" + LONG)
    _write(tmp_path, "templates/clock.j2", "{{ now }}\n" + LONG)
    _write(tmp_path, "prompting.py",
           "from pathlib import Path\n"
           "from jinja2 import Environment, FileSystemLoader\n"
           "ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / 'templates'))\n")
    (tmp_path / "example.py").write_text(
        "import datetime\n"
        "import openai\n"
        "from prompting import ENV\n"
        "client = openai.OpenAI()\n"
        "def ask(customer, q):\n"
        "    text = ENV.get_template('system.j2').render(customer=customer)\n"
        "    return client.responses.create(model='gpt-4.1', instructions=text, input=q)\n"
        "def when(q):\n"
        "    text = ENV.get_template('clock.j2').render(now=datetime.datetime.now())\n"
        "    return client.responses.create(model='gpt-4.1', instructions=text, input=q)\n"
    )
    result = lint_files([str(tmp_path / "example.py")], Settings(root=str(tmp_path)), list(ALL_RULES))
    assert result.errors == []
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("CL101", 6), ("CL102", 9)]
