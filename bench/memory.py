"""Peak memory of every process of one cachelint run (issue 22: no process above 300 MB).

    python bench/memory.py TREE [-- CACHELINT ARGS...]

runs `python -m cachelint --no-cache --format json .` (or the arguments given after `--`) in
TREE with this checkout on PYTHONPATH, and watches the process and its descendants every
50 ms. For each process it reports the kernel's own high-water mark of its resident set
(`VmHWM` in /proc/PID/status, read until the process ends, so no peak between two samples is
missed), and for the whole tree the largest sum of proportional set sizes (`Pss`, shared pages
split between the processes sharing them) seen in one sample, with `--pss` (reading
smaps_rollup walks each process's page tables and slows the run: see bench/README.md).
Prints one JSON object: wall and CPU seconds, the exit code, each process's peak RSS in MB
(the parent first) and the largest, and the tree's peak PSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run as bench  # noqa: E402  (bench/run.py, beside this file: its /proc process walk)


def _status_kb(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class Watcher(threading.Thread):
    """Each process's last-read VmHWM, and the largest sum of PSS over the tree (with `pss`)."""

    def __init__(self, pid: int, pss: bool, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.pss = pss
        self.interval = interval
        self.hwm_kb: dict[int, int] = {}
        self.tree_pss_kb = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            pids = bench.descendants(self.pid)
            for p in pids:
                got = _status_kb(p, "VmHWM:")
                if got is not None:
                    self.hwm_kb[p] = max(self.hwm_kb.get(p, 0), got)
            if self.pss:
                self.tree_pss_kb = max(self.tree_pss_kb, sum(_pss_kb(p) for p in pids))
            self.stopped.wait(self.interval)


def measure(tree: str, args: Sequence[str], pss: bool) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=HERE)
    cmd = [sys.executable, "-P", "-m", "cachelint", *args]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watcher = Watcher(proc.pid, pss)
    watcher.start()
    # The parent's own peak comes from wait4 as well: its VmHWM may change after the last sample.
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    watcher.stopped.set()
    watcher.join()
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr is not None else ""
    peaks = dict(watcher.hwm_kb)
    peaks[proc.pid] = max(peaks.get(proc.pid, 0), usage.ru_maxrss)
    ordered = [proc.pid, *sorted(p for p in peaks if p != proc.pid)]
    return {
        "tree": tree,
        "command": cmd,
        "exit": os.waitstatus_to_exitcode(status),
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "process_peak_rss_mb": [round(peaks[p] / 1024, 1) for p in ordered],
        "largest_mb": round(max(peaks.values()) / 1024, 1),
        "tree_peak_pss_mb": round(watcher.tree_pss_kb / 1024, 1) if pss else None,
        "stderr_tail": stderr.strip().splitlines()[-3:],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree")
    parser.add_argument("--pss", action="store_true", help="also sample the tree's summed PSS (slows the run)")
    parser.add_argument("args", nargs="*", help="cachelint's arguments (after --)")
    ns = parser.parse_args(argv)
    args = ns.args or ["--no-cache", "--format", "json", "."]
    print(json.dumps(measure(os.path.abspath(ns.tree), args, ns.pss), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
