"""Determinism: the same input gives byte-identical output.

The CLI runs in subprocesses on a copy of examples/ (14 modules, 18 findings across rules,
modules, helpers, wrappers and prompt files) with different PYTHONHASHSEED values, the
files named in different orders (and written to disk in different orders, so that a folder
walk meets them differently), one worker or two, and with or without the result cache. Every
run's stdout, stderr and exit status must equal the first one's, byte for byte.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TIMEOUT = 300


@dataclass(frozen=True)
class Variant:
    name: str
    args: tuple[str, ...]  # after the format options
    seed: str  # PYTHONHASHSEED
    jobs: int
    cache: bool = False
    where: str = "a"  # which copy of the project


def copy_project(dest: Path, order_seed: int) -> list[str]:
    """Copy examples/ file by file in a shuffled order; returns the .py files, relative, sorted."""
    files = sorted(p.relative_to(EXAMPLES) for p in EXAMPLES.rglob("*")
                   if p.is_file() and ".cachelint_cache" not in p.parts and "__pycache__" not in p.parts)
    random.Random(order_seed).shuffle(files)
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLES / rel, dest / rel)
    return sorted(str(f) for f in files if f.suffix == ".py")


def launch(cwd: Path, fmt: str, v: Variant) -> subprocess.Popen[bytes]:
    env = {k: val for k, val in os.environ.items() if not k.startswith(("CACHELINT_", "PYTHONHASHSEED"))}
    env.update(PYTHONHASHSEED=v.seed, NO_COLOR="1")
    cache = ["--cache-dir", str(cwd / ".cache")] if v.cache else ["--no-cache"]
    cmd = [sys.executable, "-m", "cachelint", "--format", fmt, *cache, "-j", str(v.jobs), *v.args]
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def outputs(procs: Sequence[subprocess.Popen[bytes]]) -> list[tuple[int, bytes, bytes]]:
    got = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail(f"{p.args!r} did not end within {TIMEOUT}s")
        got.append((p.returncode, out, err))
    return got


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    a = tmp_path_factory.mktemp("det") / "proj"
    b = tmp_path_factory.mktemp("det") / "proj"  # the same name: output paths are relative to it
    files = copy_project(a, 1)
    assert copy_project(b, 2) == files
    assert len(files) >= 10
    return a, b, files


def check_identical(copies: tuple[Path, Path, list[str]], fmt: str, variants: Sequence[Variant],
                    then: Sequence[Variant] = ()) -> bytes:
    """Run the variants at once (then the `then` ones); all must match the first. Returns its stdout."""
    a, b, _ = copies
    runs = outputs([launch(a if v.where == "a" else b, fmt, v) for v in variants])
    runs += outputs([launch(a if v.where == "a" else b, fmt, v) for v in then])
    code, out, err = runs[0]
    assert code == 1, err.decode()
    assert err == b""
    for v, (c, o, e) in zip([*variants, *then][1:], runs[1:], strict=True):
        assert (c, e) == (code, err), v.name
        if v.where == "b":  # SARIF names the project root by its absolute path: the one difference allowed
            assert fmt == "sarif" or str(b).encode() not in o
            o = o.replace(str(b).encode(), str(a).encode())
        assert o == out, f"{v.name}: output differs from {variants[0].name}"
    return out


BASE = Variant("folder, seed 0, -j1", (".",), "0", 1)


def test_json_is_byte_identical_across_seeds_orders_and_workers(copies: tuple[Path, Path, list[str]]) -> None:
    _, _, files = copies
    shuffled = list(files)
    random.Random(3).shuffle(shuffled)
    out = check_identical(copies, "json", [
        BASE,
        Variant("files sorted, seed 1, -j2", tuple(files), "1", 2),
        Variant("files reversed, seed 2, -j1", tuple(reversed(files)), "2", 1),
        Variant("files shuffled, seed 3, -j2, other copy", tuple(shuffled), "3", 2, where="b"),
        Variant("folder, random seed, -j2, other copy", (".",), "random", 2, where="b"),
    ])
    assert out.count(b'"code": "CL1') >= 5 and b'"code": "CL4' in out  # findings from several rules


def test_full_output_is_identical_with_the_cache_written_and_read(copies: tuple[Path, Path, list[str]]) -> None:
    a, _, files = copies
    out = check_identical(copies, "full", [
        BASE,
        Variant("files reversed, seed 3, -j2, other copy", tuple(reversed(files)), "3", 2, where="b"),
        Variant("folder, seed 4, -j2, cache written", (".",), "4", 2, cache=True),
    ], then=[Variant("folder, seed 5, -j1, cache read", (".",), "5", 1, cache=True)])
    assert b"CL101 [error]" in out and b"Found 18 findings" in out
    assert any(p.is_file() for p in (a / ".cache").rglob("*"))


def test_sarif_is_identical_but_for_the_root(copies: tuple[Path, Path, list[str]]) -> None:
    _, _, files = copies
    out = check_identical(copies, "sarif", [
        BASE, Variant("files reversed, random seed, -j2, other copy", tuple(reversed(files)), "random", 2, where="b"),
    ])
    assert b'"ruleId": "CL101"' in out


def test_show_prompt_is_byte_identical_across_seeds(copies: tuple[Path, Path, list[str]]) -> None:
    a, _, _ = copies
    target = "acme_support/conversations.py"
    procs = []
    for seed in ("0", "99"):
        env = {k: val for k, val in os.environ.items() if not k.startswith(("CACHELINT_", "PYTHONHASHSEED"))}
        env.update(PYTHONHASHSEED=seed, NO_COLOR="1")
        procs.append(subprocess.Popen([sys.executable, "-m", "cachelint", "--no-cache", "--show-prompt", target],
                                      cwd=a, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    runs = outputs(procs)
    assert b"static" in runs[0][1] and b"turn" in runs[0][1], runs[0]
    assert all(r == runs[0] for r in runs[1:])
