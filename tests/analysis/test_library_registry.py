"""The registry of library models: each key has one model, found by name, prefix or type."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cachelint.analysis.files import FileV, PathV
from cachelint.analysis.library import catalog, clocks, paths, randomness, strings, templates, textwrap
from cachelint.analysis.library.registry import ANY, DuplicateModel, Registry, build
from cachelint.analysis.templates import TemplateV
from cachelint.analysis.values import ClientV, OpaqueV, StrV


def _models(reg: Registry) -> list[tuple[object, object]]:
    tables: list[dict[object, object]] = [reg.calls, reg.prefixes, reg.methods, reg.attributes, reg.renders]  # type: ignore[list-item]
    got = [(k, m) for t in tables for k, m in t.items()]
    got.extend((op, m) for op, ms in reg.operators.items() for m in ms)
    return got


def test_every_library_module_registers_its_own_models() -> None:
    reg = catalog.REGISTRY
    owners = set(reg.owners.values())
    assert owners == {m.__name__.rsplit(".", 1)[1] for m in catalog.MODULES}
    for _, model in _models(reg):
        assert getattr(model, "__module__", "").startswith("cachelint.analysis.library.")


def test_a_key_registered_twice_is_refused() -> None:
    def twice(reg: Registry) -> None:
        reg.call(("textwrap.dedent",), textwrap.dedent)

    with pytest.raises(DuplicateModel):
        build([("one", textwrap.register), ("two", twice)])


def test_overlapping_prefixes_are_refused() -> None:
    def overlap(reg: Registry) -> None:
        reg.prefix(("random.sub.",), randomness.volatile_call)

    with pytest.raises(DuplicateModel):
        build([("randomness", randomness.register), ("other", overlap)])


def test_lookup_by_qualified_name_and_prefix() -> None:
    reg = catalog.REGISTRY
    assert reg.call_models("textwrap.dedent") == [textwrap.dedent]
    assert reg.call_models("datetime.datetime.now") == [clocks.now]
    assert reg.call_models("random.choice") == [randomness.volatile_call]
    assert reg.call_models("jinja2.Template") == [templates.jinja_template]
    assert reg.call_models("mypackage.helper") == []


def test_lookup_by_type_and_method_most_derived_first() -> None:
    reg = catalog.REGISTRY
    assert reg.method_models(StrV, "format") == [strings.str_format_method, strings.str_method]
    assert reg.method_models(StrV, "upper") == [strings.str_method]
    assert reg.method_models(PathV, "read_text") == [paths.path_method]
    # A path is an opaque value: after the path model, what applies to any opaque value.
    assert reg.method_models(PathV, "glob") == [paths.path_method, paths.unordered_method]
    assert reg.method_models(FileV, "read") == [paths.file_read]
    assert reg.method_models(OpaqueV, "strftime") == [clocks.clock_method]
    assert reg.method_models(TemplateV, "render") == [templates.render_jinja]
    assert reg.method_models(ClientV, "start_chat") != []
    assert reg.method_models(OpaqueV, "no_such_method") == []


def test_lookup_of_attributes_operators_and_renders() -> None:
    reg = catalog.REGISTRY
    assert reg.attribute_models(PathV, "parent") == [paths.path_attribute]
    assert reg.attribute_models(OpaqueV, "hour") == [clocks.clock_attribute]
    assert reg.attribute_models(TemplateV, "name") == [templates.template_attribute]
    assert reg.operators[ast.Div] == [paths.divide]
    assert reg.operators[ast.Mod] == [strings.percent]
    assert reg.renders[PathV] is paths.render_path
    assert (PathV, ANY) in reg.methods


def test_models_see_the_evaluator_only_through_its_api() -> None:
    """No library module imports the evaluator core: a model is a function of EvaluatorAPI."""
    core = {"cachelint.analysis.evaluate", "cachelint.analysis.scopes", "cachelint.analysis.interproc",
            "cachelint.analysis.classes"}
    folder = Path(catalog.__file__).parent
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not imported & core, path.name
