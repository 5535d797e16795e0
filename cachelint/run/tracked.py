"""Projects that record what a result depends on, and the parsed modules they share.

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
import os
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cachelint import gcpolicy
from cachelint.analysis.calls import FoundCall
from cachelint.analysis.hierarchy import ClassIndex
from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.project import Project
from cachelint.analysis.realpaths import real_path
from cachelint.analysis.shared import Event

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
    module that appears later (a new `prompts.py`) invalidates results that missed it; and the
    questions put to the class index with its answers (a new subclass in a new file).
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
        probes: Probes | None = None,
        classes: ClassIndex | None = None,
    ) -> None:
        super().__init__(root, declared, classes)
        self.modules = modules if modules is not None else ModuleCache()
        self.given_names = names
        self.probes = probes if probes is not None else Probes()  # shared by the run's projects
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
                self.evaluator.files().read(arg)

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
        checker names the places in the file by `path` again (see cachelint.run.check._shown_at)."""
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
        if self.over_source_budget():
            return None
        mod = self.modules.get(real)
        if mod is None:
            mod = super().load(path)
            if mod is not None:
                self.modules.put(real, mod)
            return mod
        self._by_path[real] = mod
        self.loaded_bytes += len(mod.text)
        return mod

    def parsed(self, tree: ast.Module) -> None:
        gcpolicy.parsed()  # the tree lives in the module cache or dies by reference counting

    def module_by_name(self, qualname: str) -> ModuleInfo | None:
        if qualname not in self.probed:
            self.probed[qualname] = self.probes(tuple(self.search_roots), qualname)
        found = super().module_by_name(qualname)
        if self._recording:
            self._log.append(("name", qualname, real_path(found.path) if found is not None else ""))
        return found

    def index_asked(self, key: str, answer: str) -> None:
        self.probed[key] = answer  # checked again against the run's index (ClassIndex.signature)

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

    def loaded_modules(self) -> list[tuple[str, ModuleInfo]]:
        """The modules this project loaded, by real path."""
        return [(real, mod) for real, mod in self._by_path.items() if mod is not None]

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


class Probes:
    """probe_signature's answers, each found once: one per run and process (modules may
    appear between runs)."""

    def __init__(self) -> None:
        self._known: dict[tuple[tuple[str, ...], str], str] = {}

    def __call__(self, search_roots: tuple[str, ...], qualname: str) -> str:
        key = (search_roots, qualname)
        got = self._known.get(key)
        if got is None:
            got = self._known[key] = probe_signature(search_roots, qualname)
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

