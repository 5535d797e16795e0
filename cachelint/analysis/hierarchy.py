"""Class-hierarchy dispatch: the project methods a call on an object of a declared type may run.

`self.send(prompt)` in a base class, `backend.generate(...)` on a parameter typed `Backend`, or
`self.llm.chat(...)` on a field declared `llm: ChatBackend`: the object is not made where the
call is written, only its type is known, so the call may run the method of any project class
of that type (class-hierarchy analysis; a `Protocol` is matched by structure, every class that
defines its methods). Each implementation is a callee of its own, followed like any other.

The classes of the project are found by a text scan of its files (`ClassIndex`), done once per
run: class headers and method names only, no parsing. Files are parsed later, and only those
whose classes name a base (or define a method) in question.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cachelint.analysis.env import Env
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.scopes import decorator_names, instance_of, is_overload
from cachelint.analysis.values import FuncRefV, InstanceV, OpaqueV, Value

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
Loader = Callable[[str], ModuleInfo | None]

MAX_IMPLEMENTATIONS = 32  # classes a call is dispatched to (as project.MAX_DISPATCH)
MAX_SUBCLASS_LEVELS = 6  # how far down the hierarchy subclasses are looked for
MAX_CANDIDATE_FILES = 200  # files parsed for one question; past that the answer is cut short

# Class and method headers, each found from its keyword and then checked to start its line
# (what comes before on the line: indentation, and `async` for a method). A pattern that starts
# with `^` is tried at every position of the text; one that starts with a word is searched for
# that word first, which made the scan ~4x faster (gptme's 12 MB: 1.2 s -> 0.3 s, loaded machine).
_CLASS_HEADER = re.compile(r"class[ \t]+(\w+)[ \t]*(?:\(([^)]*)\))?[ \t]*:")
_METHOD_HEADER = re.compile(r"def[ \t]+(\w+)[ \t]*\(")
_CLASS_INDENT = re.compile(r"[ \t]*")
_METHOD_INDENT = re.compile(r"[ \t]+(?:async[ \t]+)?")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")  # innermost first: `Base[dict[str, int]]`
_PROTOCOL_BASES = {"Protocol"}


# What one file tells the class index: the short names of the bases its classes name, the
# names of the methods (indented functions) it defines, and the words it may reach a project
# name by: every capitalised word (it may build a class of that name: `ClaudeSampler(...)`),
# and any word written after a dot or imported by name (it may call a function or method of
# that name: `agent.ask(...)`, `from app.llm import answer`; `*` for a star import, which
# brings names in unwritten). Kept with a file's other facts in the result cache
# (cachelint.run.prefilter), so a warm run does not read the file for it.
ClassFacts = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
NO_CLASSES: ClassFacts = ((), (), ())

# Keys under which a project records what it asked the class index, beside the module names it
# resolved (cachelint.run.tracked): a cached result that dispatched on `Backend` depends on
# which files derive from a `Backend`, and a new subclass in a new file must invalidate it.
_BASE_KEY = "[classes:base]"
_METHOD_KEY = "[classes:method]"
_NAME_KEY = "[classes:name]"

# A word that may name a class: capitalised (PEP 8's CapWords), as a whole word.
_CAPITALISED = re.compile(r"\b[A-Z]\w*")
_NOT_CLASSES = frozenset({"True", "False", "None"})
# A word after a dot (an attribute: a module's function, an object's method), and the names of
# a `from ... import` (parenthesised lists over several lines included).
_ATTRIBUTE = re.compile(r"\.[ \t]*([a-z_]\w*)")
_FROM_IMPORT = re.compile(r"\bfrom[ \t]+[\w.]+[ \t]+import[ \t]*(\([^)]*\)|[^\n]*)")
_WORD = re.compile(r"\*|\b[a-z_]\w*")
STAR = "*"  # the word a star import is indexed under


def class_facts(text: str) -> ClassFacts:
    """The bases and method names a module's text shows, and the words it may reach a project
    name by (a text scan: no parsing)."""
    found = set(_CAPITALISED.findall(text)) - _NOT_CLASSES
    if "." in text:
        found.update(_ATTRIBUTE.findall(text))
    if "import" in text:
        for names in _FROM_IMPORT.findall(text):
            found.update(w for w in _WORD.findall(names) if w not in ("as", "import"))
    words = tuple(sorted(found))
    if "class" not in text:
        return (), (), words
    headers = [m for m in _CLASS_HEADER.finditer(text) if _starts_line(text, m.start(), _CLASS_INDENT)]
    if not headers:
        return (), (), words
    bases = sorted({b for m in headers if m.group(2) for b in base_names(m.group(2))})
    meths = {m.group(1) for m in _METHOD_HEADER.finditer(text) if _starts_line(text, m.start(), _METHOD_INDENT)}
    return tuple(bases), tuple(sorted(meths)), words


def _starts_line(text: str, at: int, indent: re.Pattern[str]) -> bool:
    """Is what comes before `at` on its line all `indent`?"""
    return indent.fullmatch(text, text.rfind("\n", 0, at) + 1, at) is not None


@dataclass(frozen=True)
class ClassIndex:
    """Where the project's classes are, from a text scan of every file, built once per run
    (by the run's process, from what its pre-filter read) and shared with its workers.

    `by_base`: the short name of a base class -> the files with a class deriving from a class
    of that name; `by_method`: a method name -> the files with a class defining a method of
    that name; `by_name`: a word -> the files that may reach a name so spelt (build a class of
    that name, call a function or method of that name: see ClassFacts). All only narrow down
    the files to parse: the parsed code decides."""

    by_base: dict[str, tuple[str, ...]]
    by_method: dict[str, tuple[str, ...]]
    by_name: dict[str, tuple[str, ...]]

    @staticmethod
    def build(paths: Iterable[str], read: Callable[[str], str | None]) -> ClassIndex:
        """The index of the files `paths`, each read with `read` (None: unreadable)."""
        facts = []
        for path in paths:
            text = read(path)
            if text is not None:
                facts.append((path, class_facts(text)))
        return ClassIndex.of(facts)

    @staticmethod
    def of(files: Iterable[tuple[str, ClassFacts]]) -> ClassIndex:
        """The index of files whose facts are known, in the order given."""
        by_base: dict[str, list[str]] = {}
        by_method: dict[str, list[str]] = {}
        by_name: dict[str, list[str]] = {}
        for path, (bases, meths, words) in files:
            for base in bases:
                by_base.setdefault(base, []).append(path)
            for name in meths:
                by_method.setdefault(name, []).append(path)
            for word in words:
                by_name.setdefault(word, []).append(path)
        return ClassIndex({k: tuple(v) for k, v in by_base.items()}, {k: tuple(v) for k, v in by_method.items()},
                          {k: tuple(v) for k, v in by_name.items()})

    def with_base(self, name: str) -> tuple[str, ...]:
        return self.by_base.get(name, ())

    def with_method(self, name: str) -> tuple[str, ...]:
        return self.by_method.get(name, ())

    def with_name(self, name: str) -> tuple[str, ...]:
        return self.by_name.get(name, ())

    def signature(self, key: str) -> str | None:
        """What the index answers to a question recorded under `key` (see Hierarchy.asked),
        to compare with the answer a cached result was computed from; None: not such a key."""
        if key.startswith(_BASE_KEY):
            return _joined(self.with_base(key[len(_BASE_KEY):]))
        if key.startswith(_METHOD_KEY):
            return _joined(self.with_method(key[len(_METHOD_KEY):]))
        if key.startswith(_NAME_KEY):
            return _joined(self.with_name(key[len(_NAME_KEY):]))
        return None


def _joined(paths: tuple[str, ...]) -> str:
    return "\n".join(paths)


def base_names(bases: str) -> list[str]:
    """The short names of the bases in a class header's parentheses (`abc.ABC, Generic[T]`
    -> ABC, Generic); keywords (`metaclass=...`) are not bases."""
    out = []
    while "[" in bases:
        stripped = _BRACKETS.sub("", bases)
        if stripped == bases:
            break  # unbalanced: what is left is split as it is
        bases = stripped
    for part in bases.split(","):
        part = part.strip()
        if part and "=" not in part:
            out.append(part.rsplit(".", 1)[-1])
    return out


@dataclass(frozen=True)
class Implementation:
    """A method a call may run: the function, its module, and the class whose instance runs it."""

    fn: FunctionNode
    mod: ModuleInfo
    cls: ast.ClassDef
    cls_mod: ModuleInfo
    declared: str  # the type the call names (`Backend`), where the dispatch starts

    @property
    def label(self) -> str:
        """The chain from the declared method to this one: `Backend.send() -> OpenAIBackend.send()`
        (`Groq (OpenAICompat.send())` when the class inherits the method it runs)."""
        owner = owner_class(self.fn, self.mod)
        where = owner.name if owner is not None else self.cls.name
        meth = self.fn.name
        impl = f"{where}.{meth}()" if where == self.cls.name else f"{self.cls.name} ({where}.{meth}())"
        return impl if self.declared in ("", self.cls.name) else f"{self.declared}.{meth}() -> {impl}"


ClassRef = tuple[ast.ClassDef, ModuleInfo]
# `Evaluator.shared`: a result of a module the same in every project, computed once per process
Share = Callable[[ModuleInfo, object, Callable[[], Any]], Any]
# the classes an object may be of, each with whether it is exactly that class
Declared = list[tuple[ast.ClassDef, ModuleInfo, bool]]


class Hierarchy:
    """Subclasses and implementations, answered from a `ClassIndex` with modules loaded on
    demand; answers are remembered for the life of the project (one unit of work)."""

    def __init__(self, index: ClassIndex, load: Loader,
                 resolve_bases: Callable[[ast.ClassDef, ModuleInfo], list[ClassRef]],
                 asked: Callable[[str, str], None], share: Share | None = None) -> None:
        self.index = index
        self.load = load
        self.resolve_bases = resolve_bases
        self.asked = asked  # told each question put to the index, by key, with its answer
        self.share = share
        self._subclasses: dict[int, list[ClassRef]] = {}

    def _with_base(self, name: str) -> tuple[str, ...]:
        got = self.index.with_base(name)
        self.asked(_BASE_KEY + name, _joined(got))
        return got

    def _with_method(self, name: str) -> tuple[str, ...]:
        got = self.index.with_method(name)
        self.asked(_METHOD_KEY + name, _joined(got))
        return got

    def with_name(self, name: str) -> tuple[str, ...]:
        """The files that may reach a project name `name` (see ClassFacts): build a class of
        that name, call a function or method of that name (`STAR`: the star imports)."""
        got = self.index.with_name(name)
        self.asked(_NAME_KEY + name, _joined(got))
        return got

    def classes_in(self, path: str) -> list[ClassRef]:
        mod = self.load(path)
        if mod is None:
            return []
        return [(n, mod) for n in mod.classes()]

    def subclasses(self, cls: ast.ClassDef, mod: ModuleInfo) -> list[ClassRef]:
        """`cls` and every project class deriving from it, most general first."""
        got = self._subclasses.get(id(cls))
        if got is not None:
            return got
        if self.share is None:
            found = self._find_subclasses(cls, mod)
        else:
            # The same in every project: shared with the other projects of the process (see
            # cachelint.analysis.shared), each linted file being a project of its own, with
            # the index questions told to each (MetaGPT: 1,084 walks of BaseLLM's subclasses).
            def compute() -> tuple[list[ClassRef], tuple[tuple[str, str], ...]]:
                told = self.asked
                asked: list[tuple[str, str]] = []
                self.asked = lambda k, a: asked.append((k, a))
                try:
                    return self._find_subclasses(cls, mod), tuple(asked)
                finally:
                    self.asked = told

            answer: tuple[list[ClassRef], tuple[tuple[str, str], ...]] = self.share(
                mod, ("subclasses", id(cls)), compute)
            found, questions = answer
            for key, told in questions:
                self.asked(key, told)
        self._subclasses[id(cls)] = found
        return found

    def _find_subclasses(self, cls: ast.ClassDef, mod: ModuleInfo) -> list[ClassRef]:
        found: list[ClassRef] = [(cls, mod)]
        known = {id(cls)}
        frontier = [(cls, mod)]
        parsed = 0
        for _ in range(MAX_SUBCLASS_LEVELS):
            nxt: list[ClassRef] = []
            for parent, _pmod in frontier:
                for path in self._with_base(parent.name):
                    parsed += 1
                    if parsed > MAX_CANDIDATE_FILES:
                        break
                    for sub, smod in self.classes_in(path):
                        if id(sub) in known or parent.name not in {short_name(b) for b in sub.bases}:
                            continue
                        if any(b is parent for b, _ in self.resolve_bases(sub, smod)):
                            known.add(id(sub))
                            found.append((sub, smod))
                            nxt.append((sub, smod))
            if not nxt:
                break
            frontier = nxt
        return found

    def structural(self, proto: ast.ClassDef, meth: str) -> list[ClassRef]:
        """The project classes that define every method a Protocol declares (and `meth`)."""
        wanted = {f.name for f in methods(proto)} | {meth}
        out: list[ClassRef] = []
        for path in self._with_method(meth)[:MAX_CANDIDATE_FILES]:
            for cls, cmod in self.classes_in(path):
                if cls is proto or is_protocol(cls):
                    continue
                defined = {f.name for c, _ in self.chain(cls, cmod) for f in methods(c)}
                if wanted <= defined:
                    out.append((cls, cmod))
        return out

    def chain(self, cls: ast.ClassDef, mod: ModuleInfo) -> list[ClassRef]:
        return class_chain(cls, mod, self.resolve_bases)

    def lookup(self, cls: ast.ClassDef, mod: ModuleInfo, meth: str) -> tuple[FunctionNode, ModuleInfo] | None:
        for c, cmod in self.chain(cls, mod):
            for f in methods(c):
                if f.name == meth:
                    return f, cmod
        return None

    def implementations(self, declared: Declared,
                        meth: str) -> list[Implementation]:
        """The methods `meth` runs on an object of one of the `declared` classes (each with
        whether it is the exact class, as a `default_factory` says, or any class of that type)."""
        out: list[Implementation] = []
        seen: set[int] = set()
        for cls, cmod, exact in declared:
            if exact:
                candidates = [(cls, cmod)]
            elif is_protocol(cls):
                candidates = self.structural(cls, meth)
            else:
                candidates = self.subclasses(cls, cmod)
            for c, m in candidates:
                got = self.lookup(c, m, meth)
                if got is None or id(got[0]) in seen or not concrete(got[0]):
                    continue
                seen.add(id(got[0]))
                out.append(Implementation(got[0], got[1], c, m, "" if exact else cls.name))
                if len(out) >= MAX_IMPLEMENTATIONS:
                    return out
        return out


Bases = Callable[[ast.ClassDef, ModuleInfo], list[ClassRef]]


def class_chain(cls: ast.ClassDef, mod: ModuleInfo, resolve_bases: Bases) -> list[ClassRef]:
    """The class and its project bases, nearest first (breadth first, not the full MRO)."""
    out: list[ClassRef] = [(cls, mod)]
    seen = {id(cls)}
    i = 0
    while i < len(out) and len(out) < 16:
        for b in resolve_bases(*out[i]):
            if id(b[0]) not in seen:
                seen.add(id(b[0]))
                out.append(b)
        i += 1
    return out


def methods(cls: ast.ClassDef) -> list[FunctionNode]:
    """The methods a class body defines, less `@overload` stubs (they only declare signatures)."""
    return [n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and not is_overload(n)]


def short_name(base: ast.expr) -> str:
    """The short name a class header gives a base (`abc.ABC` -> ABC, `Base[T]` -> Base)."""
    if isinstance(base, ast.Subscript):
        base = base.value
    if isinstance(base, ast.Attribute):
        return base.attr
    return base.id if isinstance(base, ast.Name) else ""


def is_protocol(cls: ast.ClassDef) -> bool:
    return any(short_name(b) in _PROTOCOL_BASES for b in cls.bases)


def concrete(fn: FunctionNode) -> bool:
    """Does the method do something? Abstract methods, `...`, `pass` and `raise
    NotImplementedError` bodies (after a docstring) are declarations, not implementations."""
    if "abstractmethod" in decorator_names(fn):
        return False
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body:
        return False
    if len(body) == 1:
        s = body[0]
        if isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)):
            return False
        if isinstance(s, ast.Raise) and s.exc is not None:
            exc = s.exc.func if isinstance(s.exc, ast.Call) else s.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return False
    return True


def is_property(fn: FunctionNode) -> bool:
    return bool(decorator_names(fn) & {"property", "cached_property"})


def owner_class(fn: ast.AST, mod: ModuleInfo) -> ast.ClassDef | None:
    parent = mod.parents.get(id(fn))
    return parent if isinstance(parent, ast.ClassDef) else None


# ---------------------------------------------------------------- declared receivers


ClassOf = Callable[[ast.expr, Env], list[ClassRef]]
# what `self.<name>` of a class is declared as, by (id of the class, name): asked at every call
# on such a field, and each answer walks the class's methods
FieldMemo = dict[tuple[int, str], tuple[ast.ClassDef, Declared | None]]


def declared_receiver(recv: ast.expr, value: Value, env: Env, class_of: ClassOf, bases: Bases,
                      fields: FieldMemo) -> Declared | None:
    """The classes an object may be of when only its type is known where it is used, each with
    whether it is exactly that class; None when the object is made where it can be followed (or
    is not an object of a project class at all).

    `recv` is the receiver as written and `value` what the evaluator made of it; `class_of`
    turns an annotation into the project classes it names, `bases` a class into the project
    classes it derives from; `fields` remembers what a class's fields were found to be."""
    if isinstance(recv, ast.Name):
        if isinstance(value, InstanceV) and _unbound_self(recv.id, env):
            cls = owner_class(env.scope, env.mod) if env.scope is not None else None
            if cls is not None:
                return [(cls, env.mod, False)]
        if isinstance(value, OpaqueV) and isinstance(env.scope, ast.FunctionDef | ast.AsyncFunctionDef):
            arg = _param(env.scope, recv.id)
            if arg is not None and arg.annotation is not None and (env.bindings is None or recv.id not in env.bindings
                                                                   or _passed_through(env.bindings[recv.id])):
                return [(c, m, False) for c, m in class_of(arg.annotation, _def_env(env))] or None
        ann = _global_annotation(recv.id, env) if isinstance(value, OpaqueV) else None
        if ann is not None:
            return [(c, m, False) for c, m in class_of(ann, _def_env(env))] or None
        return None
    if isinstance(recv, ast.Attribute) and isinstance(recv.value, ast.Name) and isinstance(value, OpaqueV) \
            and _is_self(recv.value.id, env):
        cls = owner_class(env.scope, env.mod) if env.scope is not None else None
        if cls is None:
            return None
        key = (id(cls), recv.attr)
        got = fields.get(key)
        if got is None or got[0] is not cls:
            got = (cls, next((d for c, m in class_chain(cls, env.mod, bases)
                              if (d := _declared_field(c, recv.attr, m, class_of)) is not None), None))
            fields[key] = got
        return got[1]
    return None


def _global_annotation(name: str, env: Env) -> ast.expr | None:
    """The annotation of a module-level `llm: BaseLLM` read in a function of that module, where
    the function does not assign the name itself (the app sets the global at startup)."""
    if isinstance(env.scope, ast.FunctionDef | ast.AsyncFunctionDef):
        ix = env.mod.flow_of(env.scope)
        if name in ix.params or (name in ix.events and name not in ix.globals_):
            return None
    elif env.scope is not None:
        return None
    for stmt in env.mod.tree.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
            return stmt.annotation
    return None


def _unbound_self(name: str, env: Env) -> bool:
    """`self` in a method analysed without a caller: any class deriving from this one."""
    if env.self_value is not None or (env.bindings is not None and name in env.bindings):
        return False
    return _is_self(name, env)


def _is_self(name: str, env: Env) -> bool:
    """Is `name` the first parameter of a method (not a static method) of a class?"""
    scope = env.scope
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) or owner_class(scope, env.mod) is None:
        return False
    params = [*scope.args.posonlyargs, *scope.args.args]
    return bool(params) and params[0].arg == name and "staticmethod" not in decorator_names(scope)


def _passed_through(v: Value) -> bool:
    return isinstance(v, OpaqueV) and v.passthrough


def _param(fn: FunctionNode, name: str) -> ast.arg | None:
    for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]:
        if a.arg == name:
            return a
    return None


def _def_env(env: Env) -> Env:
    return Env(env.mod, None, import_time=True)


def _declared_field(cls: ast.ClassDef, attr: str, mod: ModuleInfo, class_of: ClassOf) -> Declared | None:
    """`self.llm` where the class declares `llm: Backend` (a dataclass or pydantic field, with
    `default_factory=OpenAIBackend` naming the exact class), or sets it from a parameter
    annotated with a class (`def __init__(self, llm: Backend): self.llm = llm`). The class is
    defined in `mod`."""
    denv = Env(mod, None, import_time=True)
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == attr:
            factory = _default_factory(stmt.value)
            if factory is not None:
                return [(c, m, True) for c, m in class_of(factory, denv)] or None
            return [(c, m, False) for c, m in class_of(stmt.annotation, denv)] or None
    for fn in methods(cls):
        for node in ast.walk(fn):
            if isinstance(node, ast.AnnAssign) and _is_self_attr(node.target, attr, fn):
                return [(c, m, False) for c, m in class_of(node.annotation, denv)] or None
            if isinstance(node, ast.Assign) and any(_is_self_attr(t, attr, fn) for t in node.targets) \
                    and isinstance(node.value, ast.Name):
                arg = _param(fn, node.value.id)
                if arg is not None and arg.annotation is not None:
                    return [(c, m, False) for c, m in class_of(arg.annotation, denv)] or None
    return None


def _is_self_attr(target: ast.expr, attr: str, fn: FunctionNode) -> bool:
    params = [*fn.args.posonlyargs, *fn.args.args]
    return bool(params) and isinstance(target, ast.Attribute) and target.attr == attr \
        and isinstance(target.value, ast.Name) and target.value.id == params[0].arg


def _default_factory(value: ast.expr | None) -> ast.expr | None:
    """`Field(default_factory=X)` or `field(default_factory=X)`: X."""
    if isinstance(value, ast.Call):
        for k in value.keywords:
            if k.arg == "default_factory" and isinstance(k.value, ast.Name | ast.Attribute):
                return k.value
    return None


def annotation_classes(ann: ast.expr, env: Env, evaluate: Callable[[ast.expr, Env], Value],
                       load: Callable[[str, Env], ModuleInfo | None]) -> list[ClassRef]:
    """The project classes an annotation names: `Backend`, `"Backend"`, `Backend | None`,
    `Optional[Backend]`; nothing for containers (`list[Backend]`) or library types."""
    node = ann
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return []
        # The parsed names are looked up where the string stands, not at line 1 of the module
        # (before its imports, where nothing is bound yet).
        for sub in ast.walk(node):
            ast.copy_location(sub, ann)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return annotation_classes(node.left, env, evaluate, load) + annotation_classes(node.right, env, evaluate, load)
    if isinstance(node, ast.Subscript):
        if short_name(node.value) == "Optional":
            return annotation_classes(node.slice, env, evaluate, load)
        if short_name(node.value) == "Union" and isinstance(node.slice, ast.Tuple):
            return [c for e in node.slice.elts for c in annotation_classes(e, env, evaluate, load)]
        return []
    if isinstance(node, ast.Name | ast.Attribute):
        v = evaluate(node, env)
        if isinstance(v, FuncRefV) and isinstance(v.node, ast.ClassDef):
            mod = load(v.module, env)
            if mod is not None:
                return [(v.node, mod)]
    return []


def self_for(impl_fn: FunctionNode, fmod: ModuleInfo, cls: ast.ClassDef | None,
             cmod: ModuleInfo | None) -> Value | None:
    """What `self` is in a method reached by dispatch: an instance of the class it was found for
    (a classmethod gets the class itself); None for a static method."""
    decos = decorator_names(impl_fn)
    if "staticmethod" in decos:
        return None
    if cls is None or cmod is None:
        owner = owner_class(impl_fn, fmod)
        if owner is None:
            return None
        cls, cmod = owner, fmod
    if "classmethod" in decos:
        return FuncRefV(cls.name, cls, cmod.path)
    return instance_of(cls, cmod)
