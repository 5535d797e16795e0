"""`cachelint models`: the table a user checks the assumed facts against, as the user meets it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cachelint.models import COMPATIBLE, MODELS

RunCli = Callable[..., Any]


def test_the_table_lists_every_row_and_provider(run: RunCli) -> None:
    done = run("models")
    assert (done.exit_code, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["MODEL", "PROVIDER", "MINIMUM", "CACHED", "DATE", "SOURCE"]
    by_name = {line.split()[0]: line for line in lines[1:] if line and not line.startswith(" ")}
    for row in MODELS:
        for model_id in row.ids:
            assert model_id in by_name, model_id
    sonnet = by_name["claude-3-5-sonnet-20241022"].split()
    assert sonnet[1:4] == ["anthropic", "1,024", "0.1x"]
    assert by_name["gpt-4.1-2025-04-14"].split()[1:4] == ["openai", "1,024", "0.25x"]
    assert by_name["gpt-3.5-turbo"].split()[2:5] == ["-", "no", "caching"]
    assert by_name["chatgpt-4o-latest"].split()[3] == "unknown"
    assert "price DIPPIN-225" in by_name["gpt-4.1-2025-04-14"]  # where the ratio comes from
    for c in COMPATIBLE:
        assert any(line.startswith(c.label + " ") for line in lines), c.label
    deepseek = next(line for line in lines if line.startswith("DeepSeek "))
    assert "ordering only (CL101-CL103, CL202)" in deepseek


def test_json_gives_every_source_and_date(run: RunCli) -> None:
    done = run("models", "--format", "json")
    assert (done.exit_code, done.stderr) == (0, "")
    data = json.loads(done.stdout)
    assert len(data["models"]) == len(MODELS)
    assert [c["provider"] for c in data["openai_compatible"]] == [c.key for c in COMPATIBLE]
    for row in data["models"]:
        assert row["source"] and row["date"], row
        if row["cached_price"] is not None:
            assert row["cached_price"]["source"] and row["cached_price"]["date"], row
    gpt41 = next(row for row in data["models"] if row["family"] == "gpt-4.1")
    assert gpt41["ids"] == ["gpt-4.1", "gpt-4.1-2025-04-14"]
    assert gpt41["cached_price"]["ratio"] == 0.25 and gpt41["minimum"] == 1024


def test_one_model_is_explained(run: RunCli) -> None:
    done = run("models", "claude-3-5-sonnet-latest")
    assert (done.exit_code, done.stderr) == (0, "")
    assert done.stdout.startswith("claude-3-5-sonnet-latest: in the model table (family claude-3-5-sonnet)\n")
    assert "  cached price: 0.1x the input price (ANT-SKILL " in done.stdout
    assert "  size rules (CL201): yes\n" in done.stdout
    family = run("models", "gpt-4.1-2099-01-01").stdout
    assert "the gpt-4.1 family's facts are assumed" in family
    served = run("models", "deepseek-chat", "--base-url", "https://api.deepseek.com").stdout
    assert served.startswith("deepseek-chat: served by DeepSeek: ")
    assert "  minimum: not documented by DeepSeek" in served
    assert "  size rules (CL201): no\n" in served
    unknown = run("models", "my-deployment").stdout
    assert unknown.startswith("my-deployment: not in the model table: ")


def test_a_bad_format_is_one_line_error(run: RunCli) -> None:
    done = run("models", "--format", "yaml")
    assert done.exit_code == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "yaml" in done.stderr


def test_python_dash_m_models() -> None:
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "cachelint", "models"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(repo)}, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("MODEL ")
