"""scripts/sweep.py: the standard library sweeps clean, and one bad file is one line, not the end of the run."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SWEEP = REPO / "scripts" / "sweep.py"

SDK_CALL = """\
import openai

client = openai.OpenAI()
SYSTEM = "You are a support agent for ACME. " * 100  # ~900 tokens: CL201 on gpt-4o (from 512)


def answer(question):
    return client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
    )
"""


def load_sweep() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cachelint_sweep", SWEEP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def sweep() -> ModuleType:
    return load_sweep()


slow = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("CACHELINT_SLOW_TESTS")),
    reason="slow (the whole standard library, several minutes): runs in CI, or locally with CACHELINT_SLOW_TESTS=1",
)


@slow
def test_sweep_of_the_standard_library_has_no_internal_error() -> None:
    """Every stdlib file through the engine, then evaluated deeply (small budgets keep it to minutes)."""
    stdlib = sysconfig.get_paths()["stdlib"]
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(SWEEP), "--deep-steps", "1000", "--file-steps", "5000", "--timeout", "60", stdlib],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=REPO,
    )
    out = proc.stdout
    internal = [line for line in out.splitlines() if line.startswith("INTERNAL")]
    assert proc.returncode == 0, "\n".join(internal) or proc.stderr[-3000:]
    assert not internal
    assert "internal errors: 0" in out
    files = int(out.split("files: ", 1)[1].split()[0])
    parsed = int(out.split("parsed: ", 1)[1].split()[0])
    assert files > 1000 and parsed > 0.99 * files, out[-2000:]
    assert "errors by kind: internal 0, hang 0, memory 0" in out
    print(out[out.index("files: "):], f"\n(test took {time.monotonic() - start:.0f}s)")


def _tree(root: Path) -> None:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "app.py").write_text(SDK_CALL)
    (root / "pkg" / "boom.py").write_text(SDK_CALL.replace("ACME", "Boom Inc"))
    (root / "pkg" / "spin.py").write_text(SDK_CALL.replace("ACME", "Spin Ltd"))
    (root / "pkg" / "zz_after.py").write_text(SDK_CALL.replace("ACME", "After"))
    (root / "py2.py").write_text('import openai\nprint "hello"\n')
    (root / "latin.py").write_bytes(b"# -*- coding: nonexistent -*-\nimport openai\n")
    (root / "empty.py").write_text("")
    os.mkfifo(root / "fifo.py")
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "zero.py").symlink_to("/dev/zero")


def test_synthetic_tree_one_line_per_internal_error_and_the_run_goes_on(
    sweep: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    _tree(root)

    import cachelint.run.check

    real = cachelint.run.check.check_module

    def flaky(tree, text, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if path.endswith("boom.py"):
            raise RuntimeError("injected\nwith a second line")
        if path.endswith("spin.py"):
            while True:  # a hang that uses the CPU: the CPU-time limit stops it
                pass
        return real(tree, text, path, *args, **kwargs)

    monkeypatch.setattr(cachelint.run.check, "check_module", flaky)
    code = sweep.main(["--timeout", "1", str(root)])
    out = capsys.readouterr().out
    assert code == 2
    internal = [line for line in out.splitlines() if line.startswith("INTERNAL")]
    assert len(internal) == 2, out
    boom = next(line for line in internal if "boom.py" in line)
    # file, stage (the innermost frame, here the check that called the injected function), message
    assert "run.check:" in boom and "RuntimeError: injected with a second line" in boom
    spin = next(line for line in internal if "spin.py" in line)
    assert "lint: still running after 1s of CPU time" in spin
    # the run went on: the file after them was linted and found
    assert "files: 10 " in out  # the symlinked loop folder is not followed; fifo and zero are counted
    assert "findings: 2" in out  # app.py and zz_after.py (CL201 each; boom and spin never finished)
    assert "internal errors: 2" in out
    assert "syntax 1" in out and "decode 1" in out and "unreadable 2" in out  # fifo.py and zero.py
    assert "CACHELINT_DEBUG" not in os.environ  # restored


def test_a_clean_tree_exits_zero_and_lists_input_errors_only_with_verbose(
    sweep: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "clean"
    root.mkdir()
    (root / "app.py").write_text(SDK_CALL)
    (root / "py2.py").write_text('import openai\nprint "hello"\n')
    assert sweep.main([str(root)]) == 0
    out = capsys.readouterr().out
    assert "py2.py" not in out.split("files:")[0]
    assert sweep.main(["-v", str(root)]) == 0
    out = capsys.readouterr().out
    assert "syntax " + str(root / "py2.py") + ": " in out
    assert "findings: 1 (CL201 1)" in out


def test_deep_pass_assembles_prompt_shaped_calls_outside_any_sdk(
    sweep: ModuleType, tmp_path: Path
) -> None:
    """Code that names no SDK is skipped by the engine, but the deep pass still analyses it."""
    (tmp_path / "lib.py").write_text(
        "def send(api, user):\n"
        "    prefix = 'rules ' * 10\n"
        "    return api.post(messages=[{'role': 'system', 'content': prefix + user}], system=prefix)\n"
    )
    buf = io.StringIO()
    s = sweep.Sweep(timeout=30, out=buf)
    stats = s.run([str(tmp_path)])
    assert stats.files == 1 and stats.parsed == 1 and stats.prefiltered == 1
    assert stats.deep_calls == 1 and stats.deep_evals >= 3
    assert not stats.problems, buf.getvalue()


def test_default_paths_are_the_stdlib_and_site_packages(sweep: ModuleType) -> None:
    paths = sweep.default_paths()
    assert paths[0] == sysconfig.get_paths()["stdlib"]
    assert any(p.rstrip("/").endswith(("site-packages", "dist-packages")) for p in paths[1:])
    assert len({os.path.realpath(p) for p in paths}) == len(paths)


def test_stage_of_names_the_innermost_cachelint_frame(sweep: ModuleType) -> None:
    from cachelint.analysis import values

    try:
        values.repeat_pieces(None, 3)  # type: ignore[arg-type]
    except TypeError as exc:
        stage = sweep._stage_of(exc.__traceback__, "lint")
    assert stage.startswith("analysis.values:") and "(text_of)" in stage
