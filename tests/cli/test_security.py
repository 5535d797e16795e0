"""Security: analysed code is never imported or run, prompt files are read only when they are
regular files inside the project root and under the size cap, and nothing is written outside
the cache folder."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cachelint.analysis.files import MAX_FILE_BYTES
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.project import Project
from cachelint.analysis.values import MAX_TEXT
from cachelint.prompt import Segment, Stability
from cachelint.rules import ALL_RULES
from cachelint.run.check import assemble_module
from cachelint.run.lint import RunOptions, lint_files
from cachelint.settings import Settings

TIMEOUT = 120


def side_effects(tag: str, markers: Path) -> str:
    """Module-level code that would leave traces if the module were ever imported or run."""
    return (
        "import os, pathlib, subprocess, sys\n"
        f"pathlib.Path({str(markers / (tag + '.open'))!r}).write_text('imported')\n"
        f"os.system('touch {markers / (tag + '.system')}')\n"
        f"subprocess.run(['touch', {str(markers / (tag + '.subprocess'))!r}])\n"
        f"print('SIDE EFFECT {tag}')\n"
        f"sys.stderr.write('SIDE EFFECT {tag}\\n')\n"
    )


LONG = "'Answer from the policy only. ' * 200"


def build_project(root: Path, markers: Path) -> None:
    """A project whose every module (the linted one, what it imports, packages, modules named
    like the stdlib) has import-time side effects; the linted module ends in an endless loop."""
    (root / "pyproject.toml").write_text("[project]\nname = 'evil'\n")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text(side_effects("pkg_init", markers))
    (root / "pkg" / "prompts.py").write_text(side_effects("pkg_prompts", markers) + f"POLICY = {LONG}\n")
    (root / "helpers.py").write_text(side_effects("helpers", markers)
                                     + "def header(user):\n    return f'Customer: {user}\\n'\n")
    for shadow in ("json", "textwrap", "tokenize", "tiktoken"):  # names cachelint itself imports
        (root / f"{shadow}.py").write_text(side_effects(f"shadow_{shadow}", markers))
    (root / "app.py").write_text(
        side_effects("app", markers)
        + "import openai\nimport helpers\nfrom pkg.prompts import POLICY\n\nclient = openai.OpenAI()\n\n\n"
        "def ask(user, question):\n"
        "    return client.responses.create(model='gpt-4.1', instructions=helpers.header(user) + POLICY,\n"
        "                                   input=question)\n\n\n"
        "if __name__ == '__main__':\n    ask('x', 'y')\n"
        "raise SystemExit(7)\n"
        "while True:\n    pass\n"
    )


def snapshot(*roots: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under the roots, with size and modification time."""
    seen: dict[str, tuple[int, int]] = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                p = os.path.join(dirpath, name)
                st = os.lstat(p)
                seen[p] = (st.st_size if not os.path.isdir(p) else 0, st.st_mtime_ns)
    return seen


@pytest.fixture
def evil(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    root = tmp_path / "proj"
    markers = tmp_path / "markers"
    root.mkdir()
    markers.mkdir()
    build_project(root, markers)
    home = tmp_path / "home"
    tmp = tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CACHELINT_", "PYTHON"))}
    env.update(HOME=str(home), TMPDIR=str(tmp), XDG_CACHE_HOME=str(home / ".cache"), NO_COLOR="1")
    return root, markers, env


def run_cli(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([sys.executable, "-m", "cachelint", *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("cachelint did not end: was the module's endless loop run?")


def test_a_module_with_import_time_side_effects_is_linted_without_them(
    evil: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    root, markers, env = evil
    # From the project folder itself, so its json.py and tokenize.py sit in the working directory.
    proc = run_cli(["--no-cache", "--format", "concise", "."], root, env)
    assert proc.returncode == 1, proc.stderr  # findings: not 7 (the module's SystemExit), no hang
    assert "app.py:" in proc.stdout and "CL101" in proc.stdout  # the prompt was rebuilt across modules
    assert "SIDE EFFECT" not in proc.stdout + proc.stderr
    assert list(markers.iterdir()) == []
    assert not list(root.rglob("__pycache__")) and not list(root.rglob("*.pyc"))  # not even compiled


def test_in_process_linting_imports_nothing_from_the_project(evil: tuple[Path, Path, dict[str, str]]) -> None:
    root, markers, _ = evil
    before = set(sys.modules)
    files = sorted(str(p) for p in root.rglob("*.py"))
    result = lint_files(files, Settings(root=str(root)), list(ALL_RULES), options=RunOptions(jobs=1))
    assert [d.code for d in result.diagnostics if d.span.path.endswith("app.py")] == ["CL101"]
    new = set(sys.modules) - before
    assert not {"app", "helpers", "pkg", "pkg.prompts"} & new
    for name in new:  # whatever got imported came from elsewhere, never from the project
        origin = getattr(sys.modules[name], "__file__", None) or ""
        assert not origin.startswith(str(root)), (name, origin)
    assert list(markers.iterdir()) == []


def changes(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]], *created_in: Path) -> set[str]:
    """Paths created, deleted or modified; a folder that only gained the new cache folder is not counted."""
    changed = {p for p in set(after) | set(before) if after.get(p) != before.get(p)}
    return changed - {str(d) for d in created_in}


def test_nothing_is_written_outside_the_cache_folder(evil: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    root, _, env = evil
    work = tmp_path / "cwd"
    work.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = snapshot(tmp_path)
    proc = run_cli(["--no-cache", str(root)], work, env)
    assert proc.returncode == 1, proc.stderr
    assert snapshot(tmp_path) == before  # --no-cache: not one file touched

    proc = run_cli([str(root)], work, env)  # the default cache, in the project root
    assert proc.returncode == 1, proc.stderr
    after = snapshot(tmp_path)
    cache = root / ".cachelint_cache"
    changed = changes(before, after, root)
    assert changed and all(Path(p).is_relative_to(cache) for p in changed), sorted(changed)

    before = after
    proc = run_cli(["--cache-dir", str(elsewhere / "cache"), str(root)], work, env)
    assert proc.returncode == 1, proc.stderr
    changed = changes(before, snapshot(tmp_path), elsewhere)
    assert changed and all(Path(p).is_relative_to(elsewhere / "cache") for p in changed), sorted(changed)
    assert not any((tmp_path / "home").iterdir()) and not any((tmp_path / "tmp").iterdir())


# ---------------------------------------------------------------- prompt files


PRE = "from pathlib import Path\nimport openai\n\nclient = openai.OpenAI()\n"
CALL = """
def ask(user):
    return client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": X}, {"role": "user", "content": user}],
    )
"""


def system_segment(root: Path, x: str) -> Segment:
    source = PRE + f"X = {x}\n" + CALL
    path = root / "app.py"
    path.write_text(source)
    project = Project(str(root))
    mod = project.add(ModuleInfo(str(path), source, ast.parse(source)))
    (prompt,) = assemble_module(mod, project)
    (seg,) = [s for s in prompt.segments if s.slot.startswith("messages[0]")]
    return seg


def test_a_prompt_file_up_to_the_cap_is_read(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("ab" * (MAX_FILE_BYTES // 2))
    seg = system_segment(tmp_path, "Path('ok.txt').read_text()")
    assert seg.stability == Stability.STATIC and seg.text is not None
    # Read whole; the evaluator then builds at most MAX_TEXT characters of it.
    assert seg.text == ("ab" * (MAX_FILE_BYTES // 2))[:MAX_TEXT] and seg.truncated == (MAX_TEXT < MAX_FILE_BYTES)


def test_a_prompt_file_over_the_cap_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("a" * (MAX_FILE_BYTES + 1))
    seg = system_segment(tmp_path, "Path('big.txt').read_text()")
    assert seg.text is None and seg.stability != Stability.STATIC
    assert "larger than 1 MiB" in seg.cause, seg.cause


@pytest.mark.parametrize("where", ["sibling", "parent", "absolute", "symlink", "symlinked folder"])
def test_a_prompt_file_outside_the_root_is_not_read(tmp_path: Path, where: str) -> None:
    root = tmp_path / "proj"
    (root / "sub").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    secret = tmp_path / "secret" / "key.txt"
    secret.write_text("TOP SECRET")
    (tmp_path / "parent.txt").write_text("TOP SECRET")
    (root / "link.txt").symlink_to(secret)
    (root / "sub" / "linked").symlink_to(tmp_path / "secret", target_is_directory=True)
    expr = {
        "sibling": "Path('../secret/key.txt').read_text()",
        "parent": "open(Path(__file__).parent.parent / 'parent.txt').read()",
        "absolute": f"Path({str(secret)!r}).read_text()",
        "symlink": "Path('link.txt').read_text()",
        "symlinked folder": "(Path(__file__).parent / 'sub' / 'linked' / 'key.txt').read_text()",
    }[where]
    seg = system_segment(root, expr)
    assert seg.text is None and "TOP SECRET" not in repr(seg)
    assert "outside the project root" in seg.cause, seg.cause
