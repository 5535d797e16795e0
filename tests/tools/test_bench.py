"""A smoke test of the benchmark (bench/run.py) on a tiny tree: it runs, prints its table, and
fails loudly when runs disagree. No timing is asserted."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load_bench() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module


def test_bench_runs_on_a_tiny_tree(tmp_path: Path) -> None:
    out_json = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--no-stdlib", "--dense", "8", "--big", "0",
         "--no-fixit-install", "--fixit-venv", str(tmp_path / "no-venv"), "--json", str(out_json)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| tree | files | tool | wall s |" in done.stdout
    assert "dense 8: 5 runs print identical JSON" in done.stdout
    rows = json.loads(out_json.read_text())["rows"]
    tools = [r["tool"] for r in rows]
    assert "cachelint cold (--no-cache)" in tools and "cachelint warm (cache populated)" in tools
    fixit = [r for r in rows if "Fixit" in r["tool"] or "fixit" in r["tool"]]
    # Fixit is either measured or the table says why not: never silently dropped.
    assert fixit and (fixit[0]["wall"] is not None or fixit[0]["note"])
    for r in rows:
        if r["tool"].startswith("cachelint"):
            assert r["wall"] > 0 and r["rss_mb"] > 0 and r["files"] == 8


def test_real_repository_mode_measures_only_the_repositories(tmp_path: Path) -> None:
    repo = tmp_path / "myrepo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "llm.py").write_text(
        "from openai import OpenAI\nclient = OpenAI()\n"
        "class Backend:\n    def send(self, messages):\n        raise NotImplementedError\n"
        "class OpenAIBackend(Backend):\n    def send(self, messages):\n"
        "        return client.chat.completions.create(model='gpt-4.1', messages=messages)\n")
    (repo / "types.py").write_text("raise SystemExit('a module of the repository was imported')\n")
    out_json = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--repos", str(repo), "--repeat", "1", "--json", str(out_json)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "myrepo: 5 runs print identical JSON" in done.stdout
    rows = json.loads(out_json.read_text())["rows"]
    assert {r["tree"] for r in rows} == {"myrepo"}
    assert all(r["wall"] > 0 for r in rows if r["tool"].startswith("cachelint"))


def test_a_disagreement_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_bench()
    real_run = bench.run

    def lying_run(cmd: list[str], cwd: str, env: dict[str, str] | None = None) -> object:
        got = real_run(cmd, cwd, env)
        if "--cache-dir" in cmd:
            got.stdout = got.stdout.replace(b'"code"', b'"kode"')
        return got

    monkeypatch.setattr(bench, "run", lying_run)
    bench.corpus.generate(str(tmp_path), 6)
    with pytest.raises(bench.Mismatch, match="differs from"):
        bench.check_same("tiny", str(tmp_path))


def test_times_come_from_unwatched_runs_and_memory_from_one_more(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sampling the tree's memory slows what it watches: it is done in a run of its own."""
    bench = load_bench()
    calls: list[bool] = []

    def fake_run(cmd: list[str], cwd: str, env: dict[str, str] | None = None, sample: bool = False) -> object:
        calls.append(sample)
        wall = 100.0 if sample else float(len(calls))
        return bench.RunOutput(0, b"", b"", wall, wall, 10.0, 50.0 if sample else None)

    monkeypatch.setattr(bench, "run", fake_run)
    m = bench.measure("t", 1, "tool", ["x"], ".", 3)
    assert calls == [False, False, False, True]
    assert (m.walls, m.wall, m.cpu, m.tree_mb, m.note) == ([1.0, 2.0, 3.0], 2.0, 2.0, 50.0, "")
    calls.clear()
    memory_only = bench.measure("t", 1, "tool", ["x"], ".", 0)
    assert calls == [True]
    assert (memory_only.wall, memory_only.tree_mb, memory_only.note) == (100.0, 50.0, "times from the memory run")
