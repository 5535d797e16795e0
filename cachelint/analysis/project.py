"""The project model: module names to files, imports across modules, wrappers of SDK calls.

Modules are parsed on demand, at most once per run, and never imported or executed.
"""

from __future__ import annotations

import ast
import bisect
import functools
import os
import re
import sys
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from cachelint.analysis import (
    branches,
    callsites,
    classes,
    frameworks,
    gemini_legacy,
    hierarchy,
    interproc,
    records,
    scopes,
)
from cachelint.analysis.calls import FoundCall, find_calls, litellm_attributes, litellm_names, passed_chat_models
from cachelint.analysis.env import env_at
from cachelint.analysis.evaluate import Budget, Env, Evaluator, ProjectHooks
from cachelint.analysis.hierarchy import ClassIndex, Hierarchy, Implementation
from cachelint.analysis.hierarchy import Declared as DeclaredClasses
from cachelint.analysis.module import ModuleInfo, subtree
from cachelint.analysis.realpaths import is_dir, is_file, real_path
from cachelint.analysis.shared import SharedResult
from cachelint.analysis.values import (
    AltV,
    ClientV,
    FuncRefV,
    InstanceV,
    ModuleRefV,
    OpaqueV,
    RecordV,
    Value,
    flat_options,
)
from cachelint.sources import read_module

MAX_MODULE_BYTES = 2 * 1024 * 1024  # larger modules are not followed (generated code)
# Source one project (one linted file, one scanned module) loads at most: parsed and indexed, a
# module takes 30-45 times its source in memory, and a file of an installed package that imports
# its neighbours (litellm's main.py in a tree holding openai and pydantic too) loaded enough of
# them to take a worker to 1 GB. The real applications measured load at most 4.4 MB (letta, 145
# modules; khoj 0.9, mem0 1.5, MetaGPT 0.6). Past it no module is loaded: what it would have
# given is unknown, and the calls that asked are reported as not fully analysed.
MAX_PROJECT_SOURCE_BYTES = 6 * 1024 * 1024
MAX_WRAPPER_DEPTH = 3  # wrapper of a wrapper of a wrapper
MAX_PROJECT_FILES = 20_000  # files scanned for wrappers; past that the scan stops
# Evaluation steps to find which function a call goes to. A function reference resolves in a
# few steps (6 at most on gptme); what takes thousands is evaluating a receiver that is no
# project function at all, where the wrapper scan has nothing to gain.
CALLEE_STEPS = 5_000
MAX_DISPATCH = 32  # classes a method call on one of several objects is followed into
# Most implementations a dispatched call inside a wrapper chain is followed into (a call with
# more is not followed there, only at the caller that builds the prompt): each multiplies the
# sites of every caller of the chain, and the run's cost with them. graphiti (37 callers of
# generate_response, 8 clients below it) went from 3 s to over 80 s of CPU following all 8, even
# with the sites sharing one budget; MetaGPT's 12 providers below aask are not followed either.
MAX_CHAIN_DISPATCH = 4

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

# The send and bind methods of a langchain chat model are words of an SDK too: an agent made
# by `create_agent(llm)` calls `llm.invoke(...)` in a file that names no chat model class (the
# chat model comes from its callers: cachelint.analysis.calls.passed_chat_models).
SDK_WORDS = re.compile(r"\b(?:openai|OpenAI|AzureOpenAI|anthropic|Anthropic|genai|generativeai"
                       r"|litellm|ChatOpenAI|AzureChatOpenAI|ChatAnthropic|ChatGoogleGenerativeAI|bedrock|init_chat_model"
                       r"|BaseChatModel|BaseLanguageModel|vertexai|invoke|ainvoke|with_structured_output|bind_tools)\b")
_SDK_SUBSTRINGS = ("openai", "OpenAI", "nthropic", "genai", "generativeai", "litellm", "ChatGoogleGenerativeAI",
                   "bedrock", "init_chat_model", "BaseChatModel", "BaseLanguageModel", "vertexai", "invoke",
                   "with_structured_output", "bind_tools")


def mentions_sdk(text: str) -> bool:
    """Does the text name an SDK? Substring tests first: they are far cheaper than the regex."""
    return any(w in text for w in _SDK_SUBSTRINGS) and SDK_WORDS.search(text) is not None


def _read_module(path: str) -> str | None:
    return read_module(path, MAX_MODULE_BYTES)


@dataclass(frozen=True)
class WrapperSite:
    """How a wrapper reaches an SDK call: the calls to follow, ending at the SDK call."""

    chain: tuple[ast.Call, ...]  # calls inside the wrapper (to inner wrappers), then the SDK call
    found: FoundCall  # the SDK call, analysed without bindings
    # the function each call of the chain but the last enters (a call on one of several
    # classes enters each in a site of its own)
    targets: tuple[tuple[FunctionNode, ModuleInfo], ...] = ()


Declared = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]

# The environments entered by the steps of wrapper chains from one caller's call, by (call,
# function entered, environment it was called in, the request's loops): the environment it
# was called in (kept alive, its id is in the key) and the one entered (None: not entered).
StepEnvs = dict[tuple[object, ...], tuple["Env", "Env | None"]]

# Which SDK keyword a declared wrapper role feeds.
_ROLE_KEYWORD = {"model": "model", "messages": "messages", "input": "input", "system": "system",
                 "instructions": "instructions", "tools": "tools"}


class Project(ProjectHooks):
    def __init__(self, root: str, declared: Declared = (), classes: ClassIndex | None = None) -> None:
        self.root = real_path(root)
        self.declared = {name: dict(roles) for name, roles in declared}
        self.search_roots = [self.root]
        src = os.path.join(self.root, "src")
        if os.path.isdir(src):
            self.search_roots.insert(0, src)
        self._by_path: dict[str, ModuleInfo | None] = {}
        self._by_name: dict[str, ModuleInfo | None] = {}
        self._calls: dict[str, list[FoundCall]] = {}
        self._wrappers: dict[tuple[int, int], list[WrapperSite]] = {}  # (function, depth left)
        # a call's callees where it is written, with the implementations they are when the call
        # was dispatched by class hierarchy (see callees), by id (with the call)
        self._callees: dict[int, tuple[ast.Call, list[tuple[FunctionNode, ModuleInfo]], list[Implementation]]] = {}
        self._class_index = classes  # given when the run built it once for every project
        self._hierarchy: Hierarchy | None = None
        self._fields: hierarchy.FieldMemo = {}  # a class's declared fields, by (class, name)
        # the calls found of each function asked about (see _sites), by kind and id (with the function)
        self._site_memo: dict[tuple[str, int], tuple[FunctionNode, list[callsites.Site] | None]] = {}
        self._mentions_sdk: dict[str, bool] = {}  # by module path, for declared_attribute
        self.evaluator = Evaluator(self)
        self.evaluator.root = self.root
        self.loaded_bytes = 0  # source of the modules loaded (see MAX_PROJECT_SOURCE_BYTES)

    # ---- module index

    def module_name_for(self, path: str) -> str:
        """The dotted module name of a file, from the search root it is under."""
        real = real_path(path)
        base = None
        for r in self.search_roots:
            if real == r or real.startswith(r + os.sep):
                base = r
                break
        if base is None:
            # Outside the project: name it by its packages (folders with __init__.py).
            parts = [os.path.splitext(os.path.basename(real))[0]]
            d = os.path.dirname(real)
            while os.path.isfile(os.path.join(d, "__init__.py")):
                parts.insert(0, os.path.basename(d))
                d = os.path.dirname(d)
        else:
            rel = os.path.relpath(real, base)
            parts = os.path.splitext(rel)[0].split(os.sep)
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        return ".".join(p for p in parts if p)

    def linted_module(self, path: str, text: str, tree: ast.Module) -> ModuleInfo:
        """The module object for a file linted as `path`, parsed as `tree` from `text`."""
        return ModuleInfo(path, text, tree)

    def add(self, mod: ModuleInfo) -> ModuleInfo:
        """Register a module already parsed (the file being linted)."""
        real = real_path(mod.path)
        existing = self._by_path.get(real)
        if existing is not None:
            return existing
        if not mod.name:
            mod.name = self.module_name_for(mod.path)
        self._by_path[real] = mod
        if mod.name:
            self._by_name.setdefault(mod.name, mod)
        return mod

    def over_source_budget(self) -> bool:
        """Has this project loaded its share of source? Then it loads no other module, and the
        call being evaluated is not fully analysed. Decided before a module is read, by what
        was loaded before it, so it never depends on the module refused."""
        if self.loaded_bytes < MAX_PROJECT_SOURCE_BYTES:
            return False
        self.source_capped = True
        self.evaluator.budget_hits += 1
        return True

    def load(self, path: str) -> ModuleInfo | None:
        real = real_path(path)
        if real in self._by_path:
            return self._by_path[real]
        if self.over_source_budget():
            return None
        self._by_path[real] = None  # guards against re-entry while parsing
        text = _read_module(real)
        mod: ModuleInfo | None = None
        if text is not None:
            try:
                tree = ast.parse(text, filename=path)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = None
            if tree is not None:
                self.parsed(tree)
                mod = ModuleInfo(path, text, tree, self.module_name_for(path))
                self.loaded_bytes += len(text)
        self._by_path[real] = mod
        return mod

    def parsed(self, tree: ast.Module) -> None:
        """A module was just parsed for the project: the run's projects hand the tree to the
        garbage-collection policy (cachelint.run.tracked); a plain Project does nothing."""

    def module_from_path(self, path: str) -> ModuleInfo | None:
        if not path.endswith(".py"):
            return None
        return self.load(path)

    def module_by_name(self, qualname: str) -> ModuleInfo | None:
        if qualname in self._by_name:
            return self._by_name[qualname]
        if not qualname or qualname.startswith(".") or "[" in qualname:
            return None
        found: ModuleInfo | None = None
        rel = qualname.replace(".", os.sep)
        for r in self.search_roots:
            for cand in (os.path.join(r, rel + ".py"), os.path.join(r, rel, "__init__.py")):
                if is_file(cand):
                    found = self.load(cand)
                    if found is not None:
                        found.name = qualname
                    break
            if found is not None:
                break
            ns = os.path.join(r, rel)
            if is_dir(ns):
                # A namespace package: no code, but its submodules resolve through it.
                found = ModuleInfo(os.path.join(ns, "__init__.py"), "", ast.parse(""), qualname)
                break
        self._by_name[qualname] = found
        return found

    def resolve_module(self, mod: ModuleInfo, name: str, level: int) -> ModuleInfo | None:
        if level == 0:
            return self.module_by_name(name)
        if not mod.name and not mod.is_package:
            mod.name = self.module_name_for(mod.path)
        pkg_parts = mod.name.split(".") if mod.name else []
        if not mod.is_package:
            pkg_parts = pkg_parts[:-1]
        up = level - 1
        if up > len(pkg_parts):
            return None  # beyond the top-level package
        base = pkg_parts[: len(pkg_parts) - up] if up else pkg_parts
        qual = ".".join([*base, name] if name else base)
        if not qual:
            return None
        return self.module_by_name(qual)

    # ---- project files

    def iter_files(self) -> Iterator[str]:
        skip = {".git", ".hg", ".svn", ".venv", "venv", "env", ".tox", ".nox", "__pycache__",
                "node_modules", "build", "dist", "site-packages", ".mypy_cache", ".ruff_cache",
                ".pytest_cache"}
        count = 0
        for dirpath, dirnames, filenames in os.walk(self.root):
            # Virtual environments hold thousands of SDK modules that are not the project.
            dirnames[:] = sorted(d for d in dirnames if d not in skip and not d.endswith(".egg-info")
                                 and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg")))
            for f in sorted(filenames):
                if f.endswith(".py"):
                    count += 1
                    if count > MAX_PROJECT_FILES:
                        return
                    yield os.path.join(dirpath, f)

    # ---- SDK calls and wrappers

    def wrapper_names(self) -> frozenset[str]:
        """Names of project functions that forward a parameter into an SDK call's prompt.

        Found once per run by scanning the project: modules that mention an SDK are
        parsed, and then modules that mention a wrapper's name, up to MAX_WRAPPER_DEPTH.
        """
        names: frozenset[str] | None = getattr(self, "_wrapper_names", None)
        if names is not None:
            return names
        found: set[str] = set()
        files = list(self.iter_files())
        pattern: re.Pattern[str] = SDK_WORDS
        scanned: set[str] = set()
        for depth in range(MAX_WRAPPER_DEPTH + 1):
            new: set[str] = set()
            for path in files:
                if path in scanned:
                    continue
                text = _read_module(path)
                # The first pass looks for SDK names, later ones for the wrappers found so far.
                if text is None or not (mentions_sdk(text) if depth == 0 else pattern.search(text)):
                    continue
                scanned.add(path)
                mod = self.load(path)
                if mod is None:
                    continue
                for fn in mentioning_functions(mod, pattern, found):
                    if self.wrapper_sites(fn, mod):
                        new |= wrapper_words(fn, mod)
            if not new:
                break
            found |= new
            pattern = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, new))) + r")\b")
            # a module that calls a newly found wrapper may itself hold a wrapper
            scanned = set()
        self._wrapper_names = frozenset(found)
        return self._wrapper_names

    def declared_short_names(self) -> frozenset[str]:
        return frozenset(q.rsplit(".", 1)[-1] for q in self.declared)

    def declared_call(self, call: ast.Call, mod: ModuleInfo) -> FoundCall | None:
        """A call of a wrapper declared in [tool.cachelint.wrappers], as the SDK call it stands for."""
        ev = self.evaluator
        env = env_at(mod, call)
        fn_node: ast.FunctionDef | ast.AsyncFunctionDef | None = None
        ev.reset_budget(CALLEE_STEPS)
        target = self.callee_value(call, env)
        ev.reset_budget()
        qual: str | None = None
        if isinstance(target, ModuleRefV):
            qual = target.qualname.lstrip(".")
        elif isinstance(target, FuncRefV) and isinstance(target.node, ast.FunctionDef | ast.AsyncFunctionDef):
            fn_node = target.node
            tmod = ev.module_for_path(target.module, env)
            owner = tmod.parents.get(id(fn_node)) if tmod is not None else None
            prefix = tmod.name if tmod is not None else ""
            if isinstance(owner, ast.ClassDef):
                prefix = f"{prefix}.{owner.name}" if prefix else owner.name
            qual = f"{prefix}.{fn_node.name}" if prefix else fn_node.name
        if qual is None:
            return None
        roles = self.declared.get(qual)
        if roles is None:
            # also accept a declaration by the name a module imports it under
            roles = next((r for q, r in self.declared.items() if qual.endswith("." + q) or q.endswith("." + qual)),
                         None)
        if roles is None:
            return None
        positional: list[str] = []
        if fn_node is not None:
            positional = [a.arg for a in [*fn_node.args.posonlyargs, *fn_node.args.args]]
            if positional and positional[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
                positional = positional[1:]
        keywords: list[ast.keyword] = []
        for role, param in roles.items():
            value: ast.expr | None = None
            for k in call.keywords:
                if k.arg == param:
                    value = k.value
            if value is None and param in positional:
                i = positional.index(param)
                if i < len(call.args) and not isinstance(call.args[i], ast.Starred):
                    value = call.args[i]
            if value is not None:
                kw = ast.keyword(arg=_ROLE_KEYWORD[role], value=value)
                ast.copy_location(kw, value)
                keywords.append(kw)
        if not keywords:
            return None
        synthetic = ast.Call(func=call.func, args=[], keywords=keywords)
        ast.copy_location(synthetic, call)
        synthetic.end_lineno, synthetic.end_col_offset = call.end_lineno, call.end_col_offset
        mod.parents[id(synthetic)] = mod.parents.get(id(call), mod.tree)
        if "input" in roles or "instructions" in roles:
            provider, api = "openai", "responses.create"
        elif "system" in roles:
            provider, api = "anthropic", "messages.create"
        else:
            provider, api = "openai", "chat.completions.create"
        return FoundCall(synthetic, provider, api, call.func, None, env)

    def may_matter(self, text: str) -> bool:
        """Can this module hold a recognised call or a call of a wrapper?"""
        if mentions_sdk(text):
            return True
        if self.declared and any(n in text for n in self.declared_short_names()):
            return True
        names = self.wrapper_names()
        # a set of words, not a regex compiled for each file's project (a tenth of a dense run)
        return bool(names) and names_in(text, names)

    def calls_in(self, mod: ModuleInfo) -> list[FoundCall]:
        key = real_path(mod.path)
        calls = self._calls.get(key)
        if calls is None:
            if mentions_sdk(mod.text):
                ev = self.evaluator
                calls = ev.shared(mod, "calls", lambda: find_calls(mod, ev))
            else:
                calls = []
            self._calls[key] = calls
        return calls

    def wrapper_sites(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, mod: ModuleInfo) -> list[WrapperSite]:
        """The SDK calls a function forwards its parameters to, directly or through other wrappers
        (chains of at most MAX_WRAPPER_DEPTH + 1 calls)."""
        sites, _ = self._wrapper_sites(fn, mod, ())
        return sites

    def _wrapper_sites(self, fn: FunctionNode, mod: ModuleInfo,
                       stack: tuple[int, ...]) -> tuple[list[WrapperSite], bool]:
        """`wrapper_sites` with `len(stack)` calls of the chain already used, and whether the
        answer is whole. Answers are remembered per depth left: one found with less depth
        left is shorter, and reusing it elsewhere made the scan depend on which function it
        met first (khoj's send_message_to_model was missed). An answer cut short by a
        function already on the stack (recursion) depends on the stack: not remembered."""
        key = (id(fn), MAX_WRAPPER_DEPTH - len(stack))
        if key in self._wrappers:
            return self._wrappers[key], True
        if id(fn) in stack or len(stack) > MAX_WRAPPER_DEPTH:
            return [], len(stack) > MAX_WRAPPER_DEPTH  # the depth limit is part of the key
        if not self.shares:
            return self._wrapper_sites_here(fn, mod, stack, key)
        # A whole answer is the same in every project: shared with the other projects of the
        # process (see cachelint.analysis.shared), as a call's callees are. The wrapper scan
        # checks each module in a project of its own, and every function that calls a wrapper
        # would otherwise work out that wrapper's sites again.
        shared_key = ("wrapper sites", key)
        got: SharedResult | None = mod.shared.get(shared_key)
        if got is not None and self.may_reuse(got.paths):
            self.replay(got.events)
            self._wrappers[key] = got.value
            return got.value, True
        mark = self.begin_record()
        done = False
        try:
            sites, whole = self._wrapper_sites_here(fn, mod, stack, key)
            done = True
        finally:
            events, paths = self.end_record(mark)
        if done and whole and self.may_reuse(paths):
            mod.shared[shared_key] = SharedResult(sites, events, paths, 0)
        return sites, whole

    def _wrapper_sites_here(self, fn: FunctionNode, mod: ModuleInfo, stack: tuple[int, ...],
                            key: tuple[int, int]) -> tuple[list[WrapperSite], bool]:
        params = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}
        if fn.args.vararg:
            params.add(fn.args.vararg.arg)
        if fn.args.kwarg:
            params.add(fn.args.kwarg.arg)
        params.discard("self")
        params.discard("cls")
        sites: list[WrapperSite] = []
        whole = True
        if params:
            tainted = _tainted_names(fn, mod, params)
            for found in self.calls_in(mod):
                if mod.enclosing_function(found.node) is not fn:
                    continue
                if _call_uses(found.node, tainted, prompt_only=True) or _legacy_uses(found, tainted, fn, mod) \
                        or _framework_uses(found, tainted, fn, mod):
                    sites.append(WrapperSite((found.node,), found))
            for call in _calls_in_function(fn):
                if any(call is s.found.node for s in sites) or not _call_uses(call, tainted, prompt_only=False):
                    continue
                for tfn, tmod in self._chain_callees(call, mod):
                    if tfn is fn:
                        continue
                    inner_sites, inner_whole = self._wrapper_sites(tfn, tmod, (*stack, id(fn)))
                    whole = whole and inner_whole
                    sites.extend(WrapperSite((call, *inner.chain), inner.found, ((tfn, tmod), *inner.targets))
                                 for inner in inner_sites)
        if whole:
            self._wrappers[key] = sites
        return sites, whole

    def _chain_callees(self, call: ast.Call, mod: ModuleInfo) -> list[tuple[FunctionNode, ModuleInfo]]:
        """The functions a call inside a wrapper chain is followed into: its one callee, or each
        implementation of a method dispatched by class hierarchy (`self._achat_completion(...)`,
        abstract in the base, one per provider: MetaGPT's aask -> acompletion_text ->
        _achat_completion), when there are at most MAX_CHAIN_DISPATCH. A call on one of several objects
        a factory may return is followed only where the prompt is built (the caller's own call,
        in the checker), not inside a chain, where each class multiplies every caller's sites
        (mem0: 18 providers behind Memory.add)."""
        found = self.callees(call, mod)
        if len(found) <= 1:
            return found
        if len(found) > MAX_CHAIN_DISPATCH or not self.is_dispatched(call, mod):
            return []
        return found

    def is_dispatched(self, call: ast.Call, mod: ModuleInfo) -> bool:
        """Did `callees(call, mod)` find the call's targets by class hierarchy (see dispatch)?"""
        self.callees(call, mod)
        return bool(self._callees[id(call)][2])

    # ---- class hierarchy

    def class_index(self) -> ClassIndex:
        """The project's classes by base and method name: a text scan of its files. A run builds
        it once and gives it to every project (cachelint.run.lint); a project used on its own
        builds it on first use."""
        if self._class_index is None:
            self._class_index = ClassIndex.build(self.iter_files(), _read_module)
        return self._class_index

    def hierarchy(self) -> Hierarchy:
        if self._hierarchy is None:
            self._hierarchy = Hierarchy(self.class_index(), self.load, self.bases_of, self.index_asked,
                                        self.evaluator.shared)
        return self._hierarchy

    def index_asked(self, key: str, answer: str) -> None:
        """The class index was asked the question `key` and answered `answer` (a project that
        records what its results depend on keeps it; see cachelint.run.tracked)."""

    def bases_of(self, cls: ast.ClassDef, mod: ModuleInfo) -> list[tuple[ast.ClassDef, ModuleInfo]]:
        """The project classes `cls` names as bases (evaluated where the class is defined)."""
        ev = self.evaluator
        out = []
        env = Env(mod, None, import_time=True)
        for b in cls.bases:
            try:
                bv = ev.eval(b.value if isinstance(b, ast.Subscript) else b, env)
            except Budget:
                continue
            if isinstance(bv, FuncRefV) and isinstance(bv.node, ast.ClassDef):
                bmod = ev.module_for_path(bv.module, env)
                if bmod is not None:
                    out.append((bv.node, bmod))
        return out

    def constructions(self, init: FunctionNode, mod: ModuleInfo) -> list[callsites.Site] | None:
        return self._sites("constructions", callsites.constructions, init, mod)

    def method_calls(self, fn: FunctionNode, mod: ModuleInfo) -> list[callsites.Site] | None:
        return self._sites("method calls", callsites.method_calls, fn, mod)

    def function_calls(self, fn: FunctionNode, mod: ModuleInfo) -> list[callsites.Site] | None:
        return self._sites("function calls", callsites.function_calls, fn, mod)

    def exported(self, fn: FunctionNode, mod: ModuleInfo) -> str | None:
        try:
            return callsites.exported(fn, mod, self.load, self.evaluator.eval)
        except Budget:
            return "its package cannot be followed"

    def _sites(self, kind: str, find: callsites.Finder, fn: FunctionNode,
               mod: ModuleInfo) -> list[callsites.Site] | None:
        """`find(fn, mod, ...)`, once per project and function, and the same in every project:
        shared with the other projects of the process (cachelint.analysis.shared), as a call's
        callees are in the scan. Each linted file is a project of its own, and every one that
        reads `self.llm` worked out the class's constructions again (gpt-researcher: 150 times,
        ~0.8 s of a 1 s run). The class index questions asked are told to each project that
        uses the answer (a new file that builds the class must invalidate a cached result that
        relied on it)."""
        got = self._site_memo.get((kind, id(fn)))
        if got is not None and got[0] is fn:
            return got[1]
        ev = self.evaluator

        def compute() -> tuple[list[callsites.Site] | None, tuple[tuple[str, str], ...]]:
            asked: list[tuple[str, str]] = []
            classes = Hierarchy(self.class_index(), self.load, self.bases_of, lambda k, a: asked.append((k, a)),
                                ev.shared)
            try:
                return find(fn, mod, classes, ev.eval), tuple(asked)
            except Budget:
                return None, tuple(asked)

        answer: tuple[list[callsites.Site] | None, tuple[tuple[str, str], ...]] = ev.shared(
            mod, (kind, id(fn)), compute)
        found, asked = answer
        for question, told in asked:
            self.index_asked(question, told)
        self._site_memo[(kind, id(fn))] = (fn, found)
        return found

    def files_naming(self, words: frozenset[str]) -> tuple[str, ...] | None:
        classes = self.hierarchy()
        paths = list(dict.fromkeys(p for w in sorted(words) for p in classes.with_name(w)))
        paths = [p for p in paths if not callsites.is_test_path(p)]
        return tuple(paths) if len(paths) <= callsites.MAX_FILES else None

    def classes_of(self, ann: ast.expr, env: Env) -> list[tuple[ast.ClassDef, ModuleInfo]]:
        return hierarchy.annotation_classes(ann, env, self.evaluator.eval, self.evaluator.module_for_path)

    def dispatch(self, call: ast.Call, env: Env) -> list[Implementation] | None:
        """The methods a method call on an object known only by its type may run (see
        cachelint.analysis.hierarchy); None when the receiver is not such an object."""
        func = call.func
        found = self._dispatch(call, func.value, func.attr, env) if isinstance(func, ast.Attribute) else None
        if found is None and (isinstance(func, ast.Name) or (isinstance(func, ast.Attribute)
                                                              and isinstance(func.value, ast.Name))) \
                and self.class_index().with_method("__call__"):
            # an object called (`sampler(messages)`, `self.grader(messages)`): its `__call__`
            found = self._dispatch(call, func, "__call__", env)
        return found

    def _dispatch(self, call: ast.Call, receiver: ast.expr, meth: str, env: Env) -> list[Implementation] | None:
        """`dispatch` of method `meth` called on `receiver`."""
        ev = self.evaluator
        func = call.func
        recv = ev.eval(receiver, env)
        declared: hierarchy.Declared | None = None
        if isinstance(recv, InstanceV):
            # The class's own method, when it has one that does something, is the one followed
            # (as before dispatch): for `self` in a method analysed without a caller, overrides
            # in subclasses would make the call ambiguous and lose it (MetaGPT's acompletion).
            # One that only declares the method (abstract, NotImplementedError) cannot be what
            # runs: the object is of a subclass, even when `self` is bound to this class (an
            # inherited template method reached through a parameter typed with the base).
            own = ev.class_attribute(recv, meth, func, env)
            if isinstance(own, FuncRefV) and isinstance(own.node, ast.FunctionDef | ast.AsyncFunctionDef):
                if hierarchy.concrete(own.node):
                    return None
                cmod = ev.module_for_path(recv.module, env)
                if cmod is not None:
                    declared = [(recv.cls, cmod, False)]
        elif isinstance(recv, ModuleRefV) or _unknown(recv):
            # a module's global known only by its annotation (`common.SELECTED_MODEL`, declared
            # `SELECTED_MODEL: Model` and set at run time): an object of that class
            declared = self._declared_global(receiver, env)
        else:
            return None
        if declared is None and not isinstance(recv, AltV):
            declared = hierarchy.declared_receiver(receiver, recv, env, self.classes_of, self.bases_of,
                                                   self._fields)
        if declared is None:
            declared = self._declared_return(receiver, env)
        if not declared:
            return None
        found = self.hierarchy().implementations(declared, meth)
        if not found:
            return None
        return found

    def _declared_global(self, receiver: ast.expr, env: Env) -> DeclaredClasses | None:
        """The classes `module.NAME` is declared to be by the module's `NAME: Cls` annotation,
        when the module gives it no value of its own at import (annotation only) or sets it
        through `global` in a function (auto-code-rover's `common.SELECTED_MODEL`, chosen by
        the command line); None otherwise."""
        if not isinstance(receiver, ast.Attribute):
            return None
        owner = self.evaluator.eval(receiver.value, env)
        mod = self.module_by_name(owner.qualname) if isinstance(owner, ModuleRefV) else None
        if mod is None:
            return None
        name = receiver.attr
        for stmt in mod.tree.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name \
                    and (stmt.value is None or name in mod.global_names):
                return [(c, m, False) for c, m in self.classes_of(stmt.annotation, Env(mod, None, import_time=True))] \
                    or None
        return None

    def _declared_return(self, receiver: ast.expr, env: Env) -> DeclaredClasses | None:
        """The classes a receiver is declared to be by the return annotation of the project
        function that gives it: a property (`self.llm` where `@property def llm(self) -> BaseLLM`,
        MetaGPT's roles and actions) or a method called (`self.get_llm()`); None otherwise."""
        ev = self.evaluator
        fn: FunctionNode | None = None
        fmod: ModuleInfo | None = None
        if isinstance(receiver, ast.Attribute):
            owner = ev.eval(receiver.value, env)
            if isinstance(owner, InstanceV):
                cmod = ev.module_for_path(owner.module, env)
                got = self.hierarchy().lookup(owner.cls, cmod, receiver.attr) if cmod is not None else None
                if got is not None and hierarchy.is_property(got[0]):
                    fn, fmod = got
        elif isinstance(receiver, ast.Call) and not receiver.args and not receiver.keywords:
            target = self.callee_value(receiver, env)
            if isinstance(target, FuncRefV) and isinstance(target.node, ast.FunctionDef | ast.AsyncFunctionDef):
                fn, fmod = target.node, ev.module_for_path(target.module, env)
        if fn is None or fmod is None or fn.returns is None:
            return None
        return [(c, m, False) for c, m in self.classes_of(fn.returns, Env(fmod, None, import_time=True))] or None

    def chat_models(self, value: OpaqueV) -> list[ClientV]:
        return passed_chat_models(value, self.evaluator)

    def declared_attribute(self, node: ast.Attribute, base: Value, env: Env) -> Value | None:
        """An attribute of an object known only by its declared project class (`self.endpoint._llm`
        where `__init__` took `endpoint: LLMEndpoint`), read as on an instance of that class made
        where the project makes them (its `__init__`'s parameters are what the constructions
        pass), when the class has no subclass (one could set the attribute otherwise) and what
        it holds is an SDK client or chat model; None otherwise. Only clients: a text or list
        read this way would stand for every object of the class at once."""
        if not isinstance(base, OpaqueV) or not _typed_receiver(node.value, env):
            return None  # asked of every attribute the evaluator cannot read: the cheap test first
        declared = hierarchy.declared_receiver(node.value, base, env, self.classes_of, self.bases_of, self._fields)
        if not declared or len(declared) != 1:
            return None
        cls, cmod, _ = declared[0]
        sdk = self._mentions_sdk.get(cmod.path)
        if sdk is None:
            sdk = self._mentions_sdk[cmod.path] = mentions_sdk(cmod.text)
        if not sdk or len(self.hierarchy().subclasses(cls, cmod)) != 1:
            return None  # a class whose module names no SDK cannot set a client from one
        got = classes.attribute(self.evaluator, scopes.instance_of(cls, cmod), node.attr, node, env)
        if got is None or not all(isinstance(o, ClientV) or _unknown(o)
                                  for o in (flat_options(got) if isinstance(got, AltV) else [got])) \
                or _unknown(got):
            return None
        return got

    def implementation(self, call: ast.Call, fn: FunctionNode) -> Implementation | None:
        """The implementation `fn` of a call dispatched by class hierarchy where it is written
        (see callees, which must have been asked), if it was. Where the call runs in another
        environment (a step of a wrapper chain, with the caller's values bound), what it runs
        is found again in that environment (see bound_env): the answer is a function of the
        environment, never of which environment the call was last looked at in."""
        got = self._callees.get(id(call))
        if got is None or got[0] is not call:
            return None
        return _implementation_of(got[2], fn)

    def callee_value(self, call: ast.Call, env: Env) -> Value | None:
        """What a call's callee evaluates to (methods looked up on instances and classes)."""
        ev = self.evaluator
        func = call.func
        try:
            if isinstance(func, ast.Attribute):
                recv = ev.eval(func.value, env)
                if isinstance(recv, RecordV) and recv.instance is not None and recv.attr(func.attr) is None:
                    recv = recv.instance  # a method of a project dataclass or pydantic model
                if isinstance(recv, InstanceV | FuncRefV):
                    return ev.class_attribute(recv, func.attr, func, env)
            return ev.eval(func, env)
        except Budget:
            return None

    def callee(self, call: ast.Call, mod: ModuleInfo) -> tuple[FunctionNode, ModuleInfo] | None:
        """The project function a call goes to, when the evaluator can tell (and it is one)."""
        got = self.callees(call, mod)
        return got[0] if len(got) == 1 else None

    # Set by the wrapper scan on its projects, which have no module of their own (see callees).
    shares_callees = False

    def callees(self, call: ast.Call, mod: ModuleInfo) -> list[tuple[FunctionNode, ModuleInfo]]:
        """The project functions a call may go to: one, or a method of each of several classes
        the receiver may be (an object made by a factory from a table of classes: mem0's
        LlmFactory). Each is analysed as if it were the one called."""
        got = self._callees.get(id(call))
        if got is not None and got[0] is call:
            return got[1]  # the scan asks once per depth left it meets the function with
        impls: list[Implementation] = []
        ev = self.evaluator
        ev.reset_budget(CALLEE_STEPS)
        try:
            # The same in every project of the wrapper scan (a call's callee, in its module's
            # own environment): shared between them, as module values are. The scan checks each
            # module in a project of its own, and resolving the calls of the wrappers a function
            # calls again in each was most of a scan's time (gptme: 36 s of 40 s for the
            # functions of 25 modules). Only there: a project with a module of its own (the
            # linted file, the file --show-prompt shows) was given callees in the scan's copy
            # of it (tests/analysis/test_dispatch.py's show-prompt chain was lost).
            if self.shares_callees:
                answer: tuple[list[tuple[FunctionNode, ModuleInfo]], list[Implementation]] = ev.shared(
                    mod, ("callees", id(call)), lambda: self._targets_in(call, env_at(mod, call)))
                found, impls = answer
            else:
                found, impls = self._targets_in(call, env_at(mod, call))
        except Budget:
            found = []
        finally:
            ev.reset_budget()
        self._callees[id(call)] = (call, found, impls)
        return found

    def bound_env(self, site: WrapperSite, call: ast.Call, caller_env: Env,
                  through: list[tuple[FunctionNode, ModuleInfo]] | None = None,
                  first: tuple[FunctionNode, ModuleInfo] | None = None,
                  route: list[str] | None = None,
                  stepped: StepEnvs | None = None,
                  dispatched: list[Implementation | None] | None = None) -> tuple[Env, ast.Call] | None:
        """The environment of the SDK call with every wrapper's parameters bound, starting at `call`
        (which enters `first`, when given: one of `callees(call, ...)`, and `caller_env` is
        where `call` is written).

        `through`, if given, receives the wrapper functions entered on the way; `route`, if
        given, the functions entered after the first, each named as `level` names it;
        `dispatched`, if given, for each function entered, the implementation it is when the
        call that entered it was dispatched by class hierarchy there (None if not). `stepped`:
        the environments earlier sites of the same caller's call entered (see StepEnvs), kept
        while the evaluator's memo is (sites evaluated with `reset_budget(keep_memo=True)`).
        """
        ev = self.evaluator
        env = caller_env
        current = call
        steps = [*site.chain[:-1], site.found.node]
        # A caller that calls the wrapper in a loop sends what it set before the loop on every
        # turn (see scopes._local_value); the SDK call's own loops are added by assemble().
        loops = caller_env.mod.loops_around(call)
        for step, entered in zip(site.chain[:-1], [first, *site.targets], strict=False):
            if entered is not None:  # the function the call before entered, which holds `step`
                loops |= entered[1].loops_around(step)
        ev.request_loops = loops
        known: list[tuple[FunctionNode, ModuleInfo] | None] = [first, *site.targets]
        for i, nxt in enumerate(steps):
            key: tuple[object, ...] | None = None
            target = known[i] if i < len(known) else None
            impl: Implementation | None = None
            if target is not None and i == 0:
                # `first`, resolved by the caller where `call` is written (see callees)
                impl = self.implementation(call, target[0])
            else:
                # where this call goes with the caller's values bound, found in this environment
                # (the scan found `target` without them: is it still where the call goes?)
                found, impls = self._targets_in(current, env)
                if target is None:
                    target = found[0] if len(found) == 1 else None
                elif target not in found:
                    return None
                if target is not None:
                    impl = _implementation_of(impls, target[0])
            if target is None:
                return None
            fn, fmod = target
            if through is not None:
                through.append(target)
            if dispatched is not None:
                dispatched.append(impl)
            if route is not None and i > 0:
                route.append(self.level(fn, fmod, impl))
            if stepped is not None:
                # Sites of one wrapper enter it, and often the next wrapper, through the same
                # call with the same values: the same environment, so what is worked out in
                # it for one site (memoised by environment) serves the others.
                key = (id(current), id(fn), env.memo_key(), ev.request_loops)
                got = stepped.get(key)
                if got is not None:
                    if got[1] is None or branches.ruled_out(ev, nxt, fn, fmod, got[1]):
                        return None
                    env, current = got[1], nxt
                    continue
            self_value: Value | None = None
            if isinstance(current.func, ast.Attribute):
                recv = ev.eval(current.func.value, env)
                for option in (flat_options(recv) if isinstance(recv, AltV) else [recv]):
                    # `self` of a record's method is the record, so that `self.system_prompt`
                    # reads the field its construction was given
                    owner = option.instance if isinstance(option, RecordV) else option
                    if isinstance(owner, InstanceV):
                        method = ev.class_attribute(owner, current.func.attr, current.func, env)
                        if isinstance(method, FuncRefV) and method.node is fn:
                            self_value = records.as_self(ev, option, env) if isinstance(option, RecordV) else option
                            break
            if self_value is None:
                self_value = self._implicit_self(current, env, fn, fmod, impl)
            bindings = interproc.bind_args(ev, fn, current, env, fmod, self_value)
            if bindings is None:
                if stepped is not None and key is not None:
                    stepped[key] = (env, None)
                return None
            outer = env
            env = Env(fmod, fn, bindings, None, import_time=False, depth=env.depth + 1, self_value=self_value)
            if stepped is not None and key is not None:
                stepped[key] = (outer, env)  # the outer environment too: its id is in the key
            if branches.ruled_out(ev, nxt, fn, fmod, env):
                return None  # the caller's values take the other side of an `if` around the next call
            current = nxt
        return env, current

    @staticmethod
    def level(fn: FunctionNode, fmod: ModuleInfo, impl: Implementation | None) -> str:
        """How a route names the function `fn` a call entered: the implementation `impl` a
        dispatched call runs (`BaseLLM._achat_completion() -> OpenAILLM._achat_completion()`),
        else the method with its class (`BaseLLM.acompletion_text()`) or the function."""
        if impl is not None:
            return impl.label
        owner = hierarchy.owner_class(fn, fmod)
        return f"{owner.name}.{fn.name}()" if owner is not None else f"{fn.name}()"

    def _implicit_self(self, call: ast.Call, env: Env, fn: FunctionNode, fmod: ModuleInfo,
                       impl: Implementation | None) -> Value | None:
        """`self` in a method the call reaches without naming the object: the implementation
        `impl` found by class hierarchy for the call in `env`, or the `__call__` of a callable object."""
        if impl is not None:
            return hierarchy.self_for(fn, fmod, impl.cls, impl.cls_mod)
        if fn.name == "__call__":
            obj = self.evaluator.eval(call.func, env)
            for option in (flat_options(obj) if isinstance(obj, AltV) else [obj]):
                if isinstance(option, InstanceV):
                    method = self.evaluator.class_attribute(option, "__call__", call.func, env)
                    if isinstance(method, FuncRefV) and method.node is fn:
                        return option
        return None

    def _targets_in(self, call: ast.Call,
                    env: Env) -> tuple[list[tuple[FunctionNode, ModuleInfo]], list[Implementation]]:
        """The project functions a call may go to in `env`, and the implementations they are
        when it is dispatched by class hierarchy there ([] when not)."""
        dispatched = self.dispatch(call, env)
        if dispatched is not None:
            return [(i.fn, i.mod) for i in dispatched][:MAX_DISPATCH], dispatched
        return self._callees_in(call, env), []

    def _callees_in(self, call: ast.Call, env: Env) -> list[tuple[FunctionNode, ModuleInfo]]:
        """`_targets_in` of a call not dispatched by class hierarchy."""
        target = self.callee_value(call, env)
        out: list[tuple[FunctionNode, ModuleInfo]] = []
        for option in (flat_options(target) if isinstance(target, AltV) else [target]):
            if isinstance(option, InstanceV):
                # a callable object: `judge(messages)` (or `self.grader(messages)`, an object kept
                # on an attribute) runs Judge.__call__
                option = self.evaluator.class_attribute(option, "__call__", call.func, env)
            if isinstance(option, FuncRefV) and isinstance(option.node, ast.FunctionDef | ast.AsyncFunctionDef):
                tmod = self.evaluator.module_for_path(option.module, env)
                if tmod is not None and all(option.node is not fn for fn, _ in out):
                    out.append((option.node, tmod))
        return out[:MAX_DISPATCH]


def _implementation_of(impls: list[Implementation], fn: FunctionNode) -> Implementation | None:
    """The implementation among `impls` whose method is `fn`, if any."""
    return next((i for i in impls if i.fn is fn), None)


def _typed_receiver(recv: ast.expr, env: Env) -> bool:
    """Can `recv` have a declared class (see hierarchy.declared_receiver): `self.field`, or a
    parameter of the function with an annotation?"""
    if isinstance(recv, ast.Attribute):
        return isinstance(recv.value, ast.Name)
    scope = env.scope
    if not isinstance(recv, ast.Name) or not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    a = scope.args
    return any(p.arg == recv.id and p.annotation is not None for p in [*a.posonlyargs, *a.args, *a.kwonlyargs])


def _unknown(v: Value) -> bool:
    """Is nothing known of the value (an opaque value, or a choice of opaque values)?"""
    if isinstance(v, AltV):
        return all(isinstance(o, OpaqueV) for o in flat_options(v))
    return isinstance(v, OpaqueV)


def wrapper_words(fn: FunctionNode, mod: ModuleInfo) -> set[str]:
    """The words a call of wrapper `fn` is written with: its name, and for a callable object's
    `__call__` its class's name (`judge = Judge(...)`), for a closure the name of the function
    that returns it (`send = llm.sender()`); a file that has none of them cannot call it.
    A `__call__` may also be reached through an object typed with a base of its class
    (`sampler: SamplerBase`): the names of the bases count too."""
    words = {fn.name}
    owner = mod.parents.get(id(fn))
    if isinstance(owner, ast.ClassDef) and fn.name == "__call__":
        words.add(owner.name)
        words.update(n for n in map(hierarchy.short_name, owner.bases) if n)
    outer = mod.enclosing_function(fn)
    if outer is not None:
        words.add(outer.name)
    return words


_PROMPT_KEYWORDS = {"messages", "input", "instructions", "system", "tools", "contents", "config",
                    "response_format", "text", "functions", "toolConfig", "body", None}


# The calls of each function still in memory (see _calls_in_function): the same function is
# checked in every scan pass and again for every file calling it, each in a project of its own.
_FUNCTION_CALLS: weakref.WeakKeyDictionary[ast.AST, tuple[ast.Call, ...]] = weakref.WeakKeyDictionary()


def _calls_in_function(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[ast.Call, ...]:
    """The calls in `fn`'s body outside nested functions, classes and lambdas, in the order of a
    depth-first walk from the last statement (a function of the tree, kept while it lives)."""
    got = _FUNCTION_CALLS.get(fn)
    if got is not None:
        return got
    out = [n for n in subtree(fn.body, _SCOPES) if isinstance(n, ast.Call)]
    got = _FUNCTION_CALLS[fn] = tuple(out)
    return got


def _mentions(fn: ast.AST, pattern: Mention) -> bool:
    words = _words_of(pattern)
    if words is not None:
        return _mentions_words(fn, words)
    rx = _regex_of(pattern)
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and (rx.fullmatch(n.id) or n.id in frameworks.LITELLM_NAMES):
            return True  # litellm's functions are called by their bare names
        if isinstance(n, ast.Attribute) and rx.fullmatch(n.attr):
            return True
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _API_METHODS:
            return True
    return False


def _mentions_words(fn: ast.AST, words: frozenset[str]) -> bool:
    """`_mentions` for a pattern that matches exactly `words` (see pattern_words): fullmatch is
    membership. The nodes are those of ast.walk (the order does not change the answer)."""
    Name, Attribute, Call = ast.Name, ast.Attribute, ast.Call
    for n in subtree([fn]):
        if isinstance(n, Name):
            if n.id in words or n.id in frameworks.LITELLM_NAMES:  # litellm's bare `completion(...)`
                return True
        elif isinstance(n, Attribute):
            if n.attr in words:
                return True
        elif isinstance(n, Call) and isinstance(n.func, Attribute) and n.func.attr in _API_METHODS:
            return True
    return False


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


_API_METHODS = {"create", "acreate", "parse", "stream", "count_tokens", "generate_content", "generate_content_stream",
                *gemini_legacy.APIS, *frameworks.METHODS}
# The API method names a scan pass always looks for (the early cutoff refuses edits adding them).
API_METHODS = frozenset(_API_METHODS)

# A run of word characters, as `\w` and `\b` see them (str patterns: Unicode).
_WORD = re.compile(r"\w+")
_ALTERNATION_HEAD, _ALTERNATION_TAIL = r"\b(?:", r")\b"


@functools.lru_cache(maxsize=32)
def _alternation_words(source: str, flags: int) -> frozenset[str] | None:
    """The words of a pattern `\\b(?:w1|w2|...)\\b` whose alternatives are all plain words (word
    characters only, so nothing escaped), or None for any other pattern."""
    if flags != re.UNICODE or not (source.startswith(_ALTERNATION_HEAD) and source.endswith(_ALTERNATION_TAIL)):
        return None
    parts = source[len(_ALTERNATION_HEAD) : -len(_ALTERNATION_TAIL)].split("|")
    if not all(_WORD.fullmatch(p) for p in parts):
        return None
    return frozenset(parts)


def pattern_words(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The words `pattern` matches when it is an alternation of plain words between `\\b`s
    (SDK_WORDS, the wrapper-name patterns), else None.

    For such a pattern, a match in a text is exactly a maximal run of word characters that is
    one of the words (a word is all word characters, and `\\b` on both sides makes the run
    maximal); `fullmatch(s)` is `s in words`. So a text can be searched by splitting it into
    runs and testing membership in a set, which for hundreds of wrapper names is far faster
    than the alternation."""
    return _alternation_words(pattern.pattern, pattern.flags)


# What a scan pass looks for: a pattern, or names (as `names_regex(names)` matches them).
Mention = re.Pattern[str] | frozenset[str]


@functools.lru_cache(maxsize=32)
def names_regex(names: frozenset[str]) -> re.Pattern[str]:
    """`\\b(?:name|name|...)\\b`: the names as whole words."""
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, names))) + r")\b")


@functools.lru_cache(maxsize=32)
def _plain_names(names: frozenset[str]) -> bool:
    return plain_words(names)


def _words_of(m: Mention) -> frozenset[str] | None:
    """The words `m` matches exactly (see pattern_words), or None when only its regex can tell."""
    if isinstance(m, frozenset):
        return m if m and _plain_names(m) else None
    return pattern_words(m)


def _regex_of(m: Mention) -> re.Pattern[str]:
    return names_regex(m) if isinstance(m, frozenset) else m


def plain_words(names: frozenset[str] | set[str]) -> bool:
    """Are all `names` plain words (word characters only)? Then `pattern_words` holds for their pattern."""
    return all(_WORD.fullmatch(n) for n in names)


def has_word(text: str, words: frozenset[str] | set[str]) -> bool:
    """Does `text` hold a maximal run of word characters that is one of `words`?"""
    return not words.isdisjoint(_WORD.findall(text))


# Up to this many names, looking each up as a substring (a scan of the text in C) first is
# cheaper than splitting the text into words: a later scan pass asks about every file of the
# project for the few wrappers found in the pass before, and most files hold none of them.
SUBSTRING_FIRST = 64


def names_in(text: str, names: frozenset[str]) -> bool:
    """`names_regex(names).search(text) is not None`, without the regex when the names are plain words."""
    if names and len(names) <= SUBSTRING_FIRST and not any(n in text for n in names):
        return False  # a name that is not in the text at all is not in it as a word
    if names and _plain_names(names):
        return has_word(text, names)
    return names_regex(names).search(text) is not None


def text_words(text: str) -> frozenset[str]:
    """The words of `text` (maximal runs of word characters), for `names_in_words`."""
    return frozenset(map(sys.intern, _WORD.findall(text)))  # one copy of each word for all files


def names_in_words(words: frozenset[str], names: frozenset[str]) -> bool | None:
    """`names_in(text, names)` from `text_words(text)`, or None when that cannot tell (the
    names are not all plain words, or there are none)."""
    if not names or not _plain_names(names):
        return None
    return not names.isdisjoint(words)


_API_PLAIN = plain_words(_API_METHODS)


def mention_words(pattern: Mention) -> re.Pattern[str]:
    """What a function's text holds if `_mentions(fn, pattern)` can be true: a match of
    `pattern`, or an API method's name."""
    return re.compile(f"(?:{_regex_of(pattern).pattern})|\\b(?:{'|'.join(sorted(_API_METHODS))})\\b")


def mention_set(pattern: Mention) -> frozenset[str] | None:
    """The words a match of `mention_words(pattern)` is exactly one of (see pattern_words), or None."""
    words = _words_of(pattern)
    if words is None or not _API_PLAIN:
        return None
    return _with_api(words)


@functools.lru_cache(maxsize=32)
def _with_api(words: frozenset[str]) -> frozenset[str]:
    return words | _API_METHODS


class LineWords:
    """Which lines of a text hold one of a set of words (maximal runs of word characters),
    each line split into words at most once, and only when asked."""

    def __init__(self, lines: list[str], words: frozenset[str]) -> None:
        self.lines = lines
        self.words = words
        self._hit: dict[int, bool] = {}

    def any_in(self, first: int, last: int) -> bool:
        """Does a line from `first` to `last` (1-based, inclusive) hold one of the words?"""
        hit = self._hit
        lines = self.lines
        words = self.words
        findall = _WORD.findall
        for i in range(max(first, 1), min(last, len(lines)) + 1):
            got = hit.get(i)
            if got is None:
                got = hit[i] = not words.isdisjoint(findall(lines[i - 1]))
            if got:
                return True
        return False


def mentioning_functions(mod: ModuleInfo, pattern: Mention,
                         skip: frozenset[str] | set[str] = frozenset()) -> list[FunctionNode]:
    """`_mentioning_functions`, and on the first pass of a scan (`pattern` is SDK_WORDS) the
    functions that call litellm's completion by an alias, which name no SDK word."""
    fns = _mentioning_functions(mod, pattern, skip)
    if pattern is SDK_WORDS:
        fns += _litellm_alias_callers(mod, fns, skip)
    return fns


def _mentioning_functions(mod: ModuleInfo, pattern: Mention,
                          skip: frozenset[str] | set[str] = frozenset()) -> list[FunctionNode]:
    """The functions of `mod` (in walk order, names in `skip` left out) for which `_mentions`
    holds. A function whose lines (decorators included) hold no match of `pattern` and no API
    method name cannot mention either, so the text is searched once and only functions with a
    match are walked. Non-ASCII source is walked throughout: the parser folds identifiers to
    NFKC, so the text may spell a name differently from the tree."""
    fns = [fn for fn in mod.functions if fn.name not in skip]
    if not fns:
        return []
    if not mod.text.isascii():
        return [fn for fn in fns if _mentions(fn, pattern)]
    wanted = mention_set(pattern)
    if wanted is not None:
        # The same lines as the regex below finds matches on, from each line's words.
        words = _words_of(pattern)
        assert words is not None
        found = LineWords(mod.lines, wanted)
        return [fn for fn in fns
                if found.any_in(min([fn.lineno, *(d.lineno for d in fn.decorator_list)]), fn.end_lineno or fn.lineno)
                and _mentions_words(fn, words)]
    rx = mention_words(pattern)
    lines = sorted({mod.line_of_offset(m.start()) for m in rx.finditer(mod.text)})
    if not lines:
        return []
    out = []
    for fn in fns:
        first = min([fn.lineno, *(d.lineno for d in fn.decorator_list)])
        i = bisect.bisect_left(lines, first)
        if i < len(lines) and lines[i] <= (fn.end_lineno or fn.lineno) and _mentions(fn, pattern):
            out.append(fn)
    return out


def _litellm_alias_callers(mod: ModuleInfo, seen: list[FunctionNode],
                           skip: frozenset[str] | set[str]) -> list[FunctionNode]:
    """The functions of `mod` not in `seen` (names in `skip` left out) that call litellm's
    completion by an alias (`from litellm import completion as llm_call`) or an attribute it is
    stored on (`self.client = completion`, see litellm_attributes): no SDK word or API method
    name is written in them, so `mentioning_functions` cannot see them."""
    aliases = litellm_names(mod) - frameworks.LITELLM_NAMES
    held = litellm_attributes(mod)
    if not aliases and not held:
        return []
    ids = {id(fn) for fn in seen}
    return [fn for fn in mod.functions if id(fn) not in ids and fn.name not in skip
            and any((isinstance(n, ast.Name) and n.id in aliases)
                    or (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in held)
                    for n in subtree([fn]))]


def _call_uses(call: ast.Call, names: set[str], prompt_only: bool) -> bool:
    """Do the call's prompt arguments (or any argument) mention one of `names`?"""
    for k in call.keywords:
        if prompt_only and k.arg not in _PROMPT_KEYWORDS:
            continue
        if _name_ids(k.value) & names:
            return True
    if not prompt_only:
        return any(_name_ids(a) & names for a in call.args)
    return False


def _legacy_uses(found: FoundCall, names: set[str], fn: FunctionNode, mod: ModuleInfo) -> bool:
    """A legacy Gemini call (`model.generate_content(prompt)`) takes its content positionally,
    and its system instruction and tools from the model's constructor: does one of those,
    written in `fn`, mention one of `names`?"""
    if not gemini_legacy.is_legacy_api(found.api) or found.client is None:
        return False
    sent = [*found.node.args, *(k.value for k in found.node.keywords
                                if k.arg == gemini_legacy.CONTENT_KEYWORD[found.api])]
    if any(_name_ids(n) & names for n in sent):
        return True
    return any(_name_ids(n) & names and mod.enclosing_function(n) is fn for n in found.client.prompt_nodes)


def _framework_uses(found: FoundCall, names: set[str], fn: FunctionNode, mod: ModuleInfo) -> bool:
    """A langchain chat model's `invoke(messages)` and litellm's `completion(model, messages)`
    take their prompt positionally, and a chat model its tools from `bind_tools(...)`: does one
    of those, written in `fn`, mention one of `names`?"""
    at = frameworks.POSITIONAL_PROMPT.get(found.api)
    if at is None:
        return False
    if len(found.node.args) > at and _name_ids(found.node.args[at]) & names:
        return True
    nodes = found.client.prompt_nodes if found.client is not None else ()
    return any(_name_ids(n) & names and mod.enclosing_function(n) is fn for n in nodes)


def _name_ids(node: ast.AST) -> set[str]:
    """The ids of the Name nodes in `node` (itself included), walked without ast.walk's
    generators, and `self.<attr>` for each attribute of `self` read (see _filled_fields)."""
    out: set[str] = set()
    for n in subtree([node]):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self":
            out.add(f"self.{n.attr}")
    return out


# Methods that put their arguments into the list they are called on.
_FILLING_METHODS = frozenset({"append", "extend", "insert"})


def _filled_fields(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, set[str]]:
    """The names put into each list attribute of `self` in `fn` (`self.messages.append(Message(
    content=content))`), keyed `self.<attr>`: a method that adds a parameter to the conversation
    it keeps and then sends the conversation (sweep's `ChatGPT.chat_anthropic`) forwards it."""
    out: dict[str, set[str]] = {}
    for call in _calls_in_function(fn):
        f = call.func
        if isinstance(f, ast.Attribute) and f.attr in _FILLING_METHODS and isinstance(f.value, ast.Attribute) \
                and isinstance(f.value.value, ast.Name) and f.value.value.id == "self":
            used = out.setdefault(f"self.{f.value.attr}", set())
            for a in [*call.args, *(k.value for k in call.keywords)]:
                used |= _name_ids(a)
    return out


def _tainted_names(fn: ast.FunctionDef | ast.AsyncFunctionDef, mod: ModuleInfo, params: set[str]) -> set[str]:
    """Parameters and every local name assigned from them (or mutated with them).

    A name is tainted when one of its events (the value assigned, or the mutating call or
    augmented assignment) reads a tainted name; the names each name's events read are
    collected once, then the set grows until nothing changes (the least such set)."""
    ix = mod.flow_of(fn)
    reads: dict[str, set[str]] = {}
    for name, events in ix.events.items():
        if name in params:
            continue
        used: set[str] = set()
        for e in events:
            if e.value is not None:
                used |= _name_ids(e.value)
            if e.extra is not None and e.kind in ("call", "augassign"):
                used |= _name_ids(e.extra)
        reads[name] = used
    for name, used in _filled_fields(fn).items():
        reads[name] = used - {name}
    tainted = set(params)
    changed = True
    while changed:
        changed = False
        for name, used in reads.items():
            if name not in tainted and not used.isdisjoint(tainted):
                tainted.add(name)
                changed = True
    return tainted
