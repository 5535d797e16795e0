"""Early cutoff for the wrapper scan: an edit that only adds statements nothing read can name
leaves the verdicts of the modules whose checks read the edited module standing.

A verdict (cachelint.run.modulefacts) records the content hash of every file its check read.
When one of them changed, the check need not run again if the check cannot have seen the
change. That is decided here, without knowing what the check looked at inside each file:

- the edited module's top-level statements are compared, as text, with those of the version
  the check read (their digests are kept by content hash, see `statement_digests`): the old
  statements must all still be there, unchanged and in order, so the edit only added whole
  statements (a line appended, a new constant or function);
- a check reaches a statement of another module only by a name (an import, an attribute of a
  module, a global read by a function it follows), and a module-wide walk of the analysis
  (callers of a function, mutated globals, classes) matches a name too: so if no word of the
  added statements (every identifier, string word and comment word in them) is written in
  any file the check read, outside the added statements, no lookup of the check can have
  led to them, and it would find what it found before;
- what does not go by a written name is refused: added statements that name an SDK or an
  API method (the analysis finds SDK calls by their shape), that bind a dunder name
  (`__all__`, `__getattr__`), that import `*`, or that are not ASCII (names are NFKC
  folded); and files read that call `getattr` with a computed name (the evaluator follows
  one built from pieces of text), when a file read may bind the edited module to a name
  (`from pkg import mod`, `import pkg.mod`, `import_module`, `sys.modules`). The class
  index's answers are checked as before (a new subclass is a changed answer), and so are the
  module names a check resolved.

Verdicts are the words a wrapper is called by, not places, so lines that moved do not matter.
Cached lint results hold places and are not cut off this way.
"""

from __future__ import annotations

import ast
import hashlib
import keyword
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cachelint.analysis.module import import_module_argument, split_lines
from cachelint.analysis.project import API_METHODS, MAX_MODULE_BYTES, mentions_sdk
from cachelint.cache import FileHashes
from cachelint.sources import Refused, read_bytes, read_module

_WORD = re.compile(r"\w+")
# Words that are never a name (soft keywords such as `match` and `type` can be).
_KEYWORDS = frozenset(keyword.kwlist)
_DUNDER = re.compile(r"\b__\w+__\b")
# `getattr(x, "name")`, the one form whose name is written as a word; any other getattr is a name
# the evaluator may build from pieces.
_GETATTR = re.compile(r"\bgetattr\b")
# Ways to get hold of a module object by a name not written in an import.
_ANY_MODULE = re.compile(r"\b(?:import_module|__import__|sys\.modules)\b")
# An import statement's names: to the end of its line, or of its parentheses.
_IMPORT = re.compile(r"\bimport\b(?:\s*\([^)]*\)|[^\n;]*)")
_LITERAL_GETATTR = re.compile(r"""\bgetattr\(\s*[^,()]*(?:\([^()]*\)[^,()]*)*,\s*(["'])\w+\1\s*[,)]""")


def statement_digests(tree: ast.Module, lines: Sequence[str]) -> list[str]:
    """A digest of each top-level statement's lines (decorators included), in order: what the
    cutoff compares two versions of a module by. Text, not trees: a comment edited inside a
    statement is a change (never the other way round)."""
    out = []
    for stmt in tree.body:
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
        last = stmt.end_lineno or stmt.lineno
        text = "".join(lines[first - 1 : last])
        out.append(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest())
    return out


@dataclass(frozen=True)
class Added:
    """The statements an edit added to a module: their words, the lines they hold (0-based,
    end exclusive), and whether any of them defines a function, class or lambda."""

    words: frozenset[str]
    spans: tuple[tuple[int, int], ...]
    defines: bool


def _words(text: str) -> set[str]:
    """The words of `text` that could be a name: not a keyword (`return`, `def`), not a number."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return {w for w in _WORD.findall(text) if not w[0].isdigit()} - _KEYWORDS


class Cutoff:
    """The cutoff's decisions for one run, over the table of statement digests by content hash
    (the result cache's `shapes`, or one of the run's own)."""

    def __init__(self, shapes: dict[str, Any], hashes: FileHashes, facts: dict[str, Any] | None = None) -> None:
        self.shapes = shapes
        self.hashes = hashes
        # What each version of a parsed file tells the cutoff (its module getters and the words
        # of its strings), by content hash: the result cache's `getters`, so that a warm run
        # parses none of the files it judges (see `_facts`).
        self.facts: dict[str, Any] = facts if facts is not None else {}
        self.kept = 0  # modules whose verdicts the cutoff kept in this run
        self.changed = False  # the table changed (the cache is written again)
        self._added: dict[tuple[str, str], Added | None] = {}
        self._texts: dict[str, str | None] = {}
        self._clear: dict[tuple[str, frozenset[str]], tuple[bool, bool]] = {}
        self._patterns: dict[frozenset[str], re.Pattern[str]] = {}
        self._spelled: dict[tuple[str, frozenset[str]], bool] = {}
        self._getter_memo: dict[str, _Getters | None] = {}
        self._imported: dict[tuple[str, frozenset[str]], bool] = {}
        self._trees: dict[str, ast.Module | None] = {}

    def record(self, real: str, digests: Sequence[str]) -> None:
        """A worker's digests of the module at `real`, as it read it (its current content)."""
        digest = self.hashes(real)
        if len(digest) > 1 and digest not in self.shapes:  # not ABSENT or UNREADABLE
            self.shapes[digest] = list(digests)
            self.changed = True

    def prune(self, referenced: Iterable[str]) -> None:
        """Keep the digests of the versions some verdict still refers to."""
        keep = set(referenced)
        for table in (self.shapes, self.facts):
            for key in [k for k in table if k not in keep]:
                del table[key]
                self.changed = True

    def added(self, real: str, old: str) -> Added | None:
        """What the edit of the module at `real` since its version `old` added, if it only added
        statements the cutoff can judge (see the module's docstring); None otherwise."""
        key = (real, old)
        if key not in self._added:
            self._added[key] = self._find_added(real, old)
        return self._added[key]

    def _find_added(self, real: str, old: str) -> Added | None:
        before = self.shapes.get(old)
        text = self._text(real) if real.endswith(".py") else None
        if not isinstance(before, list) or text is None:
            return None
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return None
        lines = split_lines(text)
        now = statement_digests(tree, lines)
        added: list[ast.stmt] = []
        i = 0
        for stmt, digest in zip(tree.body, now, strict=True):
            if i < len(before) and before[i] == digest:
                i += 1
            else:
                added.append(stmt)
        if i != len(before):
            return None  # a statement changed, moved or went away
        self.record(real, now)  # the version a verdict kept now refers to
        words: set[str] = set()
        spans: list[tuple[int, int]] = []
        defines = False
        if added and added[0] is tree.body[0] and isinstance(added[0], ast.Expr) \
                and isinstance(added[0].value, ast.Constant) and isinstance(added[0].value.value, str):
            return None  # a new docstring: the module's __doc__, read without its words
        for stmt in added:
            first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
            last = stmt.end_lineno or stmt.lineno
            chunk = "".join(lines[first - 1 : last])
            if not chunk.isascii() or mentions_sdk(chunk) or _DUNDER.search(chunk):
                return None
            for node in ast.walk(stmt):
                if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                    return None
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                    defines = True
            words |= _words(chunk)
            spans.append((first - 1, last))
        if words & API_METHODS:
            return None
        # A line an added statement shares with one that was there before (`a = 1; b = 2`)
        # changed that one's digest: it was not matched, so the spans hold added text only.
        return Added(frozenset(words), tuple(spans), defines)

    def _text(self, real: str) -> str | None:
        if real not in self._texts:
            if real.endswith(".py"):
                self._texts[real] = read_module(real, MAX_MODULE_BYTES)
            else:
                data = read_bytes(real)
                self._texts[real] = None if isinstance(data, Refused) else data.decode("utf-8", "replace")
        return self._texts[real]

    def unaffected(self, changed: Sequence[tuple[str, str]], deps: Iterable[str]) -> bool:
        """Can a check that read `deps` (real paths) not have seen the edits of `changed` (real
        path, content hash it read)? True when every edit only added statements none of whose
        words is written in what the check read, the added statements left out."""
        adds: dict[str, Added] = {}
        for real, old in changed:
            got = self.added(real, old)
            if got is None:
                return False
            adds[real] = got
        words = frozenset().union(*(a.words for a in adds.values()))
        if not words:
            return True  # only comments or blank lines between statements changed
        deps = list(deps)
        judged = [self._judged(real, words, adds.get(real)) for real in deps]
        if not all(clear for clear, _ in judged):
            return False
        if any(computed for _, computed in judged):
            # getattr with a name built from pieces may reach an added name, if it is given one
            # of the edited modules as an object: refused when any file read may bind one so
            stems = frozenset(_stem(real) for real in adds)
            return not self._may_bind(stems, deps)
        return True

    def _judged(self, real: str, words: frozenset[str], added: Added | None) -> tuple[bool, bool]:
        """Is the text of `real` (less what was added) free of `words`; does it call getattr
        with a name not written as a word?"""
        key = (real, words)
        got = self._clear.get(key)
        if got is None:
            got = self._clear[key] = self._judge(real, words, added)
        return got

    def _judge(self, real: str, words: frozenset[str], added: Added | None) -> tuple[bool, bool]:
        text = self._text(real)
        if text is None:
            # Missing or unreadable, as its unchanged hash says it was: nothing in it was read.
            return True, False
        if added is not None:
            lines = split_lines(text)
            for start, end in sorted(added.spans, reverse=True):
                del lines[start:end]
            text = "".join(lines)
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        computed = _GETATTR.search(text) is not None and \
            len(_GETATTR.findall(text)) != len(_LITERAL_GETATTR.findall(text))
        return self._pattern(words).search(text) is None, computed

    def _may_bind(self, stems: frozenset[str], deps: Sequence[str]) -> bool:
        """May a file of `deps` bind a module named by one of `stems` to a name: an import
        naming it (`import a.b`, `from a import b`), `importlib.import_module` or `__import__`
        with a literal naming it, or with a name built at run time from pieces that may spell
        it (see `_spells`), or `sys.modules`?"""
        getters = [g for g in map(self._getters, deps) if g is not None]
        if any(g.any_module or stems & g.literals for g in getters):
            return True
        if any(self._imports(real, stems) for real in deps):
            return True
        return any(g.computed for g in getters) and any(self._spells(real, stems) for real in deps)

    def _imports(self, real: str, stems: frozenset[str]) -> bool:
        key = (real, stems)
        if key not in self._imported:
            text = self._text(real)
            named = re.compile(rf"\b(?:{'|'.join(sorted(map(re.escape, stems)))})\b")
            flat = "" if text is None else text.replace("\\\n", " ")  # a statement continued with a backslash
            self._imported[key] = any(named.search(m.group(0)) for m in _IMPORT.finditer(flat))
        return self._imported[key]

    def _getters(self, real: str) -> _Getters | None:
        """How the code of `real` gets hold of modules other than by import statements; None when
        it has no word for it (most files: they are not parsed)."""
        if real not in self._getter_memo:
            text = self._text(real)
            self._getter_memo[real] = self._facts(real).getters \
                if text is not None and _ANY_MODULE.search(text) else None
        return self._getter_memo[real]

    def _facts(self, real: str) -> _FileFacts:
        """What the Python file at `real` (readable) tells the cutoff, from the table by its
        content hash, else from its tree (then kept in the table). Parsing the ~30 files an
        edit's dependents read was ~0.3 s of a 0.9 s pre-commit run on gptme (issue 20)."""
        digest = self.hashes(real)
        entry = self.facts.get(digest) if len(digest) > 1 else None
        got = _FileFacts.decode(entry) if entry is not None else None
        if got is None:
            got = _FileFacts.of(self._tree(real))
            if len(digest) > 1:  # not ABSENT or UNREADABLE
                self.facts[digest] = got.encode()
                self.changed = True
        return got

    def _tree(self, real: str) -> ast.Module | None:
        """The module at `real` parsed (once a run); None when it does not parse."""
        if real not in self._trees:
            text = self._text(real)
            try:
                self._trees[real] = None if text is None else ast.parse(text)
            except (SyntaxError, ValueError):
                self._trees[real] = None
        return self._trees[real]

    def _spells(self, real: str, stems: frozenset[str]) -> bool:
        """Is one of `stems` written as a word inside a string of `real` (anywhere in a file that
        is not Python)? The evaluator builds a module name only from text it read, so a name
        built at run time (`import_module(f"pkg.{name}")`) can name an edited module only if
        its name is spelled in a string of some file the check read."""
        key = (real, stems)
        if key in self._spelled:
            return self._spelled[key]
        text = self._text(real)
        named = self._pattern(stems)
        got = False
        if text is None or not named.search(text):
            pass
        elif not real.endswith(".py"):
            got = True
        elif all(_WORD.fullmatch(stem) for stem in stems):
            # A match of `named` in a string is a run of word characters that is a stem.
            facts = self._facts(real)
            got = facts.strings is None or not facts.strings.isdisjoint(stems)
        else:
            got = _in_strings(self._tree(real), named)
        self._spelled[key] = got
        return got

    def _pattern(self, words: frozenset[str]) -> re.Pattern[str]:
        got = self._patterns.get(words)
        if got is None:
            alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
            got = self._patterns[words] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
        return got


@dataclass(frozen=True)
class _Getters:
    """How a module's code gets hold of modules other than by import statements."""

    literals: frozenset[str]  # the dotted components of the literal names it asks for
    computed: bool  # a name built at run time
    any_module: bool  # `sys.modules`, or `import_module` renamed or passed on: any module


@dataclass(frozen=True)
class _FileFacts:
    """What the cutoff asks of a Python file's tree: its module getters, and the words (runs of
    word characters) of the strings the evaluator may read as values (None when it does not
    parse: then any word may be anywhere)."""

    getters: _Getters
    strings: frozenset[str] | None

    @staticmethod
    def of(tree: ast.Module | None) -> _FileFacts:
        if tree is None:
            return _FileFacts(_module_getters(None), None)
        return _FileFacts(_module_getters(tree), frozenset(_string_words(tree)))

    def encode(self) -> dict[str, Any]:
        g = self.getters
        return {"l": sorted(g.literals), "c": g.computed, "a": g.any_module,
                "s": None if self.strings is None else sorted(self.strings)}

    @staticmethod
    def decode(entry: Any) -> _FileFacts | None:
        """The facts `encode` wrote, or None for an entry that is not one (a damaged cache)."""
        if not isinstance(entry, dict):
            return None
        literals, computed, any_module, strings = entry.get("l"), entry.get("c"), entry.get("a"), entry.get("s")
        if not (isinstance(literals, list) and all(isinstance(x, str) for x in literals)
                and isinstance(computed, bool) and isinstance(any_module, bool)
                and (strings is None or (isinstance(strings, list) and all(isinstance(x, str) for x in strings)))):
            return None
        return _FileFacts(_Getters(frozenset(literals), computed, any_module),
                          None if strings is None else frozenset(strings))


def _string_words(tree: ast.Module) -> set[str]:
    """The words of the strings of `tree` the evaluator may read as values (see `_in_strings`)."""
    nodes = list(ast.walk(tree))
    alone = {id(node.value) for node in nodes if isinstance(node, ast.Expr)}
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in alone:
            out.update(_WORD.findall(node.value))
    return out


def _module_getters(tree: ast.Module | None) -> _Getters:
    """`importlib.import_module` and `__import__` count only where the evaluator could follow
    them (cachelint.analysis.module.import_module_argument: gptme calls import_module with
    `package=`, which the evaluator never follows). Comments and docstrings are not code.
    A module that does not parse may do anything."""
    if tree is None:
        return _Getters(frozenset(), True, True)
    literals: set[str] = set()
    computed = any_module = False
    called: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(
                a.name == "import_module" and a.asname not in (None, "import_module") for a in node.names):
            any_module = True  # renamed on import: its calls are not found by the name below
        elif isinstance(node, ast.Call) and (getter := _name_of(node.func)) in ("import_module", "__import__"):
            called.add(id(node.func))  # ast.walk visits a call before its function (below)
            arg = import_module_argument(node) if getter == "import_module" \
                else (node.args[0] if node.args else None)
            if arg is None:
                continue
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                literals.update(arg.value.split("."))
            else:
                computed = True
        elif _looks_up_modules(node):
            any_module = True
        elif _name_of(node) in ("import_module", "__import__"):
            any_module = any_module or id(node) not in called
    return _Getters(frozenset(literals), computed, any_module)


def _in_strings(tree: ast.Module | None, named: re.Pattern[str]) -> bool:
    """Does `named` match inside a string of the module `tree` that the evaluator may read as a
    value (a string standing alone as a statement, a docstring, never is)? A module that does
    not parse may hold it anywhere."""
    if tree is None:
        return True
    nodes = list(ast.walk(tree))
    alone = {id(node.value) for node in nodes if isinstance(node, ast.Expr)}
    return any(isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in alone
               and named.search(node.value) is not None for node in nodes)


def _looks_up_modules(node: ast.AST) -> bool:
    """`sys.modules`: a module by any name, which the cutoff cannot judge."""
    return isinstance(node, ast.Attribute) and node.attr == "modules" \
        and isinstance(node.value, ast.Name) and node.value.id == "sys"


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _stem(real: str) -> str:
    """The last component of the module name of the file at `real` (a package's, for `__init__.py`)."""
    head, name = os.path.split(real)
    stem = name.rsplit(".", 1)[0]
    return os.path.basename(head) if stem == "__init__" else stem


def referenced_hashes(table: Mapping[str, Any]) -> set[str]:
    """The content hashes the verdicts of a `modules` table refer to."""
    out: set[str] = set()
    for entry in table.values():
        deps = entry.get("d") if isinstance(entry, dict) else None
        if isinstance(deps, dict):
            out.update(v for v in deps.values() if isinstance(v, str))
    return out
