"""Benchmark cachelint on checked-out repositories against the parse-everything floor and ruff.

    python bench/repos.py /work/realworld/gptme /work/realworld/mem0 --repeat 3
    python bench/repos.py REPO --edit gptme/llm/llm_openai.py   # which module the edit rows change
    python bench/repos.py REPO --edit a.py --edit b.py          # edit rows for each, one after the other

Each repository is copied to a scratch folder (it is edited there, never in place), then timed
in one run, each row the median of `--repeat` runs:

- **parse floor**: one process that `ast.parse`s every `.py` file (what any whole-project
  analysis pays at least);
- **ruff**: `ruff check --no-cache --select E711`;
- **cachelint cold** (`--no-cache`), **first run** (empty cache) and **warm** (nothing changed);
- **touch one, lint it**: one module's mtime changed (its content not), then cachelint on that
  file alone with the warm cache, as a pre-commit hook runs it;
- **edit one, lint it**: one module's content changed (a line appended, a new value each
  repeat), then cachelint on that file alone with the warm cache.

Ratios are wall times over the floor's and over ruff's, measured in the same run. Correctness
first: the cold, first and warm runs, and a warm and an uncached run after the edits, must
print the same JSON, or the script says what differs and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import run as bench  # noqa: E402  (bench/run.py, beside this file: its runner and tool finders)

SDK = re.compile(r"\b(?:openai|OpenAI|anthropic|Anthropic|genai)\b")

# One process parsing every file it is given, as the floor of any whole-project analysis.
PARSE_ALL = """
import ast, sys
for path in sys.argv[1:]:
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        ast.parse(data, filename=path)
    except (SyntaxError, ValueError):
        pass
"""


@dataclass
class Row:
    repo: str
    files: int
    what: str
    wall: float | None = None
    cpu: float | None = None
    note: str = ""


def python_files(root: str) -> list[str]:
    """The .py files of a tree, as bench/run.py counts them (no hidden folders, no site-packages)."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in bench.SKIP_DIRS and not d.startswith("."))
        out.extend(os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".py"))
    return out


def pick_module(root: str, files: Sequence[str]) -> str:
    """The module the edit rows change: the first (in path order) that names an SDK."""
    for path in files:
        with open(path, "rb") as fh:
            if SDK.search(fh.read().decode("utf-8", "replace")):
                return path
    return files[0]


def timed(repo: str, files: int, what: str, cmd: Sequence[str], cwd: str, repeat: int,
          before: Callable[[int], None] | None = None) -> tuple[Row, bytes]:
    """`repeat` runs of `cmd` (after `before(i)` each): median wall and CPU; the last stdout."""
    env = bench.child_env()
    walls: list[float] = []
    cpus: list[float] = []
    out = b""
    note = ""
    for i in range(repeat):
        if before is not None:
            before(i)
        r = bench.run(cmd, cwd, env)
        if r.returncode not in (0, 1):
            note = f"exit {r.returncode}"
        walls.append(r.wall)
        cpus.append(r.cpu)
        out = r.stdout
    return Row(repo, files, what, statistics.median(walls), statistics.median(cpus), note), out


def bench_repo(src: str, work: str, repeat: int, edits: Sequence[str]) -> tuple[list[Row], list[str], list[str]]:
    """The rows of one repository, a note on what was checked, and what differed (if anything)."""
    name = os.path.basename(os.path.abspath(src))
    root = os.path.join(work, name)
    shutil.copytree(src, root, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "__pycache__", ".cachelint_cache", ".ruff_cache"))
    files = python_files(root)
    n = len(files)
    cache = os.path.join(work, f"cache-{name}")
    targets = [os.path.join(root, edit) for edit in edits] or [pick_module(root, files)]
    problems: list[str] = []
    rows: list[Row] = []
    shown = ", ".join(os.path.relpath(t, root) for t in targets)
    print(f"--- {name}: {n} files; edits {shown}", file=sys.stderr)

    floor, _ = timed(name, n, "parse floor (one process, ast.parse every file)",
                     [sys.executable, "-c", PARSE_ALL, *files], root, repeat)
    rows.append(floor)
    ruff = bench.find_ruff()
    if ruff is not None:
        rows.append(timed(name, n, bench.ruff_version(ruff),
                          [*ruff, "check", "--no-cache", "--select", "E711", "--exit-zero", "--quiet", "."],
                          root, repeat)[0])
    else:
        rows.append(Row(name, n, "ruff", note="not installed"))

    cold, cold_out = timed(name, n, "cachelint cold (--no-cache)", bench.cachelint_cmd("--no-cache"), root, repeat)
    first, first_out = timed(name, n, "cachelint first run (empty cache)", bench.cachelint_cmd("--cache-dir", cache),
                             root, repeat, lambda _i: shutil.rmtree(cache, ignore_errors=True))
    warm, warm_out = timed(name, n, "cachelint warm (cache populated)", bench.cachelint_cmd("--cache-dir", cache),
                           root, repeat)
    rows += [cold, first, warm]
    for label, out in (("first run", first_out), ("warm run", warm_out)):
        if out != cold_out:
            problems.append(f"{name}: the {label} differs from the cold run:\n{bench._diff(cold_out, out)}")

    originals: dict[str, bytes] = {}
    for target in targets:
        with open(target, "rb") as source:
            originals[target] = original = source.read()
        one = [sys.executable, "-m", "cachelint", "--format", "json", "--cache-dir", cache, target]
        what = os.path.relpath(target, root) if len(targets) > 1 else "one module"

        def touch(_i: int, target: str = target) -> None:
            os.utime(target)

        def change(i: int, target: str = target, original: bytes = original) -> None:
            with open(target, "wb") as edited:
                edited.write(original + f"\n_cachelint_bench_edit = {i}\n".encode())

        rows.append(timed(name, n, f"cachelint: touch {what}, lint it (warm)", one, root, repeat, touch)[0])
        rows.append(timed(name, n, f"cachelint: edit {what}, lint it (warm)", one, root, repeat, change)[0])
    after_warm = bench.run(bench.cachelint_cmd("--cache-dir", cache), root, bench.child_env()).stdout
    after_cold = bench.run(bench.cachelint_cmd("--no-cache"), root, bench.child_env()).stdout
    if after_warm != after_cold:
        problems.append(f"{name}: after the edit, the warm run differs from an uncached one:\n"
                        f"{bench._diff(after_cold, after_warm)}")
    for target, original in originals.items():
        with open(target, "wb") as restored:
            restored.write(original)
    findings = len(json.loads(cold_out or b"[]"))
    note = (f"{name}: cold, first, warm and after-edit runs print identical JSON ({findings} findings); "
            f"edited {shown}")
    return rows, [] if problems else [note], problems


def table(rows: list[Row]) -> str:
    floors = {r.repo: r.wall for r in rows if r.what.startswith("parse floor")}
    ruffs = {r.repo: r.wall for r in rows if r.what.startswith("ruff")}
    head = ["repository", "files", "what", "wall s", "CPU s", "÷ floor", "÷ ruff", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        floor, ruff = floors.get(r.repo), ruffs.get(r.repo)
        cells = [r.repo, str(r.files), r.what, bench.fmt(r.wall, ".2f"), bench.fmt(r.cpu, ".2f"),
                 bench.fmt(r.wall / floor if r.wall and floor else None, ".2f"),
                 bench.fmt(r.wall / ruff if r.wall and ruff else None, ".2f"), r.note]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark cachelint on real repositories.")
    parser.add_argument("repos", nargs="+", metavar="REPO", help="a checked-out repository (copied, never changed)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row, median reported [3]")
    parser.add_argument("--edit", metavar="PATH", action="append", default=[],
                        help="a module the edit rows change, relative to the repository (repeatable) "
                        "[the first that names an SDK]; with several repositories, in each")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    notes: list[str] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="cachelint-repos-") as work:
        for repo in args.repos:
            got, said, problems = bench_repo(repo, work, max(1, args.repeat), args.edit)
            rows += got
            notes += said
            for problem in problems:
                print(f"CORRECTNESS FAILURE: {problem}", file=sys.stderr)
                notes.append(f"CORRECTNESS FAILURE: {problem}")
                failed = True
    print(table(rows))
    print()
    for note in notes:
        print(f"- {note}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"rows": [r.__dict__ for r in rows], "notes": notes}, fh, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
