"""The import structure: no run-time import cycle, and no import hidden inside a function.

The graph is read from the source with `ast` (nothing is imported), function-level imports
included: an import moved into a function to dodge a cycle still closes it at run time.
Imports under `if TYPE_CHECKING:` are not run and are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "cachelint"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def run_time_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at any depth, except under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                yield from run_time_imports(child)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from run_time_imports(node)


def imported(node: ast.Import | ast.ImportFrom, importer: str, known: dict[str, Path]) -> set[str]:
    """The package's modules an import statement in `importer` loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = importer if known[importer].name == "__init__.py" else importer.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        # `from pkg import name`: the submodule pkg.name when there is one, else pkg itself.
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    return {name for name in names if name in known}


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges[name] = set()
        for node in run_time_imports(tree):
            edges[name] |= imported(node, name, known) - {name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_function_level_imports_and_skips_type_checking_ones() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import cachelint.sources\n"
        "if TYPE_CHECKING:\n"
        "    from cachelint.run import lint\n"
        "def f():\n"
        "    from cachelint.run.check import check_source\n"
        "    from cachelint import gcpolicy\n"
    )
    known = modules()
    found = set()
    for node in run_time_imports(ast.parse(source)):
        found |= imported(node, "cachelint.cli", known)
    assert found == {"cachelint.sources", "cachelint.run.check", "cachelint.gcpolicy"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_run_time_import_cycle() -> None:
    edges = graph()
    assert edges.get("cachelint.run.lint")  # the graph is not empty
    assert cycles(edges) == []


def test_the_run_package_imports_nothing_that_imports_it_back() -> None:
    """Stages import only lower stages and the layers below (analysis, rules, sources): nothing
    outside cachelint.run that the run package imports may import cachelint.run."""
    edges = graph()
    inside = {name for name in edges if name.startswith("cachelint.run")}
    reached: set[str] = set()
    todo = [target for name in inside for target in edges[name] if target not in inside]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(edges[name])
    assert sorted(reached & inside) == []


def test_the_analysis_knows_nothing_of_the_run() -> None:
    """The analysis is handed what it needs: the run's machinery (stages, cache, process pool,
    garbage-collection policy) is never imported by it, directly or through another module."""
    edges = graph()
    machinery = {"cachelint.gcpolicy", "cachelint.cache"} | {n for n in edges if n.startswith("cachelint.run")}
    for name in (n for n in edges if n.startswith("cachelint.analysis")):
        seen: set[str] = set()
        todo = list(edges[name])
        while todo:
            target = todo.pop()
            if target not in seen:
                seen.add(target)
                todo.extend(edges[target])
        assert sorted(seen & machinery) == [], name


def test_sources_is_a_leaf() -> None:
    assert graph()["cachelint.sources"] == set()


WHY = "# why:"
# Every module keeps its imports at the top, save one whose comment says why.
CHECKED = ("cachelint/",)


def function_level_imports(path: Path) -> list[tuple[int, str]]:
    """(line, statement) of each import inside a function with no `# why:` comment on its line
    or on the line above."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    out = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, (ast.Import, ast.ImportFrom)):
                here = lines[inner.lineno - 1]
                above = lines[inner.lineno - 2] if inner.lineno > 1 else ""
                if WHY not in here and WHY not in above:
                    out.append((inner.lineno, ast.unparse(inner)))
    return sorted(set(out))


@pytest.mark.parametrize("path", [p for p in sorted(PACKAGE.rglob("*.py"))
                                  if str(p.relative_to(PACKAGE.parent)).startswith(CHECKED)],
                         ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_imports_are_at_the_top(path: Path) -> None:
    assert function_level_imports(path) == []


def test_a_function_level_import_needs_a_reason(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import json\n\n\ndef g():\n    # why: optional dependency\n    import yaml\n"
                      "\n\ndef h():\n    import csv  # why: start-up cost measured\n")
    assert function_level_imports(module) == [(2, "import json")]
