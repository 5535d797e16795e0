#!/usr/bin/env python3
"""Lint every Python file under some folders, one file at a time, and report what broke.

    python scripts/sweep.py [--timeout SECONDS] [--shallow] [-v] [PATHS...]

With no PATHS: the standard library of the running interpreter and every
site-packages folder it knows. Each file goes through the engine in-process
(`lint_source`, with one project per folder, as the CLI does), under a per-file
time limit. Unless `--shallow`, each file is then analysed deeply as well: every
module-level name and every `return` is evaluated, and every call with prompt-like
keywords (`messages=`, `system=`, `input=`, `contents=`) is assembled and checked
by every rule as if it were an SDK call. The engine's pre-filter skips files that
name no SDK, so without the deep pass most real code would never reach the analysis.

An internal error (an exception out of cachelint, a RecursionError, a hang past the
time limit, a huge jump in memory) is one line, `INTERNAL <file>: <stage>: <message>`,
and the run goes on. Files that cannot be read, decoded or parsed are the input's
fault, not cachelint's: they are counted, and listed with `-v`.

Exit status: 0 when nothing internal went wrong, 2 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import os
import resource
import signal
import site
import stat
import sys
import sysconfig
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import TextIO

from cachelint.analysis import scopes
from cachelint.analysis.assemble import assemble
from cachelint.analysis.calls import FoundCall, env_at
from cachelint.analysis.evaluate import MAX_STEPS, Budget
from cachelint.analysis.hierarchy import ClassIndex
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.project import Project
from cachelint.diagnostics import NotAnalysed
from cachelint.rules import ALL_RULES
from cachelint.rules.context import RuleContext
from cachelint.run.check import _span_maker
from cachelint.run.lint import lint_source
from cachelint.settings import Settings
from cachelint.sources import SourceError, decode_source, parse_source

DEFAULT_TIMEOUT = 60.0  # seconds of CPU time per file, both stages together
WALL_FACTOR = 5  # ... and this many times as long by the clock
SCAN_SECONDS_PER_FILE = 0.1  # the project scan reads the whole folder: its limit grows with it (litellm: 0.04)
MAX_FILE_RSS_MB = 512  # a single file that raises peak memory by more is reported
MAX_DEEP_EVALS = 4000  # evaluations per file in the deep pass
DEEP_STEPS = 20_000  # evaluation steps for each deep evaluation (the engine gives a call site MAX_STEPS)
DEEP_FILE_STEPS = 200_000  # steps for the whole deep pass of one file
SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".tox", ".nox", "node_modules"}
PACKAGE_DIRS = {"site-packages", "dist-packages"}

# Keywords that make a call look like an SDK call to the deep pass, and the API it then stands for.
_SHAPES: tuple[tuple[str, str, str], ...] = (
    ("contents", "gemini", "models.generate_content"),
    ("system", "anthropic", "messages.create"),
    ("instructions", "openai", "responses.create"),
    ("input", "openai", "responses.create"),
    ("messages", "openai", "chat.completions.create"),
)


class Hang(BaseException):
    """The per-file time limit ran out (a BaseException so `except Exception` in cachelint cannot eat it)."""


@dataclass
class Problem:
    path: str
    kind: str  # "internal" | "hang" | "memory" | "unreadable" | "decode" | "syntax" | "budget"
    stage: str
    message: str

    @property
    def internal(self) -> bool:
        return self.kind in ("internal", "hang", "memory")

    def line(self) -> str:
        tag = "INTERNAL" if self.internal else self.kind
        msg = " ".join(self.message.split())
        return f"{tag} {self.path}: {self.stage}: {msg[:300]}"


@dataclass
class Stats:
    files: int = 0
    parsed: int = 0
    prefiltered: int = 0  # skipped by the engine's SDK-name pre-filter (still parsed by the deep pass)
    findings: int = 0
    deep_evals: int = 0
    deep_calls: int = 0
    deep_budget: int = 0  # evaluations stopped by the step budget (expected, not an error)
    problems: list[Problem] = field(default_factory=list)
    times: list[tuple[float, str]] = field(default_factory=list)
    rss_jumps: list[tuple[float, str]] = field(default_factory=list)
    findings_by_code: Counter[str] = field(default_factory=Counter)

    @property
    def internal(self) -> list[Problem]:
        return [p for p in self.problems if p.internal]


# ---------------------------------------------------------------- finding files


def default_paths() -> list[str]:
    paths = [sysconfig.get_paths()["stdlib"]]
    for p in [*site.getsitepackages(), site.getusersitepackages(),
              sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]:
        if p and os.path.isdir(p):
            paths.append(p)
    return _dedupe(paths)


def _dedupe(paths: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for p in paths:
        real = os.path.realpath(p)
        if real not in seen:
            seen.add(real)
            out.append(p)
    return out


def iter_python_files(root: str) -> Iterator[str]:
    """`.py` files under `root` in a stable order; symlinked folders are not followed (no loops),
    and site-packages inside a folder (the stdlib's own) are left to their own sweep."""
    if not os.path.isdir(root):
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and d not in PACKAGE_DIRS)
        for f in sorted(filenames):
            if f.endswith(".py"):
                yield os.path.join(dirpath, f)


def read_file(path: str) -> bytes:
    """Read without ever blocking: FIFOs, sockets and devices are refused after a non-blocking open."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"not a regular file (mode {stat.filemode(st.st_mode)})")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- one file


def _stage_of(tb: TracebackType | None, default: str) -> str:
    """The innermost frame inside the cachelint package: `analysis.evaluate:123 (e_BinOp)`."""
    where = default
    for frame, lineno in traceback.walk_tb(tb):
        fname = frame.f_code.co_filename.replace(os.sep, "/")
        if "/cachelint/" in fname and "/tests/" not in fname:
            mod = fname.rsplit("/cachelint/", 1)[1].removesuffix(".py").replace("/", ".")
            where = f"{mod}:{lineno} ({frame.f_code.co_name})"
    return where


def _rss_mb() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


class Sweep:
    def __init__(self, timeout: float = DEFAULT_TIMEOUT, deep: bool = True, verbose: bool = False,
                 out: TextIO | None = None, deep_steps: int = DEEP_STEPS, file_steps: int = DEEP_FILE_STEPS) -> None:
        self.timeout = timeout
        self.deep = deep
        self.deep_steps = deep_steps
        self.file_steps = file_steps
        self.input_problems: set[str] = set()  # files already reported as unreadable/undecodable/unparsable
        self.verbose = verbose
        self.out = out or sys.stdout
        self.stats = Stats()
        self.rules = list(ALL_RULES)

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def problem(self, p: Problem) -> None:
        if not p.internal:
            if p.path in self.input_problems:
                return  # the engine and the deep pass both found it
            self.input_problems.add(p.path)
        self.stats.problems.append(p)
        if p.internal or self.verbose:
            self.say(p.line())

    def run(self, paths: Sequence[str]) -> Stats:
        seen: set[str] = set()
        for root in _dedupe(paths):
            if not os.path.exists(root) and not os.path.islink(root):
                self.problem(Problem(root, "unreadable", "find", "no such file or folder"))
                continue
            base = root if os.path.isdir(root) else os.path.dirname(os.path.abspath(root))
            settings = Settings(root=base)
            new_project = self._projects(base, settings)
            for path in iter_python_files(root):
                real = os.path.realpath(path)
                if real in seen:
                    continue  # a file reached twice (symlinks, nested roots)
                seen.add(real)
                self.file(path, settings, new_project())
        return self.stats

    def _projects(self, base: str, settings: Settings) -> Callable[[], Project]:
        """Projects as lint_files makes them: the wrapper names found once per folder, then a
        project of its own for each file, sharing a bounded cache of parsed modules."""
        try:
            from cachelint.run.tracked import ModuleCache, TrackedProject
        except ImportError:  # an older layout: one project for the whole folder
            project = Project(settings.root, settings.wrappers)
            self._limited(base, "project scan", project.wrapper_names)
            return lambda: project
        modules = ModuleCache()
        scan = TrackedProject(settings.root, settings.wrappers, modules, None)
        names: list[frozenset[str]] = []
        # The wrapper scan reads (and may parse) every file of the folder once: time it apart from
        # the first file, with a limit for the whole folder rather than for one file.
        n = sum(1 for _ in iter_python_files(base))
        self._limited(base, "project scan", lambda: names.append(scan.wrapper_names()),
                      self.timeout + SCAN_SECONDS_PER_FILE * n)
        found = names[0] if names else frozenset()
        # The class index, like the wrapper names, is built once per folder as the CLI builds it
        # once per run: a project left to build its own re-reads the whole folder on first use,
        # once per file here (the standard library: ~2 s a file).
        indexes: list[ClassIndex] = []
        self._limited(base, "class index", lambda: indexes.append(scan.class_index()),
                      self.timeout + SCAN_SECONDS_PER_FILE * n)
        classes = indexes[0] if indexes else None
        return lambda: TrackedProject(settings.root, settings.wrappers, modules, found, classes=classes)

    def _limited(self, path: str, stage: str, fn: Callable[[], object], timeout: float | None = None) -> bool:
        """Run fn() under the time limits; report a hang or an escaping exception. True when it finished.

        The limit is CPU time, so a busy machine does not turn slow files into hangs; a wall-clock
        limit WALL_FACTOR times longer catches what waits without using the CPU (a FIFO)."""
        def on_timer(signum: int, frame: FrameType | None) -> None:
            raise Hang(signum)

        old_prof = signal.signal(signal.SIGPROF, on_timer)
        old_alrm = signal.signal(signal.SIGALRM, on_timer)
        limit = self.timeout if timeout is None else timeout
        signal.setitimer(signal.ITIMER_PROF, limit)
        signal.setitimer(signal.ITIMER_REAL, limit * WALL_FACTOR)
        try:
            fn()
            return True
        except Hang as exc:
            if exc.args and exc.args[0] == signal.SIGALRM:
                msg = f"still running after {limit * WALL_FACTOR:g}s (blocked?)"
            else:
                msg = f"still running after {limit:g}s of CPU time"
            self.problem(Problem(path, "hang", stage, msg))
            return False
        except (KeyboardInterrupt, SystemExit):
            raise
        except RecursionError as exc:
            self.problem(Problem(path, "internal", _stage_of(exc.__traceback__, stage), "RecursionError"))
            return True
        except MemoryError as exc:
            self.problem(Problem(path, "internal", _stage_of(exc.__traceback__, stage), "MemoryError"))
            return False
        except BaseException as exc:  # also a Rust panic from an extension (pyo3's PanicException)
            self.problem(Problem(path, "internal", _stage_of(exc.__traceback__, stage),
                                 f"{type(exc).__name__}: {exc}"))
            return True
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGPROF, old_prof)
            signal.signal(signal.SIGALRM, old_alrm)

    def file(self, path: str, settings: Settings, project: Project) -> bool:
        """Sweep one file; False when it hung."""
        self.stats.files += 1
        try:
            data = read_file(path)
        except OSError as exc:
            self.problem(Problem(path, "unreadable", "read", exc.strerror or str(exc)))
            return True
        start = time.process_time()
        rss = _rss_mb()
        ok = self._limited(path, "lint", lambda: self._lint(path, data, settings, project))
        if ok and self.deep:
            ok = self._limited(path, "deep analysis", lambda: self._deep(path, data, settings, project))
        keep = getattr(project, "keep", None)
        if ok and keep is not None:
            keep(path)  # offer the parsed module to the shared cache, as lint_one does
        elapsed = time.process_time() - start
        self.stats.times.append((elapsed, path))
        grew = _rss_mb() - rss
        if grew > 1:
            self.stats.rss_jumps.append((grew, path))
        if grew > MAX_FILE_RSS_MB:
            self.problem(Problem(path, "memory", "lint", f"peak memory grew by {grew:.0f} MB on this file"))
        return ok

    def _lint(self, path: str, data: bytes, settings: Settings, project: Project) -> None:
        result = lint_source(data, path, settings, self.rules, project)
        for err in result.errors:
            msg = err.message
            if msg.startswith("internal error"):
                self.problem(Problem(path, "internal", "analysis", msg))
            elif isinstance(err, NotAnalysed):  # a call out of evaluation budget, not an input error
                self.problem(Problem(path, "budget", "analysis", f"line {err.line}: {msg}"))
            else:
                kind = "syntax" if msg.startswith("syntax error") else "unreadable" if "large" in msg else "decode"
                self.problem(Problem(path, kind, "lint", msg))
        self.stats.findings += len(result.diagnostics)
        self.stats.findings_by_code.update(d.code for d in result.diagnostics)

    def _deep(self, path: str, data: bytes, settings: Settings, project: Project) -> None:
        try:
            text = decode_source(data)
        except SourceError as exc:
            self.problem(Problem(path, "decode", "decode", str(exc)))
            return
        if not project.may_matter(text):
            self.stats.prefiltered += 1
        try:
            tree = parse_source(text, path)
        except SourceError as exc:
            kind = "syntax" if str(exc).startswith("syntax error") else "decode"
            self.problem(Problem(path, kind, "parse", str(exc)))
            return
        self.stats.parsed += 1
        mod = project.add(ModuleInfo(path, text, tree))
        ev = project.evaluator
        evals = 0
        used = 0

        def evaluate(what: str, fn: Callable[[], object]) -> None:
            nonlocal evals, used
            evals += 1
            # A smaller budget than a call site's: the deep pass looks for work the budget does not
            # bound (a hang), and evaluates far more expressions than the engine would.
            ev.steps = MAX_STEPS - self.deep_steps
            try:
                fn()
            except Budget:
                self.stats.deep_budget += 1
            except (Hang, KeyboardInterrupt):
                raise
            except BaseException as exc:
                self.problem(Problem(path, "internal", _stage_of(exc.__traceback__, what),
                                     f"{type(exc).__name__}: {exc}"))
            finally:
                used += max(0, ev.steps - (MAX_STEPS - self.deep_steps))
                ev.steps = 0

        def enough() -> bool:
            return evals >= MAX_DEEP_EVALS or used >= self.file_steps

        for name in sorted(mod.flow.events):
            if enough():
                break
            evaluate(f"evaluate `{name}`", lambda n=name: scopes.module_value(ev, n, mod, None))  # type: ignore[misc]
        span_of = _span_maker(mod, project)
        ctx = RuleContext(settings, mod.path)
        rules = [r() for r in self.rules]
        for node in ast.walk(tree):
            if enough():
                break
            if isinstance(node, ast.Return) and node.value is not None:
                value = node.value
                evaluate("evaluate return", lambda v=value: ev.eval(v, env_at(mod, v)))  # type: ignore[misc]
            elif isinstance(node, ast.Call) and node.keywords:
                names = {k.arg for k in node.keywords}
                shape = next(((prov, api) for kw, prov, api in _SHAPES if kw in names), None)
                if shape is None:
                    continue
                self.stats.deep_calls += 1
                found = FoundCall(node, shape[0], shape[1], node.func, None, env_at(mod, node))

                def check(f: FoundCall = found) -> None:
                    prompt = assemble(f, ev, span_of)
                    for rule in rules:
                        list(rule.check(prompt, ctx))

                evaluate("assemble and rules", check)
        self.stats.deep_evals += evals

    # ---------------------------------------------------------------- summary

    def summary(self, elapsed: float, top: int = 10) -> str:
        s = self.stats
        kinds = Counter(p.kind for p in s.problems)
        lines = [
            "",
            f"files: {s.files}   parsed: {s.parsed}   skipped by the SDK-name pre-filter: {s.prefiltered}",
            f"findings: {s.findings}" + (f" ({', '.join(f'{c} {n}' for c, n in sorted(s.findings_by_code.items()))})"
                                         if s.findings else ""),
        ]
        if self.deep:
            lines.append(f"deep pass: {s.deep_evals} evaluations, {s.deep_calls} calls assembled as prompts, "
                         f"{s.deep_budget} stopped by the step budget")
        order = ["internal", "hang", "memory", "unreadable", "decode", "syntax"]
        lines.append("errors by kind: " + ", ".join(f"{k} {kinds.get(k, 0)}" for k in order))
        lines.append(f"internal errors: {len(s.internal)}")
        lines.append(f"time: {elapsed:.1f}s ({time.process_time():.1f}s CPU)   peak RSS: {_rss_mb():.0f} MB")
        if s.times:
            lines.append(f"slowest {min(top, len(s.times))} files (CPU time):")
            for t, p in sorted(s.times, reverse=True)[:top]:
                lines.append(f"  {t:7.2f}s  {p}")
        if s.rss_jumps:
            lines.append("largest peak-memory increases:")
            for mb, p in sorted(s.rss_jumps, reverse=True)[:5]:
                lines.append(f"  {mb:7.0f} MB  {p}")
        return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("paths", nargs="*", help="folders or files (default: stdlib and site-packages)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds of CPU time per file (and {WALL_FACTOR} times as long by the clock)")
    parser.add_argument("--shallow", action="store_true", help="only lint through the engine; no deep pass")
    parser.add_argument("-v", "--verbose", action="store_true", help="also list unreadable/undecodable files")
    parser.add_argument("--top", type=int, default=10, help="how many slowest files to list")
    parser.add_argument("--deep-steps", type=int, default=DEEP_STEPS, help="evaluation steps per deep evaluation")
    parser.add_argument("--file-steps", type=int, default=DEEP_FILE_STEPS, help="evaluation steps per file, deep pass")
    args = parser.parse_args(argv)
    paths = args.paths or default_paths()
    # Let analysis exceptions out of the engine, so the sweep can say where they came from.
    old = os.environ.get("CACHELINT_DEBUG")
    os.environ["CACHELINT_DEBUG"] = "1"
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    sweep = Sweep(timeout=args.timeout, deep=not args.shallow, verbose=args.verbose,
                  deep_steps=args.deep_steps, file_steps=args.file_steps)
    start = time.perf_counter()
    try:
        sweep.say("sweeping: " + ", ".join(paths))
        sweep.run(paths)
    finally:
        if old is None:
            os.environ.pop("CACHELINT_DEBUG", None)
        else:
            os.environ["CACHELINT_DEBUG"] = old
    sweep.say(sweep.summary(time.perf_counter() - start, args.top))
    return 2 if sweep.stats.internal else 0


if __name__ == "__main__":
    sys.exit(main())
