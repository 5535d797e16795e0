"""A smoke test of the real-repository benchmark (bench/repos.py) on a tiny repository: it
runs, prints its rows, checks its runs agree, and leaves the repository as it found it. No
timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"

SDK_MODULE = (
    "from openai import OpenAI\n\nclient = OpenAI()\n\n\n"
    "def ask(q):\n    return client.responses.create(model='gpt-4.1', input=q)\n"
)


def test_repos_bench_runs_on_a_tiny_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "__init__.py").write_text("")
    (repo / "app" / "llm.py").write_text(SDK_MODULE)
    (repo / "app" / "use.py").write_text("from app.llm import ask\n\nANSWER = ask('hi')\n")
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    out_json = tmp_path / "rows.json"
    command = [sys.executable, str(BENCH / "repos.py"), str(repo), "--repeat", "1", "--json", str(out_json)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| repository | files | what |" in done.stdout
    assert "repo: cold, first, warm and after-edit runs print identical JSON" in done.stdout
    whats = [r["what"] for r in json.loads(out_json.read_text())["rows"]]
    assert whats[0].startswith("parse floor")
    assert "cachelint: edit one module, lint it (warm)" in whats
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before  # edited in a copy only
