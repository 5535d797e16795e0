"""One parsed module: source positions, top-level bindings, imports and per-function flow indexes."""

from __future__ import annotations

import ast
import bisect
import itertools
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cachelint.diagnostics import Span
from cachelint.fastinit import fast_init

FuncNode = ast.FunctionDef | ast.AsyncFunctionDef
ScopeNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef

# A block chain says which branch of which compound statement a statement is in:
# ((id(if_node), "body"), (id(for_node), "body"), ...).
Chain = tuple[tuple[int, str], ...]

# Code written in an expression that does not run when the expression does.
_DEFERRED: tuple[type[ast.AST], ...] = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

_TRY_NODES: tuple[type[ast.stmt], ...] = (ast.Try, *([ast.TryStar] if hasattr(ast, "TryStar") else []))


@fast_init
@dataclass(frozen=True)
class Event:
    """Something that happens to a local name: an assignment, a mutation, a loop binding."""

    kind: str  # "assign" | "augassign" | "call" | "setitem" | "loopvar" | "opaque" | "import"
    name: str
    stmt: ast.stmt
    pos: tuple[int, int]  # when it has happened (end of the statement)
    chain: Chain
    in_loop: tuple[int, ...]  # ids of the loops (inside the function) around it
    value: ast.expr | None = None  # RHS, appended value, loop iterable, ...
    extra: ast.AST | None = None  # the mutating Call, the AugAssign op, the Subscript


@dataclass
class FlowIndex:
    """The events of one function body (or module body), by name, in source order."""

    events: dict[str, list[Event]] = field(default_factory=dict)
    params: dict[str, ast.arg] = field(default_factory=dict)
    globals_: set[str] = field(default_factory=set)
    chains: dict[int, Chain] = field(default_factory=dict)  # id(stmt) -> chain
    loops: dict[int, tuple[int, ...]] = field(default_factory=dict)  # id(stmt) -> loop ids
    loop_nodes: dict[int, ast.stmt] = field(default_factory=dict)
    returns: list[ast.Return] = field(default_factory=list)

    # Per name: whether the body binds it without an event saying so (a walrus, a match
    # capture); filled on demand by `binds`.
    unrecorded: dict[str, bool] = field(default_factory=dict)
    # Calls the name is handed to as an argument ("passed" events), which may change a list or
    # dict in place; apart from `events`, whose every other reader asks what binds a name.
    passed: dict[str, list[Event]] = field(default_factory=dict)
    # Events of an attribute of a name, by its path ("self.tools"): assigned, changed in place,
    # handed to a call. No name is spelt with a dot, so these never mix with a name's own.
    attrs: dict[str, list[Event]] = field(default_factory=dict)
    # Changes made in place through another name bound to the same object (`t = tools` then
    # `t.append(x)`), as events of the name whose object they change.
    aliased: dict[str, list[Event]] = field(default_factory=dict)
    # Per name with such calls: its events and those calls in the order they happen (see timeline).
    _timelines: dict[str, list[Event]] = field(default_factory=dict)

    def add(self, ev: Event) -> None:
        self.events.setdefault(ev.name, []).append(ev)

    def timeline(self, name: str) -> list[Event]:
        """The name's events with the calls it is handed to, in the order they happen. A call
        in a statement happens before the statement binds anything (`tools = f(tools)`)."""
        handed = self.passed.get(name)
        aliased = self.aliased.get(name)
        if not handed and not aliased:
            return self.events.get(name) or self.attrs.get(name, [])
        got = self._timelines.get(name)
        if got is None:
            got = self._timelines[name] = sorted(
                [*(handed or ()), *(aliased or ()), *self.events.get(name, []), *self.attrs.get(name, [])],
                key=_event_order)
        return got

    def binds(self, name: str, scope: ast.AST) -> bool:
        """Whether `name` is a name of `scope`, whose flow this is (Python's rule: bound
        somewhere in its body).
        An attribute or item stored on it (`litellm.drop_params = True`, `TABLE[k] = v`) or a
        method changing it in place is an event of the name but binds nothing: such a name is
        the enclosing scope's."""
        evs = self.events.get(name)
        if not evs:
            return False
        if any(e.kind not in _IN_PLACE for e in evs):
            return True
        got = self.unrecorded.get(name)
        if got is None:
            body = getattr(scope, "body", [])
            got = self.unrecorded[name] = name in _bound_by_expressions(body if isinstance(body, list) else [body])
        return got


def attr_path(node: ast.AST) -> str | None:
    """"self.tools" for `self.tools`: an attribute of a name, one level deep."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _event_order(e: Event) -> tuple[tuple[int, int], int]:
    return (e.pos, 0 if e.kind == "passed" else 1)


# Events that change what a name holds without binding the name.
_IN_PLACE = frozenset({"setitem", "attrset", "call", "delitem"})


def _bound_by_expressions(body: Sequence[ast.AST]) -> set[str]:
    """Names bound in `body` by what the flow builder records no event for: assignment
    expressions, match captures, `del name`. Nested functions and classes are included: a
    name counted local by mistake is read as unknown, never as the wrong value."""
    got: set[str] = set()
    for n in subtree(body):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del):
            got.add(n.id)
        elif isinstance(n, ast.MatchAs | ast.MatchStar) and n.name:
            got.add(n.name)
        elif isinstance(n, ast.MatchMapping) and n.rest:
            got.add(n.rest)
    return got


def _end(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def _start(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0) or 0, getattr(node, "col_offset", 0) or 0)


_MUTATORS = {"append", "extend", "insert", "update", "setdefault", "clear", "pop", "remove",
             "sort", "reverse", "popitem"}

# Builtins that never change what they are handed: a name passed to one records no event (a
# project function that shadows one is taken to keep that promise).
PURE_BUILTINS = frozenset({
    "len", "isinstance", "issubclass", "str", "repr", "print", "list", "tuple", "dict", "set", "frozenset",
    "sorted", "reversed", "enumerate", "zip", "range", "int", "float", "bool", "any", "all", "sum", "min",
    "max", "id", "type", "hasattr", "getattr", "iter", "map", "filter", "hash", "format", "callable", "abs",
    "round", "bytes", "ascii", "vars", "dir", "next", "super",
})


class _FlowBuilder:
    def __init__(self, index: FlowIndex) -> None:
        self.ix = index

    def block(self, stmts: list[ast.stmt], chain: Chain, loops: tuple[int, ...]) -> None:
        for s in stmts:
            self.stmt(s, chain, loops)

    def _target(self, t: ast.expr, stmt: ast.stmt, chain: Chain, loops: tuple[int, ...],
                value: ast.expr | None, kind: str = "assign") -> None:
        if isinstance(t, ast.Name):
            self.ix.add(Event(kind, t.id, stmt, _end(stmt), chain, loops, value))
        elif isinstance(t, ast.Tuple | ast.List):
            for e in t.elts:
                inner = e.value if isinstance(e, ast.Starred) else e
                self._target(inner, stmt, chain, loops, None, "opaque")
        elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
            self.ix.add(Event("setitem", t.value.id, stmt, _end(stmt), chain, loops, value, t))
        elif isinstance(t, ast.Subscript) and value is not None and (path := attr_path(t.value)) is not None:
            self._attr(Event("setitem", path, stmt, _end(stmt), chain, loops, value, t))
        elif isinstance(t, ast.Attribute):
            base = t.value
            while isinstance(base, ast.Attribute | ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name):
                self.ix.add(Event("attrset", base.id, stmt, _end(stmt), chain, loops, value, t))
            path = attr_path(t)
            if path is not None and not isinstance(stmt, ast.AugAssign):  # `+=`: an event of its own
                self._attr(Event(kind, path, stmt, _end(stmt), chain, loops, value))

    def _attr(self, e: Event) -> None:
        self.ix.attrs.setdefault(e.name, []).append(e)

    def _handed(self, exprs: Sequence[ast.AST | None], s: ast.stmt, pos: tuple[int, int], chain: Chain,
                loops: tuple[int, ...]) -> None:
        """A "passed" event for each name handed as an argument to a call in `exprs` (not in a
        function or lambda defined there, which runs later if at all). A spread (`*xs`, `**kw`)
        hands a copy, so it changes nothing."""
        roots = [x for x in exprs if x is not None]
        if not roots:
            return
        for n in subtree(roots, _DEFERRED):
            if not isinstance(n, ast.Call):
                continue
            if isinstance(n.func, ast.Name) and n.func.id in PURE_BUILTINS:
                continue
            for a in [*n.args, *(k.value for k in n.keywords if k.arg is not None)]:
                name = a.id if isinstance(a, ast.Name) else attr_path(a)
                if name is not None:
                    self.ix.passed.setdefault(name, []).append(Event("passed", name, s, pos, chain, loops, a, n))

    def stmt(self, s: ast.stmt, chain: Chain, loops: tuple[int, ...]) -> None:
        self.ix.chains[id(s)] = chain
        self.ix.loops[id(s)] = loops
        if isinstance(s, ast.Expr | ast.Assign | ast.AnnAssign | ast.AugAssign):
            self._handed([s.value], s, _end(s), chain, loops)
        elif isinstance(s, ast.If):
            self._handed([s.test], s, _end(s.test), chain, loops)
        elif isinstance(s, ast.For | ast.AsyncFor):
            self._handed([s.iter], s, _end(s.iter), chain, loops)
        elif isinstance(s, ast.While):
            self._handed([s.test], s, _end(s.test), chain, (*loops, id(s)))
        elif isinstance(s, ast.With | ast.AsyncWith):
            self._handed([i.context_expr for i in s.items], s, _end(s.items[-1].context_expr), chain, loops)
        if isinstance(s, ast.Assign):
            for t in s.targets:
                self._target(t, s, chain, loops, s.value)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self._target(s.target, s, chain, loops, s.value)
        elif isinstance(s, ast.AugAssign):
            if isinstance(s.target, ast.Name):
                self.ix.add(Event("augassign", s.target.id, s, _end(s), chain, loops, s.value, s))
            else:
                self._target(s.target, s, chain, loops, None, "opaque")
                path = attr_path(s.target)
                if path is not None:
                    self._attr(Event("augassign", path, s, _end(s), chain, loops, s.value, s))
        elif isinstance(s, ast.Expr):
            call = s.value.value if isinstance(s.value, ast.Await) else s.value
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name)
                and call.func.attr in _MUTATORS
            ):
                self.ix.add(Event("call", call.func.value.id, s, _end(s), chain, loops, None, call))
            elif isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in _MUTATORS \
                    and isinstance(call.func.value, ast.Attribute | ast.Subscript):
                # `chat.messages.append(m)`: the object `chat` names changes in place
                base: ast.expr = call.func.value
                while isinstance(base, ast.Attribute | ast.Subscript):
                    base = base.value
                if isinstance(base, ast.Name):
                    self.ix.add(Event("attrset", base.id, s, _end(s), chain, loops, None, call))
                path = attr_path(call.func.value)
                if path is not None:  # and so does the list `self.tools` names
                    self._attr(Event("call", path, s, _end(s), chain, loops, None, call))
        elif isinstance(s, ast.Return):
            self.ix.returns.append(s)
        elif isinstance(s, ast.If):
            self.block(s.body, (*chain, (id(s), "body")), loops)
            self.block(s.orelse, (*chain, (id(s), "orelse")), loops)
        elif isinstance(s, ast.For | ast.AsyncFor):
            self.ix.loop_nodes[id(s)] = s
            inner = (*loops, id(s))
            body_chain = (*chain, (id(s), "body"))
            # The loop variable is bound once the iterable is evaluated.
            self._loopvar(s.target, s, body_chain, inner)
            self.block(s.body, body_chain, inner)
            self.block(s.orelse, (*chain, (id(s), "orelse")), loops)
        elif isinstance(s, ast.While):
            self.ix.loop_nodes[id(s)] = s
            inner = (*loops, id(s))
            self.block(s.body, (*chain, (id(s), "body")), inner)
            self.block(s.orelse, (*chain, (id(s), "orelse")), loops)
        elif isinstance(s, ast.With | ast.AsyncWith):
            for item in s.items:
                if item.optional_vars is not None:
                    self._target(item.optional_vars, s, chain, loops, None, "opaque")
            # A with-body always runs: same chain.
            self.block(s.body, chain, loops)
        elif isinstance(s, _TRY_NODES):
            tr: ast.Try = s  # type: ignore[assignment]  # TryStar has the same fields
            self.block(tr.body, (*chain, (id(s), "body")), loops)
            for h in tr.handlers:
                hchain = (*chain, (id(s), f"handler{id(h)}"))
                if h.name:
                    self.ix.add(Event("opaque", h.name, s, _start(h), hchain, loops))
                self.block(h.body, hchain, loops)
            self.block(tr.orelse, (*chain, (id(s), "orelse")), loops)
            # finally always runs
            self.block(tr.finalbody, chain, loops)
        elif isinstance(s, ast.Match):
            for i, case in enumerate(s.cases):
                self.block(case.body, (*chain, (id(s), f"case{i}")), loops)
        elif isinstance(s, ast.Import | ast.ImportFrom):
            for a in s.names:
                name = a.asname or a.name.split(".")[0]
                if name != "*":
                    self.ix.add(Event("import", name, s, _end(s), chain, loops, None, s))
        elif isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.ix.add(Event("def", s.name, s, _start(s), chain, loops, None, s))
        elif isinstance(s, ast.Global | ast.Nonlocal):
            self.ix.globals_.update(s.names)
        elif isinstance(s, ast.Delete):
            for t in s.targets:
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                    self.ix.add(Event("delitem", t.value.id, s, _end(s), chain, loops, None, t))

    def _loopvar(self, t: ast.expr, s: ast.For | ast.AsyncFor, chain: Chain,
                 loops: tuple[int, ...]) -> None:
        pos = _end(s.iter)
        if isinstance(t, ast.Name):
            self.ix.add(Event("loopvar", t.id, s, pos, chain, loops, s.iter))
        elif isinstance(t, ast.Tuple | ast.List):
            for e in t.elts:
                inner = e.value if isinstance(e, ast.Starred) else e
                if isinstance(inner, ast.Name):
                    self.ix.add(Event("loopvar", inner.id, s, pos, chain, loops, s.iter, t))


def build_flow(body: list[ast.stmt], args: ast.arguments | None) -> FlowIndex:
    ix = FlowIndex()
    if args is not None:
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            ix.params[a.arg] = a
        if args.vararg:
            ix.params[args.vararg.arg] = args.vararg
        if args.kwarg:
            ix.params[args.kwarg.arg] = args.kwarg
    _FlowBuilder(ix).block(body, (), ())
    _aliases(ix)
    return ix


def _aliases(ix: FlowIndex) -> None:
    """For each `b = a` (two local names), the changes made in place through `b` while both
    still name that object, recorded as changes of `a` too. One made in a branch the binding
    is not on counts as made in that branch's (the binding's) block: it may not happen."""
    for b, evs in list(ix.events.items()):
        for x in evs:
            if x.kind != "assign" or not isinstance(x.value, ast.Name) or x.value.id == b:
                continue
            a = x.value.id
            rebound = [y.pos for y in [*ix.events.get(a, []), *evs]
                       if y.pos > x.pos and y.kind not in _IN_PLACE]
            until = min(rebound, default=(10**9, 0))
            for y in sorted([*evs, *ix.passed.get(b, [])], key=_event_order):
                if not x.pos < y.pos < until or y.kind not in ("call", "setitem", "delitem", "passed"):
                    continue
                chain = y.chain if y.chain[:len(x.chain)] == x.chain else x.chain
                ix.aliased.setdefault(a, []).append(
                    Event(y.kind, a, y.stmt, y.pos, chain, y.in_loop, y.value, y.extra))


_LINE_BREAK = re.compile(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)")


# What str.splitlines() ends a line at besides \n (\r being the only one the parser also counts).
_OTHER_BREAKS = ("\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def import_module_argument(node: ast.Call) -> ast.expr | None:
    """The argument naming the module, when the evaluator can follow this call as
    `importlib.import_module` (one positional argument, no `package=`); None when it never
    follows it. The early cutoff (cachelint.run.cutoff) asks the same question, so the two agree
    on which calls can hand the analysis a module object."""
    if len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred):
        return node.args[0]
    return None


def split_lines(text: str) -> list[str]:
    """`_LINE_BREAK.split(text)`: the lines as the parser counts them, each with its line break.
    Text whose only line break is \n is split by str.splitlines, several times faster."""
    if any(c in text for c in _OTHER_BREAKS):
        return _LINE_BREAK.split(text)
    lines = text.splitlines(True)
    if not lines or lines[-1].endswith("\n"):
        lines.append("")
    return lines


def line_starts(text: str) -> list[int]:
    """The offset where each line starts, lines counted as the parser does (see ModuleInfo.lines);
    `bisect_right(starts, offset)` is the 1-based line of `offset`."""
    starts = [0]
    for line in split_lines(text):
        starts.append(starts[-1] + len(line))
    return starts


# The module last indexed from each tree still in memory, by id(tree): the linted file's tree
# is often the one the wrapper scan parsed (see TrackedProject.parsed_tree), and indexing it
# again would repeat the walk over the whole tree.
_INDEXED: weakref.WeakValueDictionary[int, ModuleInfo] = weakref.WeakValueDictionary()


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class ModuleInfo:
    """A parsed module with lazily built indexes. Nothing here executes the code."""

    lines: list[str]
    parents: dict[int, ast.AST]  # id(node) -> its parent
    calls: list[ast.Call]  # every call, in walk order
    global_names: set[str]  # names declared `global` in any function
    _funcs_found: list[FuncNode]
    _parent_count: int  # entries of `parents` made while indexing (later ones: synthetic calls)

    def __init__(self, path: str, text: str, tree: ast.Module, name: str = "") -> None:
        self.path = path
        self.text = text
        self.tree = tree
        self.name = name  # dotted module name inside the project ("" if unknown)
        self._encoded: dict[int, bytes] = {}  # line index -> its UTF-8 bytes (AST columns count bytes)
        self._flows: dict[int, FlowIndex] = {}
        self._line_starts: list[int] | None = None
        self._functions: list[FuncNode] | None = None
        self._uses: dict[str, list[ast.expr]] | None = None
        self._classes: list[ast.ClassDef] | None = None
        self.mutated: set[str] | None = None  # Evaluator.mutated_globals, once worked out
        # Results the same in every project, kept with the module (see cachelint.analysis.shared).
        self.shared: dict[object, Any] = {}
        donor = _INDEXED.get(id(tree))
        if donor is not None and donor.tree is tree:
            self._index_from(donor)
        else:
            self._index()
        _INDEXED[id(tree)] = self
        self.flow = self.flow_of(None)
        self.is_package = path.endswith("__init__.py")

    def _index(self) -> None:
        tree = self.tree
        # Lines as the parser counts them: \r\n, \r and \n end a line, but not the \f, \v, \x1c
        # or \u2028 that str.splitlines() also splits on (positions would land on the wrong line).
        self.lines = split_lines(self.text)
        # One pass over the tree collects everything later passes would walk it again for.
        self.parents = parents = {}
        self.calls = calls = []  # every call, in walk order
        self.global_names = set()  # names declared `global` in any function
        self._funcs_found = funcs = []
        stack: list[ast.AST] = [tree]
        pop, push = stack.pop, stack.append
        AST = ast.AST
        walked = _CHILD_FIELDS
        # ast.iter_child_nodes, inlined: the children of each node in the same order (less the
        # fields child_fields leaves out).
        while stack:
            node = pop()
            if isinstance(node, ast.Call):
                calls.append(node)
            elif isinstance(node, ast.Global):
                self.global_names.update(node.names)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                funcs.append(node)
            fields = walked.get(type(node))
            if fields is None:
                fields = child_fields(type(node))
            for name in fields:
                value = getattr(node, name, None)
                if isinstance(value, AST):
                    parents[id(value)] = node
                    push(value)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, AST):
                            parents[id(item)] = node
                            push(item)
        self._parent_count = len(self.parents)

    def _index_from(self, donor: ModuleInfo) -> None:
        """The indexes `_index` would build, copied from a module indexed from the same tree
        (the wrapper scan's copy of the file being linted). Only the parents recorded while
        indexing are copied: the donor may have had synthetic calls registered since."""
        self.lines = list(donor.lines) if donor.text == self.text else split_lines(self.text)
        n = donor._parent_count
        self.parents = dict(itertools.islice(donor.parents.items(), n))
        self._parent_count = n
        self.calls = list(donor.calls)
        self.global_names = set(donor.global_names)
        self._funcs_found = list(donor._funcs_found)
        self.mutated = donor.mutated
        if donor._functions is not None:
            self._functions = list(donor._functions)
        self._uses = donor._uses  # never changed once built (nodes of the same tree)
        self._classes = donor._classes

    # ---- positions

    def _line_bytes(self, i: int) -> bytes:
        """Line `i` (0-based) as UTF-8, encoded once: a 600 KB line was encoded again for every node on it."""
        got = self._encoded.get(i)
        if got is None:
            got = self._encoded[i] = self.lines[i].encode("utf-8", "surrogatepass")
        return got

    def _char_col(self, line: int, byte_col: int) -> int:
        if 1 <= line <= len(self.lines):
            raw = self._line_bytes(line - 1)
            if raw.isascii():
                return byte_col
            return len(raw[:byte_col].decode("utf-8", "replace"))
        return byte_col

    def span(self, node: ast.AST) -> Span:
        line = getattr(node, "lineno", 1) or 1
        col = getattr(node, "col_offset", 0) or 0
        end_line = getattr(node, "end_lineno", line) or line
        end_col = getattr(node, "end_col_offset", col) or col
        return Span(
            self.path,
            line,
            self._char_col(line, col) + 1,
            end_line,
            self._char_col(end_line, end_col) + 1,
        )

    def source_of(self, node: ast.AST, limit: int = 120) -> str:
        seg = self._segment(node)
        if seg is None:
            try:
                seg = ast.unparse(node)
            except Exception:
                seg = type(node).__name__
        seg = " ".join(seg.split()) if "\n" in seg else seg
        return seg if len(seg) <= limit else seg[: limit - 1] + "…"

    def _segment(self, node: ast.AST) -> str | None:
        """`ast.get_source_segment`, without splitting the whole module again on every call."""
        try:
            line: int = node.lineno - 1  # type: ignore[attr-defined]
            col: int = node.col_offset  # type: ignore[attr-defined]
            end_line: int = node.end_lineno - 1  # type: ignore[attr-defined]
            end_col: int = node.end_col_offset  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            return None
        lines = self.lines
        if not 0 <= line <= end_line < len(lines):
            return None
        try:
            if line == end_line:
                return self._line_bytes(line)[col:end_col].decode()
            first = self._line_bytes(line)[col:].decode()
            last = self._line_bytes(end_line)[:end_col].decode()
        except UnicodeError:
            return None
        return "".join([first, *lines[line + 1 : end_line], last])

    # ---- structure

    @property
    def functions(self) -> list[FuncNode]:
        """Every function definition, in `ast.walk` order (breadth first), without walking the
        tree again: the wrapper scan visits functions in this order, and walking every module
        for them was a sixth of the scan."""
        got = self._functions
        if got is None:
            got = self._functions = sorted(self._funcs_found, key=self._walk_key)
        return got

    def name_uses(self) -> dict[str, list[ast.expr]]:
        """Where the module reads each name (`name`) and attribute (`.name`), each list in
        `ast.walk` order, and the names a `from` import binds each imported name to (`as name`:
        a Name standing for the alias), found in one walk and kept: looking for a function's
        callers walked the whole module for every parameter asked about (skyvern's 8,000-line
        `forge/agent.py`, hundreds of times in one file's project)."""
        got = self._uses
        if got is None:
            got = {}
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    got.setdefault(node.id, []).append(node)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                    got.setdefault("." + node.attr, []).append(node)
                elif isinstance(node, ast.ImportFrom):
                    for a in node.names:
                        if a.asname and a.asname != a.name:
                            got.setdefault("as " + a.name, []).append(ast.Name(id=a.asname, ctx=ast.Load()))
            self._uses = got
        return got

    def named(self, name: str, scope: ast.AST | None = None) -> list[ast.Name | ast.Attribute]:
        """The Name nodes reading `name` and the Attribute nodes reading `.name`, under `scope`
        (the whole module if None), in the order `ast.walk(scope)` yields them."""
        uses = self.name_uses()
        names = uses.get(name, ())
        attrs = uses.get("." + name, ())
        nodes: list[ast.Name | ast.Attribute] = [n for n in (*names, *attrs) if isinstance(n, ast.Name | ast.Attribute)]
        if scope is not None and scope is not self.tree:
            nodes = [n for n in nodes if self._under(n, scope)]
        if names and attrs:
            # Breadth first, as ast.walk: the same order within the scope as in the whole tree.
            nodes.sort(key=self._walk_key)
        return nodes

    def _under(self, node: ast.AST, scope: ast.AST) -> bool:
        cur = self.parents.get(id(node))
        while cur is not None:
            if cur is scope:
                return True
            cur = self.parents.get(id(cur))
        return False

    def classes(self) -> list[ast.ClassDef]:
        """Every class definition, in `ast.walk` order, found in one walk and kept (the class
        hierarchy asks for a module's classes once per question)."""
        got = self._classes
        if got is None:
            got = self._classes = [n for n in ast.walk(self.tree) if isinstance(n, ast.ClassDef)]
        return got

    def _walk_key(self, node: ast.AST) -> tuple[int, tuple[int, ...]]:
        """Where `ast.walk` yields `node`: by depth, then left to right (child indexes from the root)."""
        path: list[int] = []
        cur = node
        parent = self.parents.get(id(cur))
        while parent is not None:
            path.append(next(i for i, c in enumerate(ast.iter_child_nodes(parent)) if c is cur))
            cur = parent
            parent = self.parents.get(id(cur))
        path.reverse()
        return len(path), tuple(path)

    def line_of_offset(self, offset: int) -> int:
        """The 1-based line holding character `offset` of the text."""
        starts = self._line_starts
        if starts is None:
            starts = self._line_starts = line_starts(self.text)
        return bisect.bisect_right(starts, offset)

    def enclosing_scope(self, node: ast.AST) -> ScopeNode | None:
        cur = self.parents.get(id(node))
        while cur is not None:
            if isinstance(cur, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
                return cur
            cur = self.parents.get(id(cur))
        return None

    def enclosing_function(self, node: ast.AST) -> FuncNode | None:
        cur = self.parents.get(id(node))
        while cur is not None:
            if isinstance(cur, ast.FunctionDef | ast.AsyncFunctionDef):
                return cur
            if isinstance(cur, ast.ClassDef):
                return None
            cur = self.parents.get(id(cur))
        return None

    def loops_around(self, node: ast.AST) -> frozenset[int]:
        """The loops (ids of their statements) around `node` inside its function, and the
        comprehensions around it in its statement (a batch: `[ask(q) for q in questions]`)."""
        return frozenset(self.statement_chain(self.enclosing_function(node), node)[1]) | \
            self.comprehensions_around(node)

    def comprehensions_around(self, node: ast.AST) -> frozenset[int]:
        """The comprehensions (ids) that run `node` once per item: those whose element or
        conditions hold it, up to its statement (the first `for`'s iterable runs once)."""
        out: set[int] = set()
        child: ast.AST = node
        parent = self.parents.get(id(child))
        while parent is not None and not isinstance(parent, ast.stmt):
            if isinstance(parent, _COMPREHENSIONS) and child is not parent.generators[0].iter:
                out.add(id(parent))
            child, parent = parent, self.parents.get(id(parent))
        return frozenset(out)

    def enclosing_statement(self, node: ast.AST) -> ast.stmt | None:
        cur: ast.AST | None = node
        while cur is not None and not isinstance(cur, ast.stmt):
            cur = self.parents.get(id(cur))
        return cur if isinstance(cur, ast.stmt) else None

    def flow_of(self, func: ScopeNode | None) -> FlowIndex:
        key = id(func) if func is not None else 0
        ix = self._flows.get(key)
        if ix is None:
            if func is None:
                ix = build_flow(self.tree.body, None)
            elif isinstance(func, ast.Lambda):
                ix = build_flow([], func.args)
            elif isinstance(func, ast.ClassDef):
                ix = build_flow(func.body, None)
            else:
                ix = build_flow(func.body, func.args)
            self._flows[key] = ix
        return ix

    def statement_chain(self, func: ScopeNode | None, node: ast.AST) -> tuple[Chain, tuple[int, ...]]:
        """The block chain and loops around the statement holding `node` in `func`'s body."""
        ix = self.flow_of(func)
        stmt = self.enclosing_statement(node)
        while stmt is not None and id(stmt) not in ix.chains:
            parent = self.parents.get(id(stmt))
            stmt = self.enclosing_statement(parent) if parent is not None else None
        if stmt is None:
            return (), ()
        return ix.chains[id(stmt)], ix.loops[id(stmt)]


# Fields never walked into: those that always hold a string, a number or None, and the
# expression contexts and operators (ast.Load(), ast.Add(): one shared object each, which no
# analysis looks for as a node). They were 29% of the nodes of dense 1,000, each pushed,
# popped, recorded as a child of its latest parent and looked through for fields. Not `name`, which
# is a Name node in a 3.12 `type` statement.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "arg", "module", "level", "kind",
                          "conversion", "is_async", "type_comment", "simple"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(cls: type) -> tuple[str, ...]:
    """The fields of node type `cls` that may hold child nodes, in `_fields` order."""
    got = _CHILD_FIELDS.get(cls)
    if got is None:
        got = _CHILD_FIELDS[cls] = tuple(f for f in getattr(cls, "_fields", ()) if f not in _LEAF_FIELDS)
    return got


def subtree(roots: Sequence[ast.AST], skip: tuple[type[ast.AST], ...] = ()) -> list[ast.AST]:
    """The nodes under `roots` (themselves included), those of a type in `skip` left out with all
    below them, in the order of a depth-first walk that pushes each node's children as
    ast.iter_child_nodes yields them (contexts and operators left out, see child_fields). A list
    built in one loop, without ast.walk's generators:
    the scan walks every candidate function this way, and the evaluator every module's functions."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(roots)
    pop, push, keep = stack.pop, stack.append, out.append
    AST = ast.AST
    walked = _CHILD_FIELDS
    while stack:
        node = pop()
        if skip and isinstance(node, skip):
            continue
        keep(node)
        fields = walked.get(type(node))
        if fields is None:
            fields = child_fields(type(node))
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, AST):
                push(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, AST):
                        push(item)
    return out
