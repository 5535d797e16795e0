#!/usr/bin/env python3
"""Record cachelint's output on named targets, or check a source tree's output against a record.

    python scripts/compare_outputs.py record --tree DIR --out OUTDIR --targets FILE [--only A,B]
    python scripts/compare_outputs.py check --tree DIR --baseline OUTDIR [--only A,B]

Each target is a folder, named in a targets file (TSV: `name<TAB>path`, `#` comments).
cachelint is run from the source tree TREE (`PYTHONPATH=TREE`) as a user would run it, from the
target's root: `python -P -m cachelint --no-cache --format json -j 2 .` with the target as the
working directory (`-P`: the target's own modules are never importable, as with the installed
`cachelint` command). Targets run one after another, never side by side, so the machine's other
work keeps a core.

`record` writes, per target, OUTDIR/NAME/{stdout,stderr,exit_code,meta.json} (meta.json holds
the command, the tree's commit and the wall time, which are never compared), and merges the
targets it ran into OUTDIR/targets.tsv, the list `check` reads by default.

`check` runs each target again and requires stdout, stderr and the exit code to be exactly the
recorded ones. It prints one line per target (`identical` or `DIFFERENT`, with the wall time),
a short unified diff for each difference, and exits 1 if any target differs, 0 if none does.
Bad arguments (unknown target, missing record or folder) give a one-line error and exit 2.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TARGETS_FILE = "targets.tsv"
STREAMS = ("stdout", "stderr")


class UsageError(Exception):
    """Bad input: reported as one line, exit status 2."""


@dataclass(frozen=True)
class Target:
    name: str
    path: Path


@dataclass(frozen=True)
class Output:
    stdout: bytes
    stderr: bytes
    exit_code: int
    seconds: float
    fingerprint: str | None = None  # of the target's files, for a record


def read_targets(path: Path) -> list[Target]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read targets file {path}: {exc.strerror}") from None
    targets: list[Target] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            raise UsageError(f"{path}:{number}: expected `name<TAB>path`")
        name = fields[0].strip()
        if "/" in name or name.startswith("."):
            raise UsageError(f"{path}:{number}: target name {name!r} cannot be a folder name")
        if name in seen:
            raise UsageError(f"{path}:{number}: target {name!r} named twice")
        seen.add(name)
        targets.append(Target(name, Path(fields[1].strip())))
    return targets


def write_targets(path: Path, targets: Sequence[Target]) -> None:
    lines = ["# name\tpath (cachelint runs with this folder as its working directory)"]
    lines += [f"{t.name}\t{t.path}" for t in targets]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def select(targets: Sequence[Target], only: str | None) -> list[Target]:
    if not only:
        return list(targets)
    by_name = {t.name: t for t in targets}
    wanted = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise UsageError(f"unknown target(s): {', '.join(unknown)} (known: {', '.join(by_name)})")
    return [by_name[n] for n in wanted]


def command(python: str, jobs: int) -> list[str]:
    # -P: `python -m` would otherwise put the working directory, the analysed project, first on
    # sys.path, and a project module named like a standard one (simple-evals has a types.py) would
    # be imported in cachelint's place. The installed `cachelint` command never does that.
    return [python, "-P", "-m", "cachelint", "--no-cache", "--format", "json", "-j", str(jobs), "."]


def environment(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    # A traceback instead of the one-line error would make stderr differ for reasons of setup.
    env.pop("CACHELINT_DEBUG", None)
    # Bytecode goes to a cache of our own: the trees compared (/work/main included) stay untouched.
    env["PYTHONPYCACHEPREFIX"] = str(Path.home() / ".cache" / "cachelint-compare" / "pycache")
    return env


def fingerprint(folder: Path) -> str:
    """A digest of the target's file names, sizes and modification times: a record only means
    something for the files it was made from, so `check` warns when they have changed."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".cachelint_cache"))
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            digest.update(f"{os.path.relpath(path, folder)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def run_target(tree: Path, target: Target, python: str, jobs: int) -> Output:
    if not target.path.is_dir():
        raise UsageError(f"target {target.name}: {target.path} is not a folder")
    start = time.perf_counter()
    proc = subprocess.run(command(python, jobs), cwd=target.path, env=environment(tree),
                          capture_output=True, check=False)
    return Output(proc.stdout, proc.stderr, proc.returncode, time.perf_counter() - start)


def check_tree(tree: Path) -> Path:
    tree = tree.resolve()
    if not (tree / "cachelint" / "__main__.py").is_file():
        raise UsageError(f"{tree} is not a cachelint source tree (no cachelint/__main__.py)")
    return tree


def tree_commit(tree: Path) -> str | None:
    proc = subprocess.run(["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def tree_dirty(tree: Path) -> bool:
    proc = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
                          capture_output=True, text=True, check=False)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def record(args: argparse.Namespace) -> int:
    tree = check_tree(args.tree)
    out: Path = args.out
    targets = read_targets(args.targets)
    chosen = select(targets, args.only)
    out.mkdir(parents=True, exist_ok=True)
    known = read_targets(out / TARGETS_FILE) if (out / TARGETS_FILE).exists() else []
    commit = tree_commit(tree)
    for target in chosen:
        result = run_target(tree, target, args.python, args.jobs)
        folder = out / target.name
        folder.mkdir(exist_ok=True)
        (folder / "stdout").write_bytes(result.stdout)
        (folder / "stderr").write_bytes(result.stderr)
        (folder / "exit_code").write_text(f"{result.exit_code}\n", encoding="ascii")
        meta = {"target": str(target.path), "fingerprint": fingerprint(target.path), "tree": str(tree),
                "commit": commit, "dirty": tree_dirty(tree), "command": command("python", args.jobs),
                "seconds": round(result.seconds, 2)}
        (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        print(f"recorded {target.name}: exit {result.exit_code}, {len(result.stdout):,} bytes of stdout, "
              f"{result.seconds:.1f} s", flush=True)
        # The record's list is rewritten after every target, so an interrupted run keeps what it did.
        names = [t.name for t in known]
        if target.name in names:
            known[names.index(target.name)] = target
        else:
            known.append(target)
        write_targets(out / TARGETS_FILE, known)
    return 0


def short_diff(name: str, stream: str, old: bytes, new: bytes, limit: int) -> list[str]:
    a = old.decode("utf-8", "replace").splitlines()
    b = new.decode("utf-8", "replace").splitlines()
    lines = list(difflib.unified_diff(a, b, f"baseline/{name}/{stream}", f"tree/{name}/{stream}", n=2, lineterm=""))
    if not lines:  # the bytes differ but not the decoded lines: line endings or undecodable bytes
        lines = [f"--- baseline/{name}/{stream}", f"+++ tree/{name}/{stream}",
                 f"(same lines, different bytes: {len(old)} against {len(new)})"]
    if len(lines) > limit:
        lines = [*lines[:limit], f"... {len(lines) - limit} more diff lines"]
    return lines


def load_recorded(baseline: Path, target: Target) -> Output:
    folder = baseline / target.name
    try:
        code = int((folder / "exit_code").read_text(encoding="ascii"))
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        return Output((folder / "stdout").read_bytes(), (folder / "stderr").read_bytes(), code,
                      float(meta.get("seconds", 0.0)), meta.get("fingerprint"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"no usable record of target {target.name} in {baseline}: {exc}") from None


def check(args: argparse.Namespace) -> int:
    tree = check_tree(args.tree)
    baseline: Path = args.baseline
    targets = read_targets(args.targets if args.targets else baseline / TARGETS_FILE)
    chosen = select(targets, args.only)
    recorded = {t.name: load_recorded(baseline, t) for t in chosen}  # every record found before any run
    different = 0
    for target in chosen:
        old = recorded[target.name]
        new = run_target(tree, target, args.python, args.jobs)
        problems: list[str] = []
        if old.exit_code != new.exit_code:
            problems.append(f"exit code: baseline {old.exit_code}, tree {new.exit_code}")
        for stream in STREAMS:
            a, b = getattr(old, stream), getattr(new, stream)
            if a != b:
                problems += short_diff(target.name, stream, a, b, args.diff_lines)
        verdict = "DIFFERENT" if problems else "identical"
        print(f"{verdict} {target.name} ({new.seconds:.1f} s, baseline {old.seconds:.1f} s)", flush=True)
        for line in problems:
            print(f"    {line}")
        if problems and old.fingerprint and old.fingerprint != fingerprint(target.path):
            print(f"    note: the files under {target.path} changed since they were recorded")
        different += bool(problems)
    print(f"{len(chosen) - different} identical, {different} different")
    return 1 if different else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = p.add_subparsers(dest="action", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--tree", type=Path, required=True, help="cachelint source tree to run (PYTHONPATH)")
    common.add_argument("--only", help="comma-separated target names (default: every target)")
    common.add_argument("--python", default=sys.executable, help="interpreter (default: this one)")
    common.add_argument("--jobs", "-j", type=int, default=2, help="cachelint's -j (default 2)")
    rec = sub.add_parser("record", parents=[common], help="run the targets and store their output")
    rec.add_argument("--out", type=Path, required=True)
    rec.add_argument("--targets", type=Path, required=True, help="TSV of name<TAB>path")
    chk = sub.add_parser("check", parents=[common], help="run the targets and compare with a record")
    chk.add_argument("--baseline", type=Path, required=True)
    chk.add_argument("--targets", type=Path, help="TSV of name<TAB>path (default: BASELINE/targets.tsv)")
    chk.add_argument("--diff-lines", type=int, default=40, help="diff lines shown per stream (default 40)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return record(args) if args.action == "record" else check(args)
    except UsageError as exc:
        print(f"compare_outputs: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("compare_outputs: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
