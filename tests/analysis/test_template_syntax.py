"""Template syntax alone: Jinja-subset text in, tokens and trees out, with no evaluator and no files."""

from __future__ import annotations

from typing import Any

import pytest

from cachelint.analysis.template_syntax import (
    MAX_TAG,
    SENTINEL,
    Bind,
    Block,
    Extends,
    For,
    Group,
    If,
    Include,
    JinjaOptions,
    Node,
    Out,
    TextN,
    Unknown,
    Unparseable,
    blocks_in,
    body_names,
    expr_tokens,
    has_include,
    lex,
    literal_names,
    parse,
    root_names,
)

PLAIN = JinjaOptions()
TRIM = JinjaOptions(trim_blocks=True)
LSTRIP = JinjaOptions(lstrip_blocks=True)


def shape(text: str, nodes: list[Node]) -> list[Any]:
    """A tree as nested tuples, each text node replaced by the text it covers, so trees read as templates."""
    out: list[Any] = []
    for n in nodes:
        if isinstance(n, TextN):
            out.append(text[n.start:n.end])
        elif isinstance(n, Out):
            out.append(("out", n.expr))
        elif isinstance(n, If):
            out.append(("if", [(c, shape(text, b)) for c, b in n.branches],
                        None if n.orelse is None else shape(text, n.orelse)))
        elif isinstance(n, For):
            out.append(("for", n.targets, n.iter, shape(text, n.body), shape(text, n.orelse), n.simple))
        elif isinstance(n, Bind):
            out.append(("bind", n.names))
        elif isinstance(n, Unknown):
            out.append(("unknown", n.what, n.source))
        elif isinstance(n, Group):
            out.append(("group", shape(text, n.body)))
        elif isinstance(n, Block):
            out.append(("block", n.name, shape(text, n.body)))
        elif isinstance(n, Include):
            out.append(("include", n.names, n.ignore_missing, n.context, n.source))
        else:
            assert isinstance(n, Extends)
            out.append(("extends", n.names, n.source))
    return out


def tree(text: str, opts: JinjaOptions = PLAIN) -> list[Any]:
    return shape(text, parse(text, opts))


# ---------------------------------------------------------------- text and output


def test_plain_text_is_one_text_node_over_the_whole_source() -> None:
    assert parse("Hello there", PLAIN) == [TextN(0, 11)]


def test_empty_source_has_no_nodes() -> None:
    assert parse("", PLAIN) == []


def test_output_keeps_its_expression_and_where_the_tag_starts() -> None:
    assert parse("Hi {{ name }}!", PLAIN) == [TextN(0, 3), Out("name", 3), TextN(13, 14)]


def test_output_expression_is_stripped_but_otherwise_verbatim() -> None:
    assert tree("{{   user.name | upper  }}") == [("out", "user.name | upper")]


def test_one_trailing_newline_is_dropped_unless_kept() -> None:
    assert tree("line\n\n") == ["line\n"]
    assert tree("line\r\n") == ["line"]
    assert tree("line\n", JinjaOptions(keep_trailing_newline=True)) == ["line\n"]


# ---------------------------------------------------------------- conditions and loops


def test_if_elif_else_branches_in_order() -> None:
    got = tree("{% if a %}A{% elif b and c %}B{% else %}C{% endif %}")
    assert got == [("if", [("a", ["A"]), ("b and c", ["B"])], ["C"])]


def test_if_without_else_has_no_orelse() -> None:
    [node] = parse("{% if x %}yes{% endif %}", PLAIN)
    assert isinstance(node, If)
    assert node.orelse is None
    assert (node.at, node.source) == (0, "{% if x %}")


def test_nested_if_inside_for() -> None:
    got = tree("{% for x in xs %}{% if x %}{{ x }}{% endif %}{% endfor %}")
    assert got == [("for", ["x"], "xs", [("if", [("x", [("out", "x")])], None)], [], True)]


def test_for_with_two_targets_and_else() -> None:
    got = tree("{% for k, v in d.items() %}{{ k }}{% else %}none{% endfor %}")
    assert got == [("for", ["k", "v"], "d.items()", [("out", "k")], ["none"], True)]


def test_for_with_parenthesised_targets() -> None:
    assert tree("{% for (a, b) in pairs %}{% endfor %}") == [("for", ["a", "b"], "pairs", [], [], True)]


@pytest.mark.parametrize("tag", ["for x in xs if x", "for x in xs recursive", "for x in xs if x recursive"])
def test_for_with_a_filter_or_recursion_is_not_simple(tag: str) -> None:
    [node] = parse("{% " + tag + " %}{% endfor %}", PLAIN)
    assert isinstance(node, For)
    assert node.iter == "xs"
    assert node.simple is False


# ---------------------------------------------------------------- names bound in the template


def test_set_binds_each_name_it_assigns() -> None:
    assert tree("{% set a, b = 1, 2 %}{% set c = a %}") == [("bind", ["a", "b"]), ("bind", ["c"])]


def test_block_set_consumes_its_body_up_to_endset() -> None:
    assert tree("{% set c | upper %}hidden{% endset %}after") == [("bind", ["c"]), "after"]


def test_set_of_an_attribute_binds_nothing() -> None:
    assert tree("{% set ns.x = 1 %}") == [("bind", [])]


def test_macro_import_and_from_import_bind_their_names() -> None:
    got = tree('{% macro greet(x) %}..{% endmacro %}{% import "m.j2" as m %}{% from "m.j2" import f as g, h %}')
    assert got == [("bind", ["greet"]), ("bind", ["m"]), ("bind", ["g", "h"])]


# ---------------------------------------------------------------- include, extends, block


def test_include_of_one_literal_name() -> None:
    assert parse('x{% include "part.j2" %}', PLAIN) == [
        TextN(0, 1), Include(["part.j2"], False, True, 1, '{% include "part.j2" %}')]


def test_include_of_a_list_ignoring_missing_without_context() -> None:
    src = '{% include ["a.j2", "b.j2"] ignore missing without context %}'
    assert tree(src) == [("include", ["a.j2", "b.j2"], True, False, src)]


def test_include_with_context_keeps_the_context() -> None:
    assert tree('{% include "a.j2" with context %}')[0][1:4] == (["a.j2"], False, True)


def test_include_of_a_computed_name_has_no_names() -> None:
    assert tree("{% include name %}") == [("include", None, False, True, "{% include name %}")]


def test_extends_of_a_literal_and_of_a_computed_name() -> None:
    assert tree('{% extends "base.j2" %}') == [("extends", ["base.j2"], '{% extends "base.j2" %}')]
    assert tree("{% extends layout %}") == [("extends", None, "{% extends layout %}")]


def test_block_holds_its_body_and_nested_blocks() -> None:
    got = tree("{% block outer %}a{% block inner %}b{% endblock %}{% endblock outer %}")
    assert got == [("block", "outer", ["a", ("block", "inner", ["b"])])]


def test_blocks_in_finds_blocks_nested_in_conditions_loops_and_groups() -> None:
    nodes = parse("{% block a %}{% endblock %}{% if x %}{% block b %}{% block c %}{% endblock %}{% endblock %}"
                  "{% else %}{% for i in y %}{% block d %}{% endblock %}"
                  "{% else %}{% block f %}{% endblock %}{% endfor %}{% endif %}"
                  "{% autoescape true %}{% block e %}{% endblock %}{% endautoescape %}", PLAIN)
    assert [b.name for b in blocks_in(nodes)] == ["a", "b", "c", "d", "f", "e"]


@pytest.mark.parametrize(("src", "expected"), [
    ("plain {{ x }}", False),
    ('{% include "a" %}', True),
    ('{% if x %}{% else %}{% include "a" %}{% endif %}', True),
    ('{% for i in y %}{% else %}{% include "a" %}{% endfor %}', True),
    ('{% block b %}{% include "a" %}{% endblock %}', True),
    ('{% extends "a" %}', False),
])
def test_has_include_looks_inside_every_body(src: str, expected: bool) -> None:
    assert has_include(parse(src, PLAIN)) is expected


# ---------------------------------------------------------------- other tags


def test_autoescape_is_a_group_rendered_in_place() -> None:
    assert tree("{% autoescape false %}<{{ x }}>{% endautoescape %}") == [("group", ["<", ("out", "x"), ">"])]


@pytest.mark.parametrize("word", ["call", "filter", "with"])
def test_tags_not_followed_are_unknown_and_swallow_their_body(word: str) -> None:
    src = "{% " + word + " x %}body{% end" + word + " %}after"
    assert tree(src) == [("unknown", f"`{{% {word} %}}` is not followed", "{% " + word + " x %}"), "after"]


@pytest.mark.parametrize("word", ["break", "continue"])
def test_loop_control_is_unknown(word: str) -> None:
    got = tree("{% for x in xs %}{% " + word + " %}{% endfor %}")
    assert got[0][3] == [("unknown", f"`{{% {word} %}}`", "{% " + word + " %}")]


def test_comments_leave_no_node() -> None:
    assert tree("a {# note {{ x }} #} b") == ["a ", " b"]


def test_raw_keeps_tags_inside_as_text() -> None:
    assert tree("{% raw %}{{ x }}{% if %}{% endraw %}!") == [("bind", []), "{{ x }}{% if %}", ("bind", []), "!"]


# ---------------------------------------------------------------- whitespace control


def test_minus_strips_whitespace_on_its_side_only() -> None:
    assert tree("a  {{- x }}  b") == ["a", ("out", "x"), "  b"]
    assert tree("a  {{ x -}}  b") == ["a  ", ("out", "x"), "b"]
    assert tree("a \n {%- if x -%} \n b \n {%- endif %}") == ["a", ("if", [("x", ["b"])], None)]


def test_trim_blocks_drops_one_newline_after_a_block_tag_only() -> None:
    src = "{% if x %}\n\nA{{ y }}\nB{% endif %}"
    assert tree(src, TRIM) == [("if", [("x", ["\nA", ("out", "y"), "\nB"])], None)]
    assert tree(src) == [("if", [("x", ["\n\nA", ("out", "y"), "\nB"])], None)]


def test_trim_blocks_also_applies_after_comments() -> None:
    assert tree("{# c #}\nA", TRIM) == ["A"]


def test_lstrip_blocks_strips_blanks_before_a_tag_at_the_start_of_a_line() -> None:
    src = "a\n    {% if x %}b {% endif %}"
    assert tree(src, LSTRIP) == ["a\n", ("if", [("x", ["b "])], None)]
    assert tree("  \t{% if x %}{% endif %}", LSTRIP) == ["", ("if", [("x", [])], None)]


def test_lstrip_blocks_leaves_output_tags_and_plus_tags_alone() -> None:
    assert tree("a\n    {{ x }}", LSTRIP) == ["a\n    ", ("out", "x")]
    assert tree("a\n    {%+ if x %}{% endif %}", LSTRIP) == ["a\n    ", ("if", [("x", [])], None)]


def test_lex_records_tag_flags_and_where_the_inner_text_starts() -> None:
    toks = lex("x{%- if y +%}{{+ z -}}", PLAIN)
    assert [(t.kind, t.inner, t.inner_at, t.strip_before, t.strip_after, t.plus) for t in toks] == [
        ("text", "", 0, False, False, False),
        ("block", "if y +", 5, True, False, False),  # a `+` before `%}` is not a flag
        ("var", "z", 17, False, True, True),
    ]
    assert toks[0].end == 1  # the text before `{%-` keeps its one non-blank character


# ---------------------------------------------------------------- malformed input


@pytest.mark.parametrize(("src", "message"), [
    ("Hi {{ name", "unclosed `{{`"),
    ("{%- if x", "unclosed `{%-`"),
    ("{# never closed", "unclosed `{#`"),
    ("{% raw %}{{ x }}", "unclosed `{% raw %}`"),
    ("{% if x %}yes", "missing `{% elif %}`"),
    ("{% for x in xs %}", "missing `{% else %}`"),
    ("{% block b %}", "missing `{% endblock %}`"),
    ("text{% endif %}", "`{% endif %}` is not followed"),
    ("{% if x %}{% endfor %}{% endif %}", "`{% endfor %}` is not followed"),
    ("{% trans %}hi{% endtrans %}", "`{% trans %}` is not followed"),
    ("{% for x %}{% endfor %}", "`{% for %}` not understood"),
    ("{% for x.y in xs %}{% endfor %}", "`{% for %}` target not understood"),
    ("{% block %}{% endblock %}", "`{% block %}` without a name"),
    ("{% block 1x %}{% endblock %}", "`{% block %}` without a name"),
])
def test_malformed_templates_raise_one_reason(src: str, message: str) -> None:
    with pytest.raises(Unparseable) as err:
        parse(src, PLAIN)
    assert str(err.value) == message


def test_a_tag_longer_than_the_limit_is_refused_but_a_long_comment_is_not() -> None:
    with pytest.raises(Unparseable, match="a tag too long to follow"):
        parse("{{ " + "x" * MAX_TAG + " }}", PLAIN)
    assert tree("{{ " + "x" * (MAX_TAG - 2) + " }}") == [("out", "x" * (MAX_TAG - 2))]
    assert tree("{# " + "x" * MAX_TAG + " #}!") == ["!"]


def test_an_environment_with_its_own_syntax_is_not_parsed() -> None:
    with pytest.raises(Unparseable, match="changes the template syntax"):
        parse("plain", JinjaOptions(parseable=False))


# ---------------------------------------------------------------- expressions


def test_expr_tokens_kinds_and_texts() -> None:
    assert expr_tokens("a.b | join(', ') ** 2") == [
        ("name", "a"), ("op", "."), ("name", "b"), ("op", "|"), ("name", "join"), ("op", "("),
        ("str", "', '"), ("op", ")"), ("op", "**"), ("num", "2")]


def test_expr_tokens_refuses_what_it_does_not_know() -> None:
    with pytest.raises(Unparseable, match="expression `a @ b` not understood"):
        expr_tokens("a @ b")


def test_root_names_skip_attributes_filters_tests_keywords_and_keyword_arguments() -> None:
    toks = expr_tokens("user.name | default(fallback, true) if items is defined and not x else f(k=v, j==w)")
    assert root_names(toks) == ["user", "fallback", "items", "x", "f", "v", "j", "w"]


def test_root_names_lists_each_name_once() -> None:
    assert root_names(expr_tokens("a + a + b")) == ["a", "b"]


@pytest.mark.parametrize(("expr", "expected"), [
    ('"a.j2"', ["a.j2"]),
    ("'a.j2'", ["a.j2"]),
    ('["a.j2", "b.j2"]', ["a.j2", "b.j2"]),
    ('("a.j2", "b.j2",)', ["a.j2", "b.j2"]),
    ("name", None),
    ('"a" ~ name', None),
    ('["a.j2", name]', None),
    ('["a.j2" "b.j2"]', None),
    ('"a' + chr(SENTINEL) + '"', None),
    ("'unclosed", None),
])
def test_literal_names(expr: str, expected: list[str] | None) -> None:
    assert literal_names(expr) == expected


def test_body_names_reads_every_expression_but_a_loops_own_targets() -> None:
    # Bodies are read before the condition or sequence that governs them; unreadable expressions are skipped.
    nodes = parse("{{ a.b }}{% if c %}{{ d }}{% else %}{{ e }}{% endif %}"
                  "{% for x in items %}{{ x }}{{ y }}{% endfor %}{% block k %}{{ z | upper }}{% endblock %}"
                  "{{ bad @ expr }}", PLAIN)
    assert body_names(nodes) == ["a", "d", "e", "c", "y", "items", "z"]
