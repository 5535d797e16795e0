"""Packaging: the wheel and `pip install .` work, the version has one home, the metadata is complete.

Builds run offline (`--no-build-isolation --no-deps`, with setuptools and wheel from the
`test` extra) on a copy of the source tree, so the checkout gets no build/ folder.
"""

from __future__ import annotations

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from cachelint import __version__
from cachelint.ruledocs import REPOSITORY_URL

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]

# The name on the package index ("cachelint" there is another project); the command, the import
# and the version stay `cachelint`'s. Wheel and dist-info names use the normalised form.
DIST = "cachelint-llm"
WHEEL_DIST = DIST.replace("-", "_")

# The install-size budget (issue 20): a fresh virtualenv with the wheel and its dependencies.
MAX_DISTRIBUTIONS = 12
MAX_INSTALLED_BYTES = 40_000_000
# What a new virtualenv holds before anything is installed (setuptools only before Python 3.12).
VENV_SEED = {"pip", "setuptools"}


def _build_tools() -> bool:
    """setuptools>=77 (pyproject's build requirement: the SPDX `license`) and wheel, to build offline."""
    try:
        major = int(metadata.version("setuptools").split(".")[0])
        metadata.version("wheel")
    except (metadata.PackageNotFoundError, ValueError):
        return False
    return major >= 77


needs_build_tools = pytest.mark.skipif(
    not _build_tools(), reason="needs setuptools>=77 and wheel (in the `test` extra) to build offline"
)
slow = pytest.mark.skipif(
    not os.environ.get("CACHELINT_SLOW_TESTS"), reason="set CACHELINT_SLOW_TESTS=1 (installs from the index)"
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
    (built,) = (work / "dist").glob(f"{WHEEL_DIST}-*.whl")
    return built


def wheel_metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as zf:
        return email.parser.Parser().parsestr(zf.read(f"{WHEEL_DIST}-{__version__}.dist-info/METADATA").decode())


@needs_build_tools
def test_wheel_contents(wheel: Path) -> None:
    assert wheel.name == f"{WHEEL_DIST}-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read(f"{WHEEL_DIST}-{__version__}.dist-info/entry_points.txt").decode()
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
        f"{WHEEL_DIST}-{__version__}.dist-info/licenses/LICENSE",
        # the tokenizer files counts are made with, and where they come from
        "cachelint/data/o200k_base.tiktoken.gz",
        "cachelint/data/cl100k_base.tiktoken.gz",
        "cachelint/data/NOTICE",
    ):
        assert required in names
    assert not any(n.startswith(("tests/", "scripts/", "examples/", "docs/")) for n in names)
    assert "[console_scripts]\ncachelint = cachelint.cli:main\n" in entry_points


@needs_build_tools
def test_wheel_metadata(wheel: Path) -> None:
    meta = wheel_metadata(wheel)
    assert meta["Name"] == DIST
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
    runtime = [r for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r]
    # Nothing taken for a data file (litellm was, for the BPE files cachelint now ships).
    names = sorted(re.split(r"[ ;<>=!~]", r, maxsplit=1)[0] for r in runtime)
    assert names == ["click", "pathspec", "pyyaml", "tiktoken", "tomli"]


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


def _installed(python: Path) -> list[dict[str, object]]:
    """Each distribution in `python`'s environment: name, and bytes of the files its RECORD lists."""
    script = """
import json, os
from importlib import metadata
out = []
for dist in metadata.distributions():
    size = 0
    for f in dist.files or ():
        path = dist.locate_file(f)
        if os.path.isfile(path):
            size += os.path.getsize(path)
    out.append({"name": dist.metadata["Name"], "bytes": size})
print(json.dumps(out))
"""
    done = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True, env=_clean_env())
    found: list[dict[str, object]] = json.loads(done.stdout)
    return found


def _clean_env() -> dict[str, str]:
    """This environment less what would let the fresh virtualenv see this one's packages."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


@slow
@needs_build_tools
def test_install_in_a_fresh_venv_is_small(wheel: Path, tmp_path: Path) -> None:
    """The wheel and its dependencies from the index, in a new virtualenv: <= 12 distributions
    (the venv's own pip and setuptools aside) and <= 40 MB; then it counts tokens offline."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=_clean_env())
    python = venv / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet", str(wheel)],
        capture_output=True, text=True, check=False, env=_clean_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    installed = [d for d in _installed(python) if str(d["name"]).lower() not in VENV_SEED]
    names = sorted(str(d["name"]).lower() for d in installed)
    assert DIST in names and "tiktoken" in names and "litellm" not in names
    assert len(installed) <= MAX_DISTRIBUTIONS, names
    total = sum(int(str(d["bytes"])) for d in installed)
    assert 0 < total <= MAX_INSTALLED_BYTES, f"{total:,} bytes: {names}"
    # Counts come from the files in the wheel, with no network and nothing else to download.
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(
        "from openai import OpenAI\nclient = OpenAI()\nPOLICY = 'Cite the policy section for every claim. ' * 300\n"
        "def reply(name: str) -> object:\n"
        "    return client.chat.completions.create(model='gpt-4.1', messages=["
        "{'role': 'system', 'content': f'Customer {name}. ' + POLICY}])\n",
        encoding="utf-8",
    )
    env = {**_clean_env(), "TIKTOKEN_CACHE_DIR": str(tmp_path / "no-cache")}
    run = subprocess.run(
        [str(venv / "bin" / "cachelint"), "--no-cache", "app.py"], cwd=project, capture_output=True, text=True, env=env,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert "CL101" in run.stdout and "2,402 tokens, o200k_base" in run.stdout
