"""Units of work that give the same answer in any process and in any order.

Every file is linted in a project of its own (`TrackedProject`), which starts empty and
loads what the file's analysis asks for. That makes a file's findings a function of the
files it read and nothing else: not of the files linted before it in the same process, not
of which worker it went to, not of whether other results came from the cache. The same
holds for the wrapper scan, cut into chunks of a fixed size. So a serial run, a parallel
run and a cached run report the same findings by construction, and the project a file was
linted in says exactly which modules (and prompt files) the result depends on.

Parsed modules are shared between these short-lived projects through `ModuleCache`, a
least-recently-used cache bounded by source size, so memory stays flat however many files
the tree holds.
"""

from __future__ import annotations

import ast
import bisect
import multiprocessing
import os
import pickle
import re
import signal
import sys
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar, cast

from cachelint import gcpolicy, tokens
from cachelint.analysis import project as _project_module
from cachelint.analysis import realpaths
from cachelint.analysis.calls import FoundCall
from cachelint.analysis.module import ModuleInfo, line_starts, split_lines
from cachelint.analysis.project import (
    SDK_WORDS,
    LineWords,
    Mention,
    Project,
    _read_module,
    mention_set,
    mention_words,
    mentioning_functions,
    names_regex,
    wrapper_words,
)
from cachelint.analysis.realpaths import real_path
from cachelint.analysis.shared import Event
from cachelint.diagnostics import LintError
from cachelint.pipes import close_all, portable
from cachelint.rules._base import Rule
from cachelint.settings import Settings
from cachelint.tokenserver import RemoteCounter, serve

# The scan below mirrors Project.wrapper_names, one chunk of files at a time. Should the
# project model stop providing these, the scan falls back to Project.wrapper_names.
MAX_WRAPPER_DEPTH: int = getattr(_project_module, "MAX_WRAPPER_DEPTH", 3)
_fn_mentions: Callable[[ast.AST, re.Pattern[str]], bool] | None = getattr(_project_module, "_mentions", None)

# Parsed modules kept between files, per process, in bytes of source. A parsed and indexed
# module takes about 45 times its source size in memory. When the project's modules fit in
# the larger budget they are all kept: every scan pass and the linting reuse them (dense 1,000
# modules, 2.3 MB of source: 13-15 s of CPU, against 18-20 s with 1 MiB). When they do not fit,
# the passes over the files in order evict each module before it is needed again, whatever the
# budget; only the modules a file imports from its own package are reused, and the small
# budget keeps those: a dense 10,000-module tree took the same CPU with 4 MiB and 2 MiB, and
# workers of 291, 200 and 99 MB with 4 MiB, 2 MiB and 512 KiB; 256 KiB gave workers of 86 MB
# (the three processes 275 MB against 302) in the same time, and dense 3,000 the same CPU
# (46.8 s against 48.6 s, medians of 3 alternating runs).
MODULE_CACHE_BYTES = 4 * 1024 * 1024
SMALL_MODULE_CACHE_BYTES = 256 * 1024


def cache_budget(source_bytes: int, largest: int = 0, jobs: int = 1) -> int:
    """The module cache budget of each of `jobs` processes linting a project with this much
    Python source, whose largest file has `largest` bytes.

    Each worker gets its own share of the files, scan pass after scan pass and for the
    linting (see Workers), so the larger budget serves while a worker's share fits in it,
    with a quarter left for what the share imports from other shares and takes over from the
    other workers at the end of a pass. (On dense 2,000, 4.6 MB of source, each worker held
    its 2.3 MB; with the small budget it parsed most modules again in every pass, and the
    run took 12.4 s and 22.3 s of CPU against 10.6 s and 18.0 s.)

    A small budget still holds two modules of the largest size: a large module imported by
    every file (generated prompts) would otherwise never stay cached and be parsed again for
    each file."""
    if source_bytes <= MODULE_CACHE_BYTES or (jobs > 1 and source_bytes <= jobs * MODULE_CACHE_BYTES * 3 // 4):
        return MODULE_CACHE_BYTES
    return max(SMALL_MODULE_CACHE_BYTES, min(MODULE_CACHE_BYTES, 2 * largest))


MODULE_CACHE_COUNT = 2000
# Files per scan chunk. Fixed, never derived from the number of workers: the chunks are the
# same in every run, so the names found are too.
SCAN_CHUNK = 48

T = TypeVar("T")
R = TypeVar("R")


class ModuleCache:
    """Parsed modules by real path, least recently used first out, bounded by source size."""

    def __init__(self, max_bytes: int = MODULE_CACHE_BYTES, max_count: int = MODULE_CACHE_COUNT) -> None:
        self.max_bytes = max_bytes
        self.max_count = max_count
        self._mods: OrderedDict[str, ModuleInfo] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._mods)

    def get(self, real: str) -> ModuleInfo | None:
        mod = self._mods.get(real)
        if mod is None:
            self.misses += 1
            return None
        self.hits += 1
        self._mods.move_to_end(real)
        return mod

    def peek(self, real: str) -> ModuleInfo | None:
        """The module if cached, without counting a hit or a miss or making it more recent."""
        return self._mods.get(real)

    def put(self, real: str, mod: ModuleInfo) -> None:
        old = self._mods.pop(real, None)
        if old is not None:
            self._bytes -= len(old.text)
            if old is not mod:
                old.shared.clear()  # see below
        self._mods[real] = mod
        self._bytes += len(mod.text)
        while self._mods and (self._bytes > self.max_bytes or len(self._mods) > self.max_count):
            _, evicted = self._mods.popitem(last=False)
            self._bytes -= len(evicted.text)
            # Its shared results point back at it (a found call's environment names its module):
            # dropped, the module is freed by reference counting when the last project using
            # it ends, not left to a full collection (which the gc policy makes rare).
            evicted.shared.clear()


@dataclass(frozen=True)
class Dependencies:
    """What one result was computed from, besides the linted file itself.

    `files`: real paths of the modules and prompt files that were read (or looked for and
    missing); `probes`: module names that were resolved, with what the search found, so a
    module that appears later (a new `prompts.py`) invalidates results that missed it.
    """

    files: tuple[str, ...] = ()
    probes: tuple[tuple[str, str], ...] = ()


class TrackedProject(Project):
    """A project for one unit of work: modules come from a shared `ModuleCache`, the wrapper
    names are given (found once per run), and every module and name looked up is recorded."""

    def __init__(
        self,
        root: str,
        declared: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (),
        modules: ModuleCache | None = None,
        names: frozenset[str] | None = None,
    ) -> None:
        super().__init__(root, declared)
        self.modules = modules if modules is not None else ModuleCache()
        self.given_names = names
        self.probed: dict[str, str] = {}
        # Shared results (cachelint.analysis.shared): what the computations in progress
        # loaded, looked up and read, while `_recording` of them are; the real paths of the
        # files registered with `add` as module objects of this project's own (a linted file
        # not parsed before in this process), which no shared result may have read.
        self._log: list[Event] = []
        self._recording = 0
        self._own: set[str] = set()

    shares = True

    def begin_record(self) -> int:
        self._recording += 1
        return len(self._log)

    def end_record(self, mark: int) -> tuple[tuple[Event, ...], frozenset[str]]:
        events = tuple(self._log[mark:])
        self._recording -= 1
        if not self._recording:
            self._log.clear()
        return events, frozenset(real for _, _, real in events if real)

    def may_reuse(self, paths: frozenset[str]) -> bool:
        return not (paths & self._own)

    def replay(self, events: tuple[Event, ...]) -> None:
        for kind, arg, _ in events:
            if kind == "load":
                self.load(arg)
            elif kind == "name":
                self.module_by_name(arg)
            else:
                self.evaluator.files().read(arg)  # type: ignore[attr-defined]

    def note_read(self, path: str) -> None:
        """A prompt file was read (or looked for): recorded for the shared results in progress."""
        if self._recording:
            self._log.append(("read", path, ""))

    def add(self, mod: ModuleInfo) -> ModuleInfo:
        real = real_path(mod.path)
        if self.modules.peek(real) is not mod:
            self._own.add(real)  # a copy of this project's own (see linted_module)
        return super().add(mod)

    def linted_module(self, path: str, text: str, tree: ast.Module) -> ModuleInfo:
        """The copy of the file parsed earlier in this process (by the wrapper scan, or as an
        imported module) when it holds `tree`, so what was worked out for it there is reused
        (its SDK calls, its module-level values: see cachelint.analysis.shared). That copy is
        named by the path it was loaded by, which is used only when it is `path` made absolute:
        a path through a symbolic link would otherwise change what `__file__` holds. The
        checker names the places in the file by `path` again (see checker._shown_at)."""
        mod = self.modules.peek(real_path(path))
        if mod is not None and mod.tree is tree and (mod.path == path or mod.path == os.path.abspath(path)):
            return mod
        return super().linted_module(path, text, tree)

    def wrapper_names(self) -> frozenset[str]:
        if self.given_names is not None:
            return self.given_names
        return super().wrapper_names()

    def load(self, path: str) -> ModuleInfo | None:
        real = real_path(path)
        if self._recording:
            self._log.append(("load", path, real))
        if real in self._by_path:
            return self._by_path[real]
        mod = self.modules.get(real)
        if mod is None:
            mod = super().load(path)
            if mod is not None:
                self.modules.put(real, mod)
            return mod
        self._by_path[real] = mod
        return mod

    def module_by_name(self, qualname: str) -> ModuleInfo | None:
        if qualname not in self.probed:
            self.probed[qualname] = _probe_once(tuple(self.search_roots), qualname)
        found = super().module_by_name(qualname)
        if self._recording:
            self._log.append(("name", qualname, real_path(found.path) if found is not None else ""))
        return found

    def calls_in(self, mod: ModuleInfo) -> list[FoundCall]:
        # Project.calls_in, whose key is the module's real path, asked for here at most once per path and run.
        got = self._calls.get(real_path(mod.path))
        return got if got is not None else super().calls_in(mod)

    def parsed_tree(self, path: str, text: str) -> ast.Module | None:
        """The tree of `path` parsed earlier in this process (by the wrapper scan, or as an
        imported module) if it was parsed from the same text, so the file is not parsed twice.
        A tree is never changed once parsed, so sharing it gives what parsing again would."""
        mod = self.modules.get(real_path(path))
        if mod is None or mod.text != text:
            return None
        return mod.tree

    def keep(self, path: str) -> None:
        """Offer the module registered for `path` (the linted file) to the shared cache."""
        real = real_path(path)
        mod = self._by_path.get(real)
        if mod is not None:
            self.modules.put(real, mod)

    def close(self) -> None:
        """Done with this project: drop what it holds now, by reference counting. It and its
        evaluator point at each other, so it would otherwise wait, with every module and value
        it reached, for the cyclic collector (which then traversed and freed them all)."""
        self.__dict__.clear()

    def dependencies(self, exclude: str | None = None) -> Dependencies:
        files = set(self._by_path)
        files.update(_prompt_file_reads(self))
        if exclude is not None:
            files.discard(real_path(exclude))
        return Dependencies(tuple(sorted(files)), tuple(sorted(self.probed.items())))


def _prompt_file_reads(project: Project) -> Iterable[str]:
    """Real paths of the prompt files the evaluator read or looked for."""
    files = getattr(project.evaluator, "prompt_files", None)
    reads = getattr(files, "_reads", None)
    return list(reads) if isinstance(reads, dict) else []


# probe_signature's answers in this run and process (reset with the real paths).
_PROBES: dict[tuple[tuple[str, ...], str], str] = {}


def _probe_once(search_roots: tuple[str, ...], qualname: str) -> str:
    key = (search_roots, qualname)
    got = _PROBES.get(key)
    if got is None:
        got = _PROBES[key] = probe_signature(search_roots, qualname)
    return got


def probe_signature(search_roots: Sequence[str], qualname: str) -> str:
    """What resolving `qualname` finds on disk: for each search root, whether `rel.py`,
    `rel/__init__.py` and the folder `rel` exist. Cheap to recompute when validating."""
    if not qualname or qualname.startswith(".") or "[" in qualname:
        return ""
    rel = qualname.replace(".", os.sep)
    out = []
    for r in search_roots:
        base = os.path.join(r, rel)
        out.append(
            ("f" if os.path.isfile(base + ".py") else "-")
            + ("p" if os.path.isfile(os.path.join(base, "__init__.py")) else "-")
            + ("d" if os.path.isdir(base) else "-")
        )
    return "".join(out)


# ---- the wrapper scan, in fixed chunks


# What a scan pass needs to know of a module it parsed before, to tell without parsing it
# again that no function in it can be checked: whether its text is ASCII, and each function's
# name and lines (decorators included), in walk order.
FunctionLines = tuple[tuple[str, int, int], ...]
Outline = tuple[bool, FunctionLines]


def outline(mod: ModuleInfo) -> Outline:
    return mod.text.isascii(), tuple(
        (fn.name, min([fn.lineno, *(d.lineno for d in fn.decorator_list)]), fn.end_lineno or fn.lineno)
        for fn in mod.functions
    )


def _nothing_to_check(path: str, known: Outline, pattern: Mention, found: frozenset[str],
                      parsed: ModuleInfo | None = None) -> bool:
    """Would `mentioning_functions` find nothing in this module? Decided from its outline and
    its text, as mentioning_functions' own test of the text, so the module need not be parsed.
    `parsed`: the module as this process parsed it earlier in the run, whose text and lines
    are used rather than reading the file again."""
    ascii_text, functions = known
    if not ascii_text:
        return False  # the tree may spell names differently (NFKC): parse and walk it
    spans = [(first, last) for name, first, last in functions if name not in found]
    if not spans:
        return True
    text = parsed.text if parsed is not None else _read_module(path)
    if text is None:
        return False
    wanted = mention_set(pattern)
    if wanted is not None:
        # Lines as the parser counts them; a line's words are all that can match on it.
        lines = parsed.lines if parsed is not None else split_lines(text)
        hits = LineWords(lines, wanted)
        return not any(hits.any_in(first, last) for first, last in spans)
    words = mention_words(pattern)
    starts = line_starts(text)
    found_lines = sorted({bisect.bisect_right(starts, m.start()) for m in words.finditer(text)})
    for first, last in spans:
        i = bisect.bisect_left(found_lines, first)
        if i < len(found_lines) and found_lines[i] <= last:
            return False
    return True


def scan_chunk(
    paths: Sequence[str],
    root: str,
    declared: tuple[tuple[str, tuple[tuple[str, str], ...]], ...],
    pattern_names: frozenset[str] | None,
    found: frozenset[str],
    modules: ModuleCache,
    outlines: dict[str, Outline] | None = None,
) -> tuple[set[str], Dependencies, dict[str, Outline]]:
    """The functions in `paths` that forward a parameter into an SDK call's prompt, and the
    outline of each module parsed.

    `pattern_names` None is the first pass (functions that mention an SDK); later passes look
    for functions that mention a wrapper found in the pass before. As Project.wrapper_names.
    A module with an outline from an earlier pass is not parsed again when none of its
    functions can be checked (a wrapper's name matched only outside functions, or in
    functions already found); which functions are checked, and in which order, is unchanged.
    """
    project = TrackedProject(root, declared, modules, frozenset())
    pattern: Mention = SDK_WORDS if pattern_names is None else pattern_names
    new: set[str] = set()
    seen: dict[str, Outline] = {}
    for path in paths:
        known = outlines.get(path) if outlines else None
        if known is not None and _nothing_to_check(path, known, pattern, found, modules.peek(real_path(path))):
            continue
        mod = project.load(path)
        if mod is None:
            continue
        seen[path] = outline(mod)
        for fn in mentioning_functions(mod, pattern, found):
            if project.wrapper_sites(fn, mod):
                new |= wrapper_words(fn, mod)
    deps = project.dependencies()
    project.close()
    return new, deps, seen


def _names_pattern(names: Iterable[str]) -> re.Pattern[str]:
    return names_regex(frozenset(names))


@dataclass
class ScanResult:
    names: frozenset[str]
    deps: Dependencies
    files_scanned: int = 0


# Is this file a candidate of a scan pass? None: the first pass (names an SDK); else the
# wrapper names found in the pass before (the file holds one as a whole word, see names_in).
CandidateTest = Callable[[str, "frozenset[str] | None"], bool]


def scan_wrappers(
    files: Sequence[str],
    settings: Settings,
    is_candidate: CandidateTest,
    jobs: int | Workers,
    modules: ModuleCache,
    meanwhile: Callable[[], None] | None = None,
) -> ScanResult:
    """Names of project functions that forward parameters into SDK calls (see Project.wrapper_names).

    `files` are the project's files in a fixed order; `is_candidate` tells which of them a
    pass parses (see CandidateTest). Chunks of candidates go to `jobs` processes.
    `meanwhile` is called once the first pass runs in worker processes (not when it runs
    here), with this process free until the pass ends.
    """
    if _fn_mentions is None:  # pragma: no cover - see the import above
        project = TrackedProject(settings.root, settings.wrappers, modules)
        names = project.wrapper_names()
        return ScanResult(names, project.dependencies(), len(files))
    found: set[str] = set()
    dep_files: set[str] = set()
    probes: dict[str, str] = {}
    pattern_names: frozenset[str] | None = None
    scanned = 0
    outlines: dict[str, Outline] = {}
    for _depth in range(MAX_WRAPPER_DEPTH + 1):
        candidates = [path for path in files if is_candidate(path, pattern_names)]
        scanned += len(candidates)
        # The chunks are the same as without outlines: they only let a worker skip a module.
        chunks = [
            (chunk, {p: outlines[p] for p in chunk if p in outlines})
            for chunk in (candidates[i : i + SCAN_CHUNK] for i in range(0, len(candidates), SCAN_CHUNK))
        ]
        frozen_found = frozenset(found)
        shared = (settings.root, settings.wrappers, pattern_names, frozen_found)
        new: set[str] = set()
        keys = [chunk for chunk, _ in chunks]
        for chunk_new, deps, seen in map_tasks(_scan_task, chunks, shared, jobs, modules, keys):
            if meanwhile is not None and isinstance(jobs, Workers) and jobs.started:
                meanwhile()
                meanwhile = None
            new |= chunk_new
            dep_files.update(deps.files)
            probes.update(deps.probes)
            outlines.update(seen)
        new -= found
        if not new:
            break
        found |= new
        pattern_names = frozenset(new)
    return ScanResult(frozenset(found), Dependencies(tuple(sorted(dep_files)), tuple(sorted(probes.items()))), scanned)


ScanShared = tuple[
    str,
    tuple[tuple[str, tuple[tuple[str, str], ...]], ...],
    "frozenset[str] | None",
    frozenset[str],
]


def _scan_task(
    task: tuple[Sequence[str], dict[str, Outline]], shared: ScanShared, modules: ModuleCache
) -> tuple[set[str], Dependencies, dict[str, Outline]]:
    paths, outlines = task
    root, declared, pattern_names, found = shared
    try:
        return scan_chunk(paths, root, declared, pattern_names, found, modules, outlines)
    finally:
        gcpolicy.checkpoint()  # the chunk's project is garbage now; the parsed modules are kept


# ---- linting one file


@dataclass
class FileOutcome:
    """One linted file: its result, and what it was computed from (for the cache)."""

    index: int
    diagnostics: list[object] = field(default_factory=list)
    errors: list[LintError] = field(default_factory=list)
    files_checked: int = 0
    content_hash: str = ""
    deps: Dependencies | None = None
    dep_hashes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LintJob:
    """What every file of a run shares: settings, rules, the wrapper names, whether to record dependencies."""

    settings: Settings
    rules: tuple[type[Rule], ...]
    names: frozenset[str]
    track: bool


def lint_one(index: int, path: str, job: LintJob, modules: ModuleCache) -> FileOutcome:
    """Lint one file in a project of its own."""
    from cachelint.cache import content_hash, file_hash
    from cachelint.engine import lint_source, read_file

    out = FileOutcome(index)
    data, error = read_file(path)
    if data is None:
        out.errors.append(LintError(path, error))
        return out
    project = TrackedProject(job.settings.root, job.settings.wrappers, modules, job.names)
    result = lint_source(data, path, job.settings, job.rules, project)
    project.keep(path)
    out.diagnostics = list(result.diagnostics)
    out.errors = list(result.errors)
    out.files_checked = result.files_checked
    if job.track:
        out.content_hash = content_hash(data)
        out.deps = project.dependencies(exclude=path)
        out.dep_hashes = {p: file_hash(p) for p in out.deps.files}
    project.close()
    return out


def _lint_task(items: Sequence[tuple[int, str]], job: LintJob, modules: ModuleCache) -> list[FileOutcome]:
    out = []
    for i, p in items:
        out.append(lint_one(i, p, job, modules))
        gcpolicy.checkpoint()  # the file's project is garbage now; what it cached is kept
    return out


def lint_many(
    items: Sequence[tuple[int, str]], job: LintJob, jobs: int | Workers, modules: ModuleCache
) -> list[FileOutcome]:
    """Lint (index, path) items in `jobs` processes; outcomes in the order of `items`."""
    count = jobs.jobs if isinstance(jobs, Workers) else jobs
    size = max(1, min(32, len(items) // max(1, count * 4)))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    outcomes: list[FileOutcome] = []
    keys = [[path for _, path in chunk] for chunk in chunks]
    for chunk_out in map_tasks(_lint_task, chunks, job, jobs, modules, keys):
        outcomes.extend(chunk_out)
    outcomes.sort(key=lambda o: o.index)
    return outcomes


# ---- processes

MIN_PARALLEL_TASKS = 2  # fewer tasks than this run in the calling process


def files_for_parallel_scan() -> int:
    """How many candidates make the scan's first pass run in the workers."""
    return SCAN_CHUNK * (MIN_PARALLEL_TASKS - 1) + 1

S = TypeVar("S")

# In a worker: the worker's own module cache, kept for the whole run (every scan pass and the
# linting, as the calling process keeps its own in a serial run).
_worker_modules: ModuleCache | None = None


def _init_worker(cache_bytes: int = MODULE_CACHE_BYTES) -> None:
    global _worker_modules
    _worker_modules = ModuleCache(cache_bytes)
    gcpolicy.start()  # a forked worker has it on already; a spawned one starts it here
    from cachelint.cache import reset_file_hashes

    reset_file_hashes()
    reset_real_paths()
    realpaths.start()  # the worker serves one run


# A task as sent to a worker: the function, the task, its index in the map, and the map's
# `shared` value pickled, sent only with a worker's first task of each map (None after).
_Message = tuple[Callable[[Any, Any, ModuleCache], Any], Any, int, "bytes | None"]


def _worker_main(conn: Connection, cache_bytes: int, counter: Connection | None = None,
                 inherited: Sequence[Connection] = ()) -> None:
    """A worker's life: run the tasks the parent sends, one at a time, until told to stop.
    `counter`: the pipe to the run's counting process (see cachelint.tokenserver).
    `inherited`: pipe ends a forked worker holds copies of that are not its own."""
    close_all(inherited)
    # Ctrl-C reaches the whole process group: the parent stops the workers, which would
    # otherwise each print a traceback of where the interrupt found them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init_worker(cache_bytes)
    if counter is not None:
        tokens.set_counter(RemoteCounter(counter))
    assert _worker_modules is not None
    shared: Any = None
    while True:
        try:
            message: _Message | None = conn.recv()
        except EOFError:  # the parent is gone
            return
        if message is None:
            return
        fn, task, index, blob = message
        if blob is not None:
            shared = pickle.loads(blob)
        try:
            reply = pickle.dumps((index, True, fn(task, shared, _worker_modules)), pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # it goes to the parent, which raises it
            reply = pickle.dumps((index, False, portable(exc)), pickle.HIGHEST_PROTOCOL)
        conn.send_bytes(reply)


class WorkerDied(RuntimeError):
    """A worker process ended in the middle of a run (killed, or out of memory)."""


def default_jobs() -> int:
    """One worker per CPU this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def _context() -> multiprocessing.context.BaseContext:
    # fork: workers start at once with everything imported; elsewhere spawn is the safe default.
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


class Workers:
    """`jobs` worker processes for a whole run, started when first needed: the wrapper scan's
    passes and the linting share them, so modules a worker parsed in one pass are not parsed
    again in the next (each worker keeps its module cache, as a serial run does).

    To make that happen, a task goes to the worker that last had its files (`keys`), and a
    worker with nothing of its own left takes the last task of the busiest other. With a
    shared queue (multiprocessing.Pool) a file scanned by one worker was as often linted by the
    other: on dense 1,000 modules the two workers parsed 1,677 modules between them, against
    955 in a serial run (cache misses, counted alike). Which worker runs a task never changes what it returns.
    """

    def __init__(self, jobs: int, cache_bytes: int = MODULE_CACHE_BYTES, count_tokens: tuple[str, ...] = ()) -> None:
        self.jobs = jobs
        self.cache_bytes = cache_bytes  # each worker's module cache
        # Encodings a counting process builds as the workers start, and counts with for them
        # (see cachelint.tokenserver); () for none: each worker counts for itself.
        self.count_tokens = count_tokens
        self._procs: list[Any] = []  # the workers, then the counting process if any
        self._conns: list[Connection] = []
        self._owner: dict[str, int] = {}  # file -> the worker that last had a task with it

    def __enter__(self) -> Workers:
        return self

    @property
    def started(self) -> bool:
        """Are the worker processes running?"""
        return bool(self._procs)

    def start(self) -> None:
        """Start the processes now rather than at the first map that shares work out (a
        caller that knows one will). Nothing for a pool of one."""
        if self.jobs > 1 and not self._procs:
            try:
                self._start()
            except BaseException:
                self.close()
                raise

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        procs, conns = self._procs, self._conns
        self._procs, self._conns = [], []
        self._owner.clear()  # a new pool's workers have empty caches
        for proc in procs:
            proc.terminate()  # nothing a worker holds needs an orderly end
        for proc in procs:
            proc.join()
        for conn in conns:
            conn.close()

    def _start(self) -> None:
        context = _context()
        process = cast(Any, context).Process
        # A forked child holds a copy of every pipe end this process has open; it closes those
        # that are not its own, so that each end sees the other go (a worker whose parent was
        # killed stops instead of waiting forever). A spawned child gets only its own.
        forked = context.get_start_method() == "fork"
        pairs = [context.Pipe() for _ in range(self.jobs)] if self.count_tokens else []
        worker_ends = [end for end, _ in pairs]
        server_ends = [end for _, end in pairs]
        counters: list[Connection | None] = [*worker_ends] or [None] * self.jobs
        server = None
        if pairs:
            server = process(target=serve, args=(server_ends, self.count_tokens,
                                                 worker_ends if forked else []), daemon=True)
            server.start()
            close_all(server_ends)
        for w in range(self.jobs):
            here, there = context.Pipe()
            others = [*self._conns, here, *(c for j, c in enumerate(counters) if j != w and c is not None)]
            proc = process(target=_worker_main, args=(there, self.cache_bytes, counters[w],
                                                      others if forked else []), daemon=True)
            proc.start()
            there.close()
            self._procs.append(proc)
            self._conns.append(here)
        for counter in counters:
            if counter is not None:
                counter.close()
        if server is not None:
            self._procs.append(server)  # after the workers: self._procs[w] is worker w

    def _home(self, keys: Sequence[str], index: int, count: int) -> int:
        """The worker that had most of these files, or else the one whose even share of the
        tasks this one falls in (neighbouring files stay together: one package, one worker)."""
        votes = Counter(self._owner[k] for k in keys if k in self._owner)
        if votes:
            return min(votes, key=lambda w: (-votes[w], w))
        return index * self.jobs // count

    def map(
        self,
        fn: Callable[[T, S, ModuleCache], R],
        tasks: Sequence[T],
        shared: S,
        modules: ModuleCache,
        keys: Sequence[Sequence[str]] | None = None,
    ) -> Iterator[R]:
        """fn(task, shared, modules) for every task, in the worker processes (each with its own
        module cache) or here when that cannot pay. Results come in task order. `keys[i]`:
        the files task i works on, so that it goes where they were parsed before."""
        if self.jobs <= 1 or len(tasks) < MIN_PARALLEL_TASKS:
            for task in tasks:
                yield fn(task, shared, modules)
            return
        try:
            self.start()
            yield from self._run(fn, tasks, shared, keys)
        except BaseException:
            self.close()  # a task failed or the caller stopped: no worker is left half way
            raise

    def _run(
        self, fn: Callable[[T, S, ModuleCache], R], tasks: Sequence[T], shared: S,
        keys: Sequence[Sequence[str]] | None,
    ) -> Iterator[R]:
        count = len(tasks)
        task_keys: Sequence[Sequence[str]] = keys if keys is not None else [()] * count
        queues: list[deque[int]] = [deque() for _ in range(self.jobs)]
        for i in range(count):
            queues[self._home(task_keys[i], i, count)].append(i)
        blob: bytes | None = pickle.dumps(shared, pickle.HIGHEST_PROTOCOL)
        has_shared = [False] * self.jobs

        def send_next(w: int) -> None:
            queue = queues[w]
            if not queue:
                victim = max(range(self.jobs), key=lambda v: len(queues[v]))
                queue = queues[victim]
                if not queue:
                    return
                i = queue.pop()  # the other end from where its own worker is working
            else:
                i = queue.popleft()
            message: _Message = (fn, tasks[i], i, None if has_shared[w] else blob)
            self._conns[w].send(message)
            has_shared[w] = True

        for w in range(self.jobs):
            send_next(w)
        done: dict[int, R] = {}
        emitted = 0
        by_conn = {id(conn): w for w, conn in enumerate(self._conns)}
        while emitted < count:
            while emitted in done:
                yield done.pop(emitted)
                emitted += 1
            if emitted == count:
                break
            for conn in wait(self._conns):
                w = by_conn[id(conn)]
                try:
                    data = conn.recv_bytes()  # type: ignore[union-attr]
                except EOFError:
                    self._procs[w].join(5)  # reap it, so that its exit code is known
                    code = self._procs[w].exitcode
                    raise WorkerDied(f"a worker process ended unexpectedly (exit code {code})") from None
                send_next(w)  # before unpickling the result: the worker waits for nothing
                index, ok, value = pickle.loads(data)
                if not ok:
                    raise value
                done[index] = value
                for k in task_keys[index]:
                    self._owner[k] = w


def map_tasks(
    fn: Callable[[T, S, ModuleCache], R],
    tasks: Sequence[T],
    shared: S,
    jobs: int | Workers,
    modules: ModuleCache,
    keys: Sequence[Sequence[str]] | None = None,
) -> Iterator[R]:
    """fn(task, shared, modules) for every task, in `jobs` worker processes (or the given
    Workers), or here when that cannot pay. Results come in task order. `keys`: see Workers.map."""
    if isinstance(jobs, Workers):
        yield from jobs.map(fn, tasks, shared, modules, keys)
        return
    with Workers(min(jobs, len(tasks))) as workers:
        yield from workers.map(fn, tasks, shared, modules, keys)


# ---- real paths

def reset_real_paths() -> None:
    """Forget the real paths resolved and the module names probed so far (at the start of every run)."""
    realpaths.clear()
    _PROBES.clear()
