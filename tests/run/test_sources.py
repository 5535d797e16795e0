"""Every entry point that reads a file refuses a FIFO or a device in the tree, without waiting.

Each test runs cachelint in a subprocess under a timeout: a read that blocks on a named pipe
(or never ends on a device) fails the test instead of hanging the suite. The unit tests at
the end pin the guarded reader itself.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cachelint.sources import MAX_READ_BYTES, Refused, Why, lint_message, read_bytes, read_text

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")

TIMEOUT = 60.0  # seconds: far above a run on these few files, far below "forever"

CALL = """\
import openai

client = openai.OpenAI()
client.chat.completions.create(model="gpt-4o", messages=[{"role": "system", "content": SYSTEM},
                                                         {"role": "user", "content": USER}])
"""


def cli(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run([sys.executable, "-m", "cachelint", *args], cwd=cwd, input=stdin,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cachelint {' '.join(args)} did not end within {TIMEOUT}s")


def make_device(path: Path) -> None:
    """A character device at `path` (/dev/zero's numbers) when allowed, else a symlink to it."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 5))
    except (PermissionError, AttributeError):
        path.symlink_to("/dev/zero")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A project whose code reads prompt files that are a FIFO and a device, beside modules,
    a notebook and a .gitignore that are FIFOs or devices too."""
    root = tmp_path / "proj"
    (root / "prompts").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.cachelint]\n")
    os.mkfifo(root / "prompts" / "pipe.txt")
    make_device(root / "prompts" / "zero.txt")
    os.mkfifo(root / "helpers.py")  # imported below
    (root / "app.py").write_text(
        "from helpers import X\n"
        'SYSTEM = open("prompts/pipe.txt").read()\nUSER = open("prompts/zero.txt").read()\n' + CALL)
    (root / "ok.py").write_text('SYSTEM = "You are a helpful assistant."\nUSER = input()\n' + CALL)
    return root


def special_modules(root: Path) -> None:
    """Files discovery lists as modules and a notebook that cannot be read."""
    os.mkfifo(root / "fifo.py")
    make_device(root / "zero.py")
    os.mkfifo(root / "book.ipynb")
    os.mkfifo(root / ".gitignore")


def errors(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("cachelint: error:")]


@pytest.mark.parametrize("cache", [True, False])
def test_lint_refuses_special_files_with_one_line_each(tree: Path, cache: bool) -> None:
    special_modules(tree)
    args = ["--format", "json", "-j", "1"] + ([] if cache else ["--no-cache"])
    first = cli(*args, ".", cwd=tree)
    assert first.returncode == 2, first.stderr
    assert "Traceback" not in first.stderr
    assert sorted(errors(first)) == [
        "cachelint: error: book.ipynb: not a regular file",
        "cachelint: error: fifo.py: not a regular file",
        "cachelint: error: helpers.py: not a regular file",
        "cachelint: error: zero.py: not a regular file",
    ]
    found = [f for f in json.loads(first.stdout) if f["code"] is not None]  # code null: a file not checked
    assert {f["path"].rsplit("/", 1)[-1] for f in found} <= {"app.py", "ok.py"}
    unread = [f for f in json.loads(first.stdout) if f["code"] is None]
    assert sorted((f["path"], f["name"]) for f in unread) == [
        ("book.ipynb", "unreadable-file"), ("fifo.py", "unreadable-file"), ("helpers.py", "unreadable-file"),
        ("zero.py", "unreadable-file")]
    if cache:  # the second run takes results from the cache, hashing the prompt files again
        second = cli(*args, ".", cwd=tree)
        assert (second.returncode, second.stdout, second.stderr) == (2, first.stdout, first.stderr)


@pytest.mark.parametrize("where", ["prompts/pipe", "../outside/pipe"])
def test_a_prompt_file_that_is_a_fifo_with_the_cache_on(tmp_path: Path, where: str) -> None:
    """Issue 22: the cache hashed the prompt files a result depends on with a plain read, which
    waited forever on a FIFO the analysis had refused (inside the root; outside it, the
    analysis refuses the path before it becomes a dependency)."""
    root = tmp_path / "proj"
    (root / "prompts").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    os.mkfifo(root / where)
    (root / "pyproject.toml").write_text("[tool.cachelint]\n")
    (root / "app.py").write_text(f'SYSTEM = open("{where}").read()\nUSER = input()\n' + CALL)
    runs = [cli("--format", "json", ".", cwd=root) for _ in range(2)]  # cold, then warm
    for proc in runs:
        assert proc.returncode in (0, 1) and proc.stderr == "", proc.stderr
    assert runs[0].stdout == runs[1].stdout


def test_parallel_lint_with_cache(tree: Path) -> None:
    special_modules(tree)
    for name in ("a", "b", "c", "d"):  # enough files with calls for the workers to start
        (tree / f"{name}.py").write_text((tree / "app.py").read_text())
    proc = cli("--format", "concise", "-j", "2", ".", cwd=tree)
    assert proc.returncode == 2 and len(errors(proc)) == 4, proc.stderr


def test_show_prompt_of_a_call_reading_special_files(tree: Path) -> None:
    proc = cli("--show-prompt", "app.py", cwd=tree)
    assert proc.returncode == 0, proc.stderr
    assert "prompts/pipe.txt` is not a regular file" in proc.stdout
    assert "prompts/zero.txt` is not a regular file" in proc.stdout


def test_show_prompt_of_a_special_file(tree: Path) -> None:
    special_modules(tree)
    for name in ("fifo.py", "zero.py"):
        proc = cli("--show-prompt", name, cwd=tree)
        assert (proc.returncode, proc.stdout) == (2, "")
        assert proc.stderr == (f"cachelint: error: {name}: not a regular file "
                               "(--show-prompt takes PATH or PATH:LINE)\n")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_notebook_given_by_name(tree: Path, kind: str) -> None:
    target = tree / "book.ipynb"
    os.mkfifo(target) if kind == "fifo" else make_device(target)
    proc = cli("--no-cache", "book.ipynb", cwd=tree)
    assert proc.returncode == 2
    assert errors(proc) == ["cachelint: error: book.ipynb: not a regular file"]


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_baseline(tree: Path, kind: str) -> None:
    target = tree / "baseline.json"
    os.mkfifo(target) if kind == "fifo" else make_device(target)
    proc = cli("--no-cache", "--baseline", "baseline.json", "ok.py", cwd=tree)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "not a regular file" in proc.stderr, proc.stderr


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_config(tree: Path, kind: str) -> None:
    target = tree / "cachelint.toml"
    os.mkfifo(target) if kind == "fifo" else make_device(target)
    proc = cli("--no-cache", "--config", "cachelint.toml", "ok.py", cwd=tree)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "not a regular file" in proc.stderr, proc.stderr


def test_config_found_by_search_is_skipped_when_special(tree: Path) -> None:
    (tree / "pyproject.toml").unlink()
    os.mkfifo(tree / "pyproject.toml")
    proc = cli("--no-cache", "--format", "concise", "ok.py", cwd=tree)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr


# ---- the reader itself


def test_read_bytes_refuses_without_opening(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    make_device(tmp_path / "dev")
    (tmp_path / "dir").mkdir()
    assert read_bytes(str(tmp_path / "pipe")) == Refused(Why.SPECIAL, "stat")
    assert read_bytes(str(tmp_path / "dev")) == Refused(Why.SPECIAL, "stat")
    assert read_bytes(str(tmp_path / "dir")) == Refused(Why.DIRECTORY, "stat")
    missing = read_bytes(str(tmp_path / "nope"))
    assert isinstance(missing, Refused) and missing.why is Why.MISSING and not missing.opened
    assert lint_message(missing) == "file vanished or does not exist"


def test_read_bytes_caps_the_size(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_bytes(str(path), 10) == b"x" * 10
    assert read_bytes(str(path), 9) == Refused(Why.TOO_LARGE, "stat")
    assert lint_message(Refused(Why.TOO_LARGE, "stat")) == f"larger than {MAX_READ_BYTES >> 20} MiB: not read"


def test_read_bytes_without_following_a_link(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"data")
    (tmp_path / "link").symlink_to("f")
    assert read_bytes(str(tmp_path / "link")) == b"data"
    got = read_bytes(str(tmp_path / "link"), follow=False)
    assert isinstance(got, Refused) and got.why is Why.OS_ERROR and got.stage == "open"


def test_read_text_reads_as_text_mode_does(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a\r\nb\rc\n\xff")
    with open(path, encoding="utf-8", errors="replace") as fh:
        assert read_text(str(path), errors="replace") == fh.read()
    with pytest.raises(UnicodeDecodeError):
        read_text(str(path))
