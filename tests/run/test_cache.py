"""The result cache (issue 6): results are reused only while everything they depend on is unchanged."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cachelint import cache
from cachelint.diagnostics import Diagnostic, Fix, LintError, Related, Severity, Span
from cachelint.run.check import LintResult

CLIENT = "from openai import OpenAI\n\nclient = OpenAI()\n"
SHORT = 'POLICY = "Answer briefly."\n'
LONG = 'POLICY = "Always cite the relevant section of the support policy and never guess. " * 90\n'
MAIN = (
    CLIENT
    + "from app.prompts import POLICY\n\n\n"
    + "def ask(name, q):\n"
    + "    return client.responses.create(model='gpt-4.1', instructions=f'Hi {name}\\n' + POLICY, input=q)\n"
)


Lint = Callable[..., LintResult]
Write = Callable[[Path, dict[str, str]], list[str]]


def codes(result: LintResult) -> list[tuple[str, int, str]]:
    return [(Path(d.span.path).name, d.span.line, d.code) for d in result.diagnostics]


def test_second_run_is_served_from_the_cache(tmp_path: Path, lint: Lint, write: Write) -> None:
    paths = write(tmp_path / "proj", {"app/__init__.py": "", "app/prompts.py": LONG, "app/main.py": MAIN})
    first = lint(paths)
    assert ("main.py", 8, "CL101") in codes(first)
    assert lint.linted == ["main.py"]  # type: ignore[attr-defined]  # the others cannot matter
    second = lint(paths)
    assert lint.linted == []  # type: ignore[attr-defined]
    assert second == first


def test_changing_an_imported_constant_invalidates_the_importer(tmp_path: Path, lint: Lint, write: Write) -> None:
    root = tmp_path / "proj"
    paths = write(root, {"app/__init__.py": "", "app/prompts.py": SHORT, "app/main.py": MAIN})
    before = lint(paths)
    assert "CL101" not in {c for _, _, c in codes(before)}  # too little static text behind the name
    (root / "app/prompts.py").write_text(LONG)  # main.py itself is unchanged
    after = lint(paths)
    assert lint.linted == ["main.py"]  # type: ignore[attr-defined]
    assert ("main.py", 8, "CL101") in codes(after)
    assert after == lint(paths, cached=False)


def test_a_module_that_appears_later_is_followed(tmp_path: Path, lint: Lint, write: Write) -> None:
    root = tmp_path / "proj"
    paths = write(root, {"app/__init__.py": "", "app/main.py": MAIN})  # app/prompts.py is missing
    assert "CL101" not in {c for _, _, c in codes(lint(paths))}
    (root / "app/prompts.py").write_text(LONG)
    after = lint(paths)
    assert ("main.py", 8, "CL101") in codes(after)
    assert after == lint(paths, cached=False)


def test_a_new_wrapper_changes_the_callers(tmp_path: Path, lint: Lint, write: Write) -> None:
    root = tmp_path / "proj"
    llm_plain = "def chat(system, question):\n    return system + question\n"
    llm_wrapper = (
        CLIENT + "\n\ndef chat(system, question):\n"
        "    r = client.responses.create(model='gpt-4.1', instructions=system, input=question)\n"
        "    return r.output_text\n"
    )
    caller = (
        "from app.llm import chat\nfrom app.prompts import POLICY\n\n\n"
        "def answer(name, q):\n    return chat(f'Hi {name}\\n' + POLICY, q)\n"
    )
    paths = write(root, {"app/__init__.py": "", "app/prompts.py": LONG, "app/llm.py": llm_plain,
                         "app/service.py": caller})
    assert codes(lint(paths)) == []
    (root / "app/llm.py").write_text(llm_wrapper)
    after = lint(paths)
    assert ("service.py", 6, "CL101") in codes(after)
    assert after == lint(paths, cached=False)


def test_changing_a_prompt_file_invalidates_its_reader(tmp_path: Path, lint: Lint, write: Write) -> None:
    root = tmp_path / "proj"
    reader = (
        CLIENT + "from pathlib import Path\n\n"
        "POLICY = (Path(__file__).parent / 'policy.txt').read_text()\n\n\n"
        "def ask(name, q):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=f'Hi {name}\\n' + POLICY, input=q)\n"
    )
    paths = write(root, {"app/__init__.py": "", "app/main.py": reader, "app/policy.txt": "Answer briefly.\n"})
    before = lint(paths)
    (root / "app/policy.txt").write_text("Always cite the relevant section of the policy and never guess. " * 90)
    after = lint(paths)
    assert after == lint(paths, cached=False)
    assert codes(after) != codes(before)


def test_settings_are_part_of_the_key(tmp_path: Path, lint: Lint, write: Write) -> None:
    paths = write(tmp_path / "proj", {"app/__init__.py": "", "app/prompts.py": LONG, "app/main.py": MAIN})
    assert ("main.py", 8, "CL101") in codes(lint(paths))
    lint(paths, min_lost_tokens=100_000)
    assert lint.linted == ["main.py"]  # type: ignore[attr-defined]
    assert "CL101" not in {c for _, _, c in codes(lint(paths, min_lost_tokens=100_000))}


def test_editing_the_file_itself(tmp_path: Path, lint: Lint, write: Write) -> None:
    root = tmp_path / "proj"
    paths = write(root, {"app/__init__.py": "", "app/prompts.py": LONG, "app/main.py": MAIN})
    lint(paths)
    (root / "app/main.py").write_text(MAIN.replace("f'Hi {name}\\n' + POLICY", "POLICY"))
    assert codes(lint(paths)) == []
    assert lint.linted == ["main.py"]  # type: ignore[attr-defined]


def test_errors_are_cached_and_internal_errors_are_not(tmp_path: Path, lint: Lint, write: Write) -> None:
    root = tmp_path / "proj"
    paths = write(root, {"bad.py": "import openai\ndef f(:\n"})
    first = lint(paths)
    assert [e.message for e in first.errors] == ["syntax error at line 2: invalid syntax"]
    assert lint(paths) == first
    assert lint.linted == []  # type: ignore[attr-defined]


def test_cache_folder_layout(tmp_path: Path, lint: Lint, write: Write) -> None:
    paths = write(tmp_path / "proj", {"app/__init__.py": "", "app/prompts.py": LONG, "app/main.py": MAIN})
    lint(paths)
    folder = tmp_path / "cache"
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    [data_file] = (folder / cache.__version__).glob("*.json")
    data = json.loads(data_file.read_text())
    assert list(data["files"]) == [str(tmp_path / "proj/app/main.py")]  # only files that can matter
    assert str(tmp_path / "proj/app/prompts.py") in data["files"][str(tmp_path / "proj/app/main.py")]["deps"]


def test_a_damaged_cache_is_ignored(tmp_path: Path, lint: Lint, write: Write) -> None:
    paths = write(tmp_path / "proj", {"app/__init__.py": "", "app/prompts.py": LONG, "app/main.py": MAIN})
    first = lint(paths)
    [data_file] = (tmp_path / "cache" / cache.__version__).glob("*.json")
    data_file.write_text("{not json")
    assert lint(paths) == first
    assert lint.linted == ["main.py"]  # type: ignore[attr-defined]


def test_only_cachelint_types_are_rebuilt() -> None:
    diag = Diagnostic(
        "CL101", "dynamic-before-static", Severity.ERROR, "m", Span("a.py", 1, 2, 3, 4),
        Fix("move it"), (Related(Span("b.py", 5, 6, 7, 8), "here"),), fingerprint="f",
    )
    data = json.loads(json.dumps(cache.encode([diag, LintError("a.py", "x")])))
    assert cache.decode(data) == [diag, LintError("a.py", "x")]
    assert cache.decode(data)[0].fingerprint == "f"
    with pytest.raises(cache.Unsupported):
        cache.decode({"c": "os:system", "f": {}})
    with pytest.raises(cache.Unsupported):
        cache.decode({"e": "subprocess:Popen", "v": "ls"})


def test_cli_no_cache_and_cache_dir(project: Path, run: Callable[..., object]) -> None:
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (project / "app.py").write_text(CLIENT)
    run("--no-cache", "-j", "1")
    assert not (project / ".cachelint_cache").exists()
    run("-j", "1")
    assert (project / ".cachelint_cache" / ".gitignore").exists()
    run("--cache-dir", str(project / "elsewhere"), "-j", "1")
    assert (project / "elsewhere" / "CACHEDIR.TAG").exists()


_JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_JSON = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), _JSON | st.dictionaries(st.text(), _JSON, max_size=4), max_size=5))
@hsettings(max_examples=300, deadline=None)
def test_the_cache_file_is_written_as_json_dump_writes_it(data: dict[str, object]) -> None:
    out = io.StringIO()
    cache.write_compact(out, data)
    assert out.getvalue() == json.dumps(data, separators=(",", ":"))


def test_changing_a_settings_file_invalidates_its_reader(tmp_path: Path, lint: Lint, write: Write) -> None:
    """A prompt kept in TOML (read by tomllib here, merged by Dynaconf below): the TOML file is
    part of the reader's key."""
    root = tmp_path / "proj"
    reader = (
        CLIENT + "import tomllib\nfrom pathlib import Path\n\n"
        "with open(Path(__file__).parent / 'prompts.toml', 'rb') as f:\n"
        "    POLICY = tomllib.load(f)['policy']['text']\n\n\n"
        "def ask(name, q):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=f'Hi {name}\\n' + POLICY, input=q)\n"
    )
    paths = write(root, {"app/__init__.py": "", "app/main.py": reader,
                         "app/prompts.toml": '[policy]\ntext = "Answer briefly."\n'})
    before = lint(paths)
    long = "Always cite the relevant section of the policy and never guess. " * 90
    (root / "app/prompts.toml").write_text(f'[policy]\ntext = "{long}"\n')
    after = lint(paths)
    assert after == lint(paths, cached=False)
    assert codes(before) == [] and codes(after) == [("main.py", 12, "CL101")]


def test_a_settings_change_in_another_module_invalidates_the_reader(tmp_path: Path, lint: Lint,
                                                                   write: Write) -> None:
    """Dynaconf settings: a module that starts setting the key at run time makes it unknown."""
    root = tmp_path / "proj"
    long = "Always cite the relevant section of the policy and never guess. " * 90
    loader = ("from dynaconf import Dynaconf\nimport os\n"
              "settings = Dynaconf(settings_files=[os.path.join(os.path.dirname(__file__), 'p.toml')])\n"
              "def get_settings():\n    return settings\n")
    reader = (
        CLIENT + "from app.config import get_settings\n\n\n"
        "def ask(name, q):\n"
        "    return client.responses.create(model='gpt-4.1', input=q,\n"
        "                                   instructions=f'Hi {name}\\n' + get_settings().policy.text)\n"
    )
    paths = write(root, {"app/__init__.py": "", "app/config.py": loader, "app/main.py": reader,
                         "app/other.py": "x = 1\n", "app/p.toml": f'[policy]\ntext = "{long}"\n'})
    assert codes(lint(paths)) == [("main.py", 9, "CL101")]
    (root / "app/other.py").write_text("from app.config import get_settings\n"
                                       "def customise(t):\n    get_settings().set('policy.text', t)\n")
    after = lint(paths)
    assert after == lint(paths, cached=False)
    assert codes(after) == []
