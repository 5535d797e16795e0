"""Packaging: the wheel and `pip install .` work, the version has one home, the metadata is complete.

Builds run offline (`--no-build-isolation --no-deps`, with setuptools and wheel from the
`test` extra) on a copy of the source tree, so the checkout gets no build/ folder.
"""

from __future__ import annotations

import email.parser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cachelint import __version__
from cachelint.ruledocs import REPOSITORY_URL

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent

needs_build_tools = pytest.mark.skipif(
    importlib.util.find_spec("setuptools") is None or importlib.util.find_spec("wheel") is None,
    reason="needs setuptools and wheel (in the `test` extra) to build offline",
)


def source_copy(target: Path) -> Path:
    shutil.copytree(
        REPO,
        target,
        ignore=shutil.ignore_patterns(
            ".git", "*.egg-info", "__pycache__", ".*_cache", "build", "dist", ".venv", ".hypothesis", ".benchmarks"
        ),
    )
    return target


def pip(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = source_copy(work / "src")
    pip("wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(work / "dist"), str(source), cwd=work)
    (built,) = (work / "dist").glob("cachelint-*.whl")
    return built


def metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as zf:
        return email.parser.Parser().parsestr(zf.read(f"cachelint-{__version__}.dist-info/METADATA").decode())


@needs_build_tools
def test_wheel_contents(wheel: Path) -> None:
    assert wheel.name == f"cachelint-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read(f"cachelint-{__version__}.dist-info/entry_points.txt").decode()
    for required in (
        "cachelint/py.typed",
        "cachelint/__init__.py",
        "cachelint/__main__.py",
        "cachelint/cli.py",
        "cachelint/notebook.py",
        "cachelint/report/sarif.py",
        "cachelint/report/github.py",
        "cachelint/rules/__init__.py",
        "cachelint/analysis/__init__.py",
        f"cachelint-{__version__}.dist-info/licenses/LICENSE",
    ):
        assert required in names
    assert not any(n.startswith(("tests/", "scripts/", "examples/", "docs/")) for n in names)
    assert "[console_scripts]\ncachelint = cachelint.cli:main\n" in entry_points


@needs_build_tools
def test_wheel_metadata(wheel: Path) -> None:
    meta = metadata(wheel)
    assert meta["Name"] == "cachelint"
    assert meta["Version"] == __version__
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.10"
    assert meta["Summary"]
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert set(urls) >= {"Homepage", "Documentation", "Repository", "Issues"}
    assert urls["Homepage"] == REPOSITORY_URL  # the URL SARIF output names
    classifiers = meta.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    trove = pytest.importorskip("trove_classifiers", reason="trove-classifiers is in the `test` extra")
    assert [c for c in classifiers if c not in trove.classifiers] == []
    requires = meta.get_all("Requires-Dist") or []
    assert any(r.startswith("click") for r in requires)


@needs_build_tools
def test_pip_install_dot_and_run(tmp_path: Path) -> None:
    """`pip install .` into a folder of its own; the installed command and `python -m` both run."""
    source = source_copy(tmp_path / "src")
    target = tmp_path / "site"
    pip("install", "--no-deps", "--no-build-isolation", "--target", str(target), str(source), cwd=tmp_path)
    assert (target / "cachelint" / "py.typed").is_file()
    # Dependencies (click, ...) come from this environment; cachelint from the target,
    # which PYTHONPATH puts ahead of the checkout's editable install.
    env = {**os.environ, "PYTHONPATH": str(target)}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for command in (
        [str(target / "bin" / "cachelint"), "--version"],
        [sys.executable, "-m", "cachelint", "--version"],
    ):
        done = subprocess.run(command, cwd=elsewhere, env=env, capture_output=True, text=True, check=False)
        assert (done.returncode, done.stdout, done.stderr) == (0, f"cachelint {__version__}\n", "")
    done = subprocess.run(
        [sys.executable, "-c", "import cachelint; print(cachelint.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith(str(target))


def test_version_has_one_home() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "cachelint.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:[ab]\d+|rc\d+)?", __version__)


def test_python_dash_m_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cachelint", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"cachelint {__version__}\n", "")
