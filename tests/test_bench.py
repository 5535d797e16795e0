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

BENCH = Path(__file__).resolve().parent.parent / "bench"


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
