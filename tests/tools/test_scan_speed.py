"""The fast paths of the wrapper scan and of module indexing give the answers of the slow ones."""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path

from cachelint.analysis import project as P
from cachelint.analysis.module import _LINE_BREAK, ModuleInfo, split_lines

PIECES = ["a", "b", "_", "1", "é", " ", ".", "\n", "\r", "\r\n", "\x0c", "\x0b", "\x1c", "\x85", "\u2028", "openai"]


def _texts(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 12))) for _ in range(n)]


def test_split_lines_is_the_parsers_line_split() -> None:
    for text in [*_texts(20_000), "", "\n", "a\n", "a\r\nb\r", "x\x0cy\n"]:
        assert split_lines(text) == _LINE_BREAK.split(text), repr(text)


def test_words_search_is_the_alternation_search() -> None:
    names = frozenset({"a", "ab", "b1", "openai", "_", "é"})
    rx = P.names_regex(names)
    assert P.pattern_words(rx) == names
    for text in _texts(20_000, seed=3):
        assert P.names_in(text, names) == (rx.search(text) is not None), repr(text)
        for word in ["a", "ab", "openai", "é", "x"]:
            assert (word in names) == (rx.fullmatch(word) is not None)


def test_a_texts_words_answer_what_searching_the_text_answers() -> None:
    names = frozenset({"a", "ab", "b1", "openai", "_", "é"})
    for text in _texts(20_000, seed=5):
        assert P.names_in_words(P.text_words(text), names) == P.names_in(text, names), repr(text)
    # names that are not all word characters, or none at all: only the text can tell
    assert P.names_in_words(P.text_words("xa\u0301"), frozenset({"a\u0301"})) is None
    assert P.names_in_words(P.text_words("x"), frozenset()) is None


def test_only_plain_alternations_are_read_as_words() -> None:
    assert P.pattern_words(P.SDK_WORDS) is not None
    assert P.pattern_words(re.compile(r"\b(?:a|b.c)\b")) is None
    assert P.pattern_words(re.compile(r"\b(?:a|b)\b", re.IGNORECASE)) is None
    assert P.pattern_words(re.compile(r"(?:a|b)")) is None
    # a name that is not all word characters is searched with its regex
    odd = frozenset({"a\u0301"})
    assert P.names_in("xa\u0301", odd) == (P.names_regex(odd).search("xa\u0301") is not None)


SOURCE = '''
import openai

def one(x):
    return openai.OpenAI().chat.completions.create(messages=x)

@decorate(chat)
def two(y):
    z = y
    z.append(y)
    def inner(q):
        return wrapped(q)
    return inner(z)

def three():
    return 1

class K:
    def four(self, m):
        return self.client.responses.create(input=m)
'''


def test_mentioning_functions_word_path_matches_regex_path() -> None:
    mod = ModuleInfo("m.py", SOURCE, ast.parse(SOURCE))
    for names in [frozenset({"chat"}), frozenset({"wrapped", "nothing"}), frozenset({"inner"})]:
        rx = P.names_regex(names)
        expected = [fn for fn in mod.functions if _old_mentions(fn, rx)]
        lines = {mod.line_of_offset(m.start()) for m in P.mention_words(rx).finditer(mod.text)}
        expected = [fn for fn in expected
                    if any(min([fn.lineno, *(d.lineno for d in fn.decorator_list)]) <= ln <= (fn.end_lineno or 0)
                           for ln in lines)]
        assert P.mentioning_functions(mod, rx) == expected
        assert P.mentioning_functions(mod, names) == expected
    assert [f.name for f in P.mentioning_functions(mod, P.SDK_WORDS)] == ["one", "four"]


def _old_mentions(fn: ast.AST, pattern: re.Pattern[str]) -> bool:
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and pattern.fullmatch(n.id):
            return True
        if isinstance(n, ast.Attribute) and pattern.fullmatch(n.attr):
            return True
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in P._API_METHODS:
            return True
    return False


def test_calls_in_function_and_taint_as_before() -> None:
    mod = ModuleInfo("m.py", SOURCE, ast.parse(SOURCE))
    two = next(fn for fn in mod.functions if fn.name == "two")
    stack: list[ast.AST] = list(two.body)
    calls = []
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            calls.append(node)
        stack.extend(ast.iter_child_nodes(node))
    assert list(P._calls_in_function(two)) == calls
    assert P._calls_in_function(two) is P._calls_in_function(two)
    assert P._tainted_names(two, mod, {"y"}) == {"y", "z"}


def test_a_module_indexed_from_a_known_tree_copies_its_indexes() -> None:
    tree = ast.parse(SOURCE)
    first = ModuleInfo("a.py", SOURCE, tree)
    first.parents[12345] = tree  # a synthetic call registered later is not copied
    second = ModuleInfo("b.py", SOURCE, tree)
    fresh = ModuleInfo.__new__(ModuleInfo)
    fresh.text, fresh.tree = SOURCE, tree
    fresh._index()
    assert list(second.parents.items()) == list(fresh.parents.items())
    assert second.calls == fresh.calls and second.global_names == fresh.global_names
    assert second.functions == first.functions and second.lines == fresh.lines


def test_a_later_pass_answers_alike_from_the_file_and_from_the_module_parsed_before(tmp_path: Path) -> None:
    """_nothing_to_check reads the file, or takes the text and lines of the module this
    process parsed before: the same answer either way (\\r\\n and \\r line ends included)."""
    from cachelint.run import scan

    for ending in ["\n", "\r\n", "\r"]:
        text = SOURCE.replace("\n", ending)
        path = tmp_path / f"m{len(ending)}{ending == chr(13)}.py"
        path.write_bytes(text.encode())
        mod = ModuleInfo(str(path), text, ast.parse(text))
        known = scan.outline(mod)
        for pattern in [P.SDK_WORDS, frozenset({"chat"}), frozenset({"wrapped", "nothing"}), frozenset({"absent"}),
                        P.names_regex(frozenset({"inner"})), frozenset({"a\u0301"})]:
            for found in [frozenset(), frozenset({"one", "two"}), frozenset({"one", "two", "three", "four", "inner"})]:
                from_file = scan._nothing_to_check(str(path), known, pattern, found)
                assert scan._nothing_to_check(str(path), known, pattern, found, mod) == from_file, (ending, pattern)
