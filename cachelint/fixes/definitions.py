"""Where a name a fix needs to know about is defined: in the module itself, or in the project
module it is imported from (`from acme.prompts import TEMPLATE`), read as the analysis read it."""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass

from cachelint.fixes.filetree import FileTree, TreeOf

# How far up from a module its package root is looked for: deeper layouts than this are rare,
# and a miss only means no fix.
_MAX_DEPTH = 8


@dataclass(frozen=True)
class Definition:
    tree: FileTree  # the file it is in
    node: ast.stmt  # the module-level def, class or assignment


def module_level(tree: ast.Module, name: str) -> ast.stmt | None:
    """The one top-level statement that binds `name` (a def, or an assignment to it alone);
    None when there is none or more than one."""
    found: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            found.append(node)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found.append(node if len(node.targets) == 1 else ast.Pass())
        elif (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name) or (
                isinstance(node, ast.Import | ast.ImportFrom) and any((a.asname or a.name) == name
                                                                      for a in node.names)):
            found.append(node)
    return found[0] if len(found) == 1 and not isinstance(found[0], ast.Pass) else None


def definition(tree: FileTree, name: str, tree_of: TreeOf) -> Definition | None:
    """Where `name`, as used at the top level of the module `tree`, is defined: its own
    statement, or the one in the project module it is imported from (one import hop)."""
    found = module_level(tree.tree, name)
    if not isinstance(found, ast.ImportFrom):
        return None if found is None or isinstance(found, ast.Import) else Definition(tree, found)
    alias = next(a for a in found.names if (a.asname or a.name) == name)
    for candidate in _module_files(tree.path, found.module or "", found.level):
        other = tree_of(candidate)
        if other is None:
            continue
        there = module_level(other.tree, alias.name)
        if there is None or isinstance(there, ast.Import | ast.ImportFrom):
            return None  # re-exported: not followed further
        return Definition(other, there)
    return None


def _module_files(path: str, module: str, level: int) -> list[str]:
    parts = [p for p in module.split(".") if p]
    if level:
        base = os.path.dirname(os.path.abspath(path))
        for _ in range(level - 1):
            base = os.path.dirname(base)
        bases = [base]
    else:
        bases = []
        here = os.path.dirname(os.path.abspath(path))
        for _ in range(_MAX_DEPTH):
            bases.append(here)
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
    out = []
    for base in bases:
        stem = os.path.join(base, *parts)
        out.extend([stem + ".py", os.path.join(stem, "__init__.py")])
    return out


def returns_str(node: ast.stmt | None) -> bool:
    """Is `node` a function annotated `-> str`?"""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or isinstance(node, ast.AsyncFunctionDef):
        return False
    note = node.returns
    return (isinstance(note, ast.Name) and note.id == "str") or (isinstance(note, ast.Constant) and note.value == "str")
