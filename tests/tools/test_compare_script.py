"""scripts/compare_outputs.py is what refactors are judged by, so it is tested on stand-in source
trees whose `python -m cachelint` prints what the test chooses: one tree that answers as
recorded and others that differ in stdout, stderr or exit code only."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "compare_outputs.py"

# A stand-in for cachelint: echoes where it ran and with which arguments, so the test also
# sees that the script runs it from the target's root with the documented command.
FAKE_MAIN = '''import json, os, sys
print(json.dumps({{"cwd": os.path.basename(os.getcwd()), "argv": sys.argv[1:], "files": sorted(os.listdir("."))}}))
print({stdout!r})
sys.stderr.write({stderr!r})
sys.exit({code})
'''


@pytest.fixture(scope="module")
def compare() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare_outputs", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["compare_outputs"] = mod
    spec.loader.exec_module(mod)
    return mod


def fake_tree(root: Path, stdout: str = "3 findings", stderr: str = "", code: int = 1) -> Path:
    pkg = root / "cachelint"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text(FAKE_MAIN.format(stdout=stdout, stderr=stderr, code=code))
    return root


@pytest.fixture
def targets(tmp_path: Path) -> Path:
    for name, files in (("alpha", ["a.py"]), ("beta", ["b.py", "c.py"])):
        folder = tmp_path / "targets" / name
        folder.mkdir(parents=True)
        for f in files:
            (folder / f).write_text("x = 1\n")
    # A project module named like a standard one must not be imported in place of it.
    (tmp_path / "targets" / "alpha" / "json.py").write_text("raise SystemExit('imported the target')\n")
    tsv = tmp_path / "targets.tsv"
    tsv.write_text(f"# comment\nalpha\t{tmp_path / 'targets' / 'alpha'}\nbeta\t{tmp_path / 'targets' / 'beta'}\n")
    return tsv


def test_record_stores_each_stream_and_the_target_list(compare: ModuleType, tmp_path: Path, targets: Path) -> None:
    tree = fake_tree(tmp_path / "main", stderr="warning\n", code=1)
    out = tmp_path / "baseline"
    assert compare.main(["record", "--tree", str(tree), "--out", str(out), "--targets", str(targets)]) == 0
    first = json.loads((out / "beta" / "stdout").read_text().splitlines()[0])
    assert first == {"cwd": "beta", "argv": ["--no-cache", "--format", "json", "-j", "2", "."],
                     "files": ["b.py", "c.py"]}
    assert (out / "beta" / "stderr").read_text() == "warning\n"
    assert (out / "alpha" / "exit_code").read_text().strip() == "1"
    assert json.loads((out / "alpha" / "stdout").read_text().splitlines()[0])["files"] == ["a.py", "json.py"]
    assert [t.name for t in compare.read_targets(out / "targets.tsv")] == ["alpha", "beta"]
    assert json.loads((out / "alpha" / "meta.json").read_text())["seconds"] >= 0


def test_check_same_output_is_identical_and_exits_0(compare: ModuleType, tmp_path: Path, targets: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "baseline"
    compare.main(["record", "--tree", str(fake_tree(tmp_path / "main")), "--out", str(out), "--targets", str(targets)])
    capsys.readouterr()
    same = fake_tree(tmp_path / "branch")  # another tree, same behaviour
    assert compare.main(["check", "--tree", str(same), "--baseline", str(out)]) == 0
    text = capsys.readouterr().out
    assert "identical alpha" in text and "identical beta" in text
    assert "DIFFERENT" not in text and "2 identical, 0 different" in text


@pytest.mark.parametrize(("change", "shown"), [
    ({"stdout": "4 findings"}, ["-3 findings", "+4 findings", "tree/beta/stdout"]),
    ({"stderr": "error: boom\n"}, ["+error: boom", "tree/beta/stderr"]),
    ({"code": 2}, ["exit code: baseline 1, tree 2"]),
])
def test_check_any_difference_is_reported_with_a_diff_and_exits_1(
        compare: ModuleType, tmp_path: Path, targets: Path, capsys: pytest.CaptureFixture[str],
        change: dict[str, object], shown: list[str]) -> None:
    out = tmp_path / "baseline"
    compare.main(["record", "--tree", str(fake_tree(tmp_path / "main")), "--out", str(out), "--targets", str(targets)])
    capsys.readouterr()
    other = fake_tree(tmp_path / "branch", **change)  # type: ignore[arg-type]
    assert compare.main(["check", "--tree", str(other), "--baseline", str(out), "--only", "beta"]) == 1
    text = capsys.readouterr().out
    assert "DIFFERENT beta" in text and all(s in text for s in shown)
    assert "alpha" not in text  # --only
    assert "0 identical, 1 different" in text


def test_a_changed_target_is_named_as_a_possible_cause(compare: ModuleType, tmp_path: Path, targets: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "baseline"
    main = fake_tree(tmp_path / "main")
    compare.main(["record", "--tree", str(main), "--out", str(out), "--targets", str(targets)])
    (tmp_path / "targets" / "beta" / "d.py").write_text("y = 2\n")  # the stand-in lists the files
    capsys.readouterr()
    assert compare.main(["check", "--tree", str(main), "--baseline", str(out)]) == 1
    text = capsys.readouterr().out
    assert "identical alpha" in text and "DIFFERENT beta" in text and "+" in text
    assert f"the files under {tmp_path / 'targets' / 'beta'} changed" in text
    assert "targets/alpha changed" not in text


def test_the_exit_status_of_the_script_itself(tmp_path: Path, targets: Path) -> None:
    out = tmp_path / "baseline"
    run = [sys.executable, str(SCRIPT)]
    main = fake_tree(tmp_path / "main")
    rec = subprocess.run([*run, "record", "--tree", str(main), "--out", str(out), "--targets", str(targets)],
                         capture_output=True, text=True, check=False)
    assert rec.returncode == 0, rec.stderr
    same = subprocess.run([*run, "check", "--tree", str(main), "--baseline", str(out)],
                          capture_output=True, check=False)
    assert same.returncode == 0
    other = fake_tree(tmp_path / "branch", stdout="3 findings!")
    diff = subprocess.run([*run, "check", "--tree", str(other), "--baseline", str(out)],
                          capture_output=True, text=True, check=False)
    assert diff.returncode == 1
    assert "-3 findings" in diff.stdout and "+3 findings!" in diff.stdout


def test_bad_input_is_one_line_and_exit_2(compare: ModuleType, tmp_path: Path, targets: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    main = fake_tree(tmp_path / "main")
    out = tmp_path / "baseline"
    assert compare.main(["check", "--tree", str(main), "--baseline", str(out), "--targets", str(targets)]) == 2
    assert compare.main(["record", "--tree", str(main), "--out", str(out), "--targets", str(targets),
                         "--only", "gamma"]) == 2
    assert compare.main(["record", "--tree", str(tmp_path / "targets"), "--out", str(out),
                         "--targets", str(targets)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and all(line.startswith("compare_outputs: error: ") for line in err)
    assert "alpha" in err[0] and "gamma" in err[1] and "not a cachelint source tree" in err[2]


def test_real_cachelint_matches_itself(compare: ModuleType, tmp_path: Path) -> None:
    """The real command on a one-file project: recorded and checked from this tree, identical."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "app.py").write_text(
        "from datetime import datetime\nfrom openai import OpenAI\n\nclient = OpenAI()\n\n\n"
        "def ask(q):\n    return client.responses.create(model='gpt-4.1', "
        "instructions=f'Today is {datetime.now()}. ' + 'Answer politely. ' * 400, input=q)\n")
    tsv = tmp_path / "t.tsv"
    tsv.write_text(f"proj\t{project}\n")
    out = tmp_path / "baseline"
    assert compare.main(["record", "--tree", str(ROOT), "--out", str(out), "--targets", str(tsv), "-j", "1"]) == 0
    findings = json.loads((out / "proj" / "stdout").read_text())
    assert findings and findings[0]["path"] == "app.py"  # relative: run from the project's root
    assert compare.main(["check", "--tree", str(ROOT), "--baseline", str(out), "-j", "1"]) == 0
