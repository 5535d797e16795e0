"""Lint files: read, pre-filter, parse, find calls, assemble prompts, run rules, suppress.

`lint_files` runs in three steps. The wrapper scan finds the project's functions that
forward parameters into SDK calls (once per run, or taken from the cache when the files it
looked at are unchanged). Each file is then read once and pre-filtered on its text: a file
that names no SDK and no wrapper cannot hold a recognised call and is never parsed. The
remaining files are looked up in the result cache, and the rest are linted, each in a
project of its own (see `cachelint.parallel`), in worker processes when there are enough.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cachelint.diagnostics import Diagnostic, LintError
from cachelint.rules._base import Rule
from cachelint.settings import Settings
from cachelint.sources import SourceError, decode_source, parse_source, read_file

if TYPE_CHECKING:
    from cachelint.analysis.project import Project
    from cachelint.cache import ResultCache
    from cachelint.parallel import ModuleCache, TrackedProject, Workers


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[LintError] = field(default_factory=list)
    files_checked: int = 0

    def extend(self, other: LintResult) -> None:
        self.diagnostics.extend(other.diagnostics)
        self.errors.extend(other.errors)
        self.files_checked += other.files_checked


@dataclass(frozen=True)
class RunOptions:
    """How lint_files runs, not what it finds: every choice here gives the same findings.

    jobs: worker processes (1: all in this process; 0: one per CPU). cache_dir: where
    results are cached between runs (None: no cache).
    """

    jobs: int = 1
    cache_dir: str | None = None


_RUN_OPTIONS: ContextVar[RunOptions | None] = ContextVar("cachelint_run_options", default=None)


@contextmanager
def run_options(options: RunOptions) -> Iterator[RunOptions]:
    """Make `options` the default of lint_files calls inside the block (the CLI sets them)."""
    token = _RUN_OPTIONS.set(options)
    try:
        yield options
    finally:
        _RUN_OPTIONS.reset(token)


def lint_source(
    data: bytes | str,
    path: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    project: Project | None = None,
) -> LintResult:
    """Lint one module's source; never raises for bad input (it becomes a LintError)."""
    result = LintResult(files_checked=1)
    try:
        text = decode_source(data) if isinstance(data, bytes) else data
    except SourceError as exc:
        result.errors.append(LintError(path, str(exc)))
        return result
    project = project or _project_for(settings)
    if not project.may_matter(text):
        return result  # no SDK or wrapper name in the text: cannot hold a recognised call
    from cachelint.analysis.project import MAX_MODULE_BYTES

    if len(text) > MAX_MODULE_BYTES:
        # Parsing 50 MB of (generated) code takes minutes and gigabytes; such modules are not followed either.
        result.errors.append(LintError(path, f"too large to analyse: {len(text) >> 10} KiB of source, "
                                             f"the limit is {MAX_MODULE_BYTES >> 10} KiB"))
        return result
    from cachelint.parallel import TrackedProject

    tree = project.parsed_tree(path, text) if isinstance(project, TrackedProject) else None
    if tree is None:
        try:
            tree = parse_source(text, path)
        except SourceError as exc:
            result.errors.append(LintError(path, str(exc)))
            return result
    from cachelint.checker import check_module
    from cachelint.suppress import filter_suppressed

    try:
        found = check_module(tree, text, path, settings, rules, project)
    except RecursionError:
        result.errors.append(LintError(path, "internal error: code nested too deeply to analyse"))
        return result
    except Exception as exc:  # one file's analysis failure must not stop the run
        if os.environ.get("CACHELINT_DEBUG"):
            raise
        detail = " ".join(str(exc).split())[:200]
        result.errors.append(LintError(path, f"internal error in analysis: {type(exc).__name__}: {detail}"))
        return result
    result.diagnostics.extend(filter_suppressed(found, text) if found else found)
    return result


def _project_for(settings: Settings) -> Project:
    """A project for linting one source on its own, with the wrapper names lint_files would use."""
    return project_factory(settings)()


def project_factory(settings: Settings) -> Callable[[], Project]:
    """Projects for linting several sources on their own (a run's notebooks): the wrapper scan
    of the project's files runs once, not once per source; each source gets a project of its own."""
    from cachelint.parallel import ModuleCache, TrackedProject, reset_real_paths

    reset_real_paths()
    modules = ModuleCache()
    base = TrackedProject(settings.root, settings.wrappers, modules, frozenset())
    from cachelint import gcpolicy
    from cachelint.analysis import realpaths

    with gcpolicy.run(), realpaths.run():
        names = _scan(base, settings, _Reader(base, None), 1, modules, None)
    return lambda: TrackedProject(settings.root, settings.wrappers, modules, names)


# ---- lint_files

# A file modified this close to the start of a run may change again within the same mtime
# tick: its facts are not kept by size and mtime (as git does with "racily clean" files).
_RACY_NS = 2_000_000_000


@dataclass
class _Facts:
    """What reading a file told: enough to pre-filter it (and key its cache entry) without
    reading it again. Kept in the cache by size, mtime and inode, like ruff's and git's."""

    digest: str  # content hash ("" without a cache)
    mentions: bool = False  # names an SDK
    declared: bool = False  # names a declared wrapper
    error: str = ""  # why it does not decode
    named_key: str = ""  # the wrapper names (hash) `named_hit` was tested against
    named_hit: bool = False

    def to_json(self, st: os.stat_result) -> list[object]:
        return [st.st_size, st.st_mtime_ns, st.st_ino, self.digest, self.mentions, self.declared, self.error,
                self.named_key, self.named_hit]

    @classmethod
    def from_json(cls, data: object, st: os.stat_result) -> _Facts | None:
        if not isinstance(data, list) or len(data) != 9 or data[:3] != [st.st_size, st.st_mtime_ns, st.st_ino]:
            return None
        digest, mentions, declared, error, named_key, named_hit = data[3:]
        if not (isinstance(digest, str) and isinstance(error, str) and isinstance(named_key, str)):
            return None
        return cls(digest, bool(mentions), bool(declared), error, named_key, bool(named_hit))


TEXT_BUDGET = 8 << 20  # characters of source the reader keeps (see _Reader.text)


class _Reader:
    """Reads files for the pre-filter and the scan, each at most once per run, and not at
    all when the cache holds their facts and their size, mtime and inode are unchanged."""

    def __init__(self, project: TrackedProject, rc: ResultCache | None, keep_texts: bool = True) -> None:
        import time

        self.project = project
        self.rc = rc
        self.trust_before = time.time_ns() - _RACY_NS
        self.memo: dict[str, _Facts | None] = {}
        self.declared = sorted(project.declared_short_names())
        self.cwd = os.path.realpath(os.getcwd())
        # Texts kept for the scan's later passes, which ask every file again whether it names
        # a wrapper found in the pass before: reading and decoding each file again took ~0.1 s
        # a pass on 1,000 files, in the parent, while the workers waited (~0.3 s on 2,000).
        # Only for a project whose whole source fits in TEXT_BUDGET, which holds the
        # benchmark's dense 2,000 (4.6 MB): this process keeps them, not the workers, which
        # fork once the first files are read (see start_early). A much larger tree (10,000
        # files, 23 MB) reads most files again anyway, and its parent stays small.
        self._keep = keep_texts
        self._texts: dict[str, str] = {}
        self._kept = 0
        # The words of each kept text, for the same questions: a later pass asks whether a file
        # holds one of thousands of wrapper names (dense 1,000: 3,453, then 878, then the 4,331
        # of the linting), and splitting every text into words again for each question took
        # ~0.1 s of this process, with the workers waiting. Found by a thread while the workers
        # run the first pass (see index_words), which leaves this process waiting on them.
        self._words: dict[str, frozenset[str]] = {}
        self._indexer: threading.Thread | None = None
        self._early: tuple[int, Callable[[], None]] | None = None  # see start_early
        self._mentioning = 0

    def key(self, path: str) -> str:
        return os.path.normpath(os.path.join(self.cwd, path))

    def facts(self, path: str) -> _Facts | None:
        """None: not a regular file of at most MAX_MODULE_BYTES that can be read."""
        key = self.key(path)
        if key in self.memo:
            return self.memo[key]
        got = self._facts(key)
        self.memo[key] = got
        return got

    def _facts(self, key: str) -> _Facts | None:
        from cachelint.analysis.project import MAX_MODULE_BYTES

        try:
            st = os.stat(key)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_MODULE_BYTES:
            return None  # a FIFO is never opened; a huge module is never followed
        rc = self.rc
        if rc is not None:
            known = _Facts.from_json(rc.facts.get(key), st)
            if known is not None:
                self._remember(key, known.digest)
                return known
        data, _ = read_file(key)
        if data is None:
            return None
        text, facts = self._decode(key, data)
        if self._keep and text is not None and self._kept + len(text) <= TEXT_BUDGET:
            self._texts[key] = text
            self._kept += len(text)
        if rc is not None and st.st_mtime_ns < self.trust_before:
            rc.facts[key] = facts.to_json(st)
            rc.changed = True
        return facts

    def _decode(self, key: str, data: bytes) -> tuple[str | None, _Facts]:
        from cachelint.analysis.project import mentions_sdk

        digest = ""
        if self.rc is not None:
            from cachelint.cache import content_hash

            digest = content_hash(data)
            self._remember(key, digest)
        try:
            text = decode_source(data)
        except SourceError as exc:
            return None, _Facts(digest, error=str(exc))
        facts = _Facts(digest, mentions_sdk(text), any(n in text for n in self.declared))
        if facts.mentions and self._early is not None:
            self._mentioning += 1
            if self._mentioning >= self._early[0]:
                start, self._early = self._early[1], None
                start()
        return text, facts

    def start_early(self, files: int, start: Callable[[], None]) -> None:
        """Call `start` once `files` files read so far name an SDK: from then on the scan's
        first pass is sure to be shared out, and the processes can start while the rest is
        read (the counting process builds its tables meanwhile, on a core otherwise idle).
        Files whose facts come from the cache are not counted: a warm run may scan nothing."""
        self._early = (files, start)

    def _remember(self, key: str, digest: str) -> None:
        from cachelint.cache import remember_hash

        remember_hash(os.path.realpath(key) if os.path.islink(key) else key, digest)

    def forget_texts(self) -> None:
        """Drop the texts kept, and keep no more (the pre-filter is done with them)."""
        self.wait_for_words()
        self._keep = False
        self._texts.clear()
        self._words.clear()
        self._kept = 0

    def index_words(self) -> None:
        """Find the words of every kept text in a thread of this process, from now on. Only
        once the processes of the run are started: forking while a thread runs is unsafe."""
        if self._indexer is None and self._texts:
            self._indexer = threading.Thread(target=self._index_words, args=(list(self._texts.items()),),
                                             name="cachelint-words", daemon=True)
            self._indexer.start()

    def _index_words(self, texts: list[tuple[str, str]]) -> None:
        from cachelint.analysis.project import text_words

        words = self._words
        for key, text in texts:
            if key not in words:
                words[key] = text_words(text)

    def wait_for_words(self) -> None:
        if self._indexer is not None:
            self._indexer.join()
            self._indexer = None

    def _names_in(self, path: str, names: frozenset[str]) -> bool:
        """Does the file hold one of `names` as a whole word (see names_in)?"""
        from cachelint.analysis.project import names_in, names_in_words, text_words

        key = self.key(path)
        text = self._texts.get(key)
        if text is not None:
            self.wait_for_words()
            words = self._words.get(key)
            if words is None:
                words = self._words[key] = text_words(text)
            got = names_in_words(words, names)
            if got is not None:
                return got
        text = self.text(path)
        return text is not None and names_in(text, names)

    def text(self, path: str) -> str | None:
        key = self.key(path)
        kept = self._texts.get(key)
        if kept is not None:
            return kept
        data, _ = read_file(key)
        if data is None:
            return None
        try:
            return decode_source(data)
        except SourceError:
            return None

    def names(self, path: str, facts: _Facts, names_key: str, names: frozenset[str]) -> bool:
        """Does the file name one of the wrapper `names` (hashed as `names_key`)?"""
        if facts.named_key != names_key:
            facts.named_key, facts.named_hit = names_key, self._names_in(path, names)
            key = self.key(path)
            if self.rc is not None and key in self.rc.facts:
                try:
                    st = os.stat(key)
                except OSError:
                    return facts.named_hit
                if self.rc.facts[key][:3] == [st.st_size, st.st_mtime_ns, st.st_ino]:
                    self.rc.facts[key] = facts.to_json(st)
                    self.rc.changed = True
        return facts.named_hit

    def is_candidate(self, path: str, names: frozenset[str] | None) -> bool:
        """Does a scan pass parse this file? (see cachelint.parallel.CandidateTest)"""
        facts = self.facts(path)
        if facts is None or facts.error:
            return False
        if names is None:
            return facts.mentions
        return self._names_in(path, names)

    def candidates(self, files: Sequence[str], names: frozenset[str]) -> dict[str, str]:
        """Each file that names an SDK or one of `names`, with its content hash."""
        from cachelint.cache import names_hash

        names_key = names_hash(names)
        out: dict[str, str] = {}
        for path in files:
            facts = self.facts(path)
            if facts is None or facts.error:
                continue
            if facts.mentions or (names and self.names(path, facts, names_key, names)):
                out[self.key(path)] = facts.digest
        return out


def _scan(
    base: TrackedProject,
    settings: Settings,
    reader: _Reader,
    jobs: int | Workers,
    modules: ModuleCache,
    rc: ResultCache | None,
) -> frozenset[str]:
    """The project's wrapper names: from the cache when the scan's inputs are unchanged."""
    from cachelint.parallel import probe_signature, scan_wrappers

    files = list(base.iter_files())
    if rc is None:
        return scan_wrappers(files, settings, reader.is_candidate, jobs, modules, reader.index_words).names
    from cachelint.cache import file_hash

    def probe(qualname: str) -> str:
        return probe_signature(base.search_roots, qualname)

    previous = rc.cached_scan_names()
    candidates = reader.candidates(files, previous)
    names = rc.scan_names(candidates, probe)
    if names is not None:
        return names
    scan = scan_wrappers(files, settings, reader.is_candidate, jobs, modules, reader.index_words)
    if scan.names != previous:
        candidates = reader.candidates(files, scan.names)
    deps = {real: file_hash(real) for real in scan.deps.files}
    rc.store_scan(scan.names, candidates, deps, scan.deps.probes)
    return scan.names


def lint_files(
    files: Sequence[str],
    settings: Settings,
    rules: Sequence[type[Rule]],
    *,
    options: RunOptions | None = None,
) -> LintResult:
    """Lint files; unreadable files become errors and the run continues.

    Results are in the order of `files` (errors) and sorted (diagnostics), and the same
    whatever the options: serial or parallel, cached or not.
    """
    from cachelint import cache
    from cachelint.parallel import Workers, cache_budget, default_jobs, reset_real_paths

    opts = options or _RUN_OPTIONS.get() or RunOptions()
    jobs = opts.jobs if opts.jobs > 0 else default_jobs()
    cache.reset_file_hashes()
    reset_real_paths()
    from cachelint import gcpolicy
    from cachelint.analysis import realpaths
    from cachelint.tokens import PRELOAD

    # Workers start only when there are files with SDK calls to share out, which will count
    # tokens: a counting process starts with them and builds the encodings while they scan
    # (see cachelint.tokenserver), instead of each worker building its own (~0.8 s and ~50 MB
    # each) or the workers waiting while this process builds them before they fork. The
    # workers and the serial loop freeze what they keep (see gcpolicy); thawed after the run.
    total, largest = _source_bytes(files)
    budget = cache_budget(total, largest, jobs)
    with gcpolicy.run(), realpaths.run(), Workers(jobs, cache_bytes=budget, count_tokens=PRELOAD) as workers:
        return _lint_files(files, settings, rules, opts, workers, budget, total <= TEXT_BUDGET)


def _source_bytes(files: Sequence[str]) -> tuple[int, int]:
    """The total size of `files` and the size of the largest."""
    total = largest = 0
    for path in files:
        with contextlib.suppress(OSError):  # reported when the file is read
            size = os.stat(path).st_size
            total += size
            largest = max(largest, size)
    return total, largest


def _lint_files(
    files: Sequence[str], settings: Settings, rules: Sequence[type[Rule]], opts: RunOptions, workers: Workers,
    cache_bytes: int, keep_texts: bool = True,
) -> LintResult:
    from cachelint import cache
    from cachelint.parallel import (
        LintJob,
        ModuleCache,
        TrackedProject,
        files_for_parallel_scan,
        lint_many,
        probe_signature,
    )

    modules = ModuleCache(cache_bytes)
    base = TrackedProject(settings.root, settings.wrappers, modules, frozenset())
    rc: ResultCache | None = None
    if opts.cache_dir is not None:
        rc = cache.ResultCache(opts.cache_dir, cache.config_key(settings, rules, base.search_roots))
        rc.load()
    reader = _Reader(base, rc, keep_texts)
    if workers.jobs > 1:
        reader.start_early(files_for_parallel_scan(), workers.start)
    try:
        names = _scan(base, settings, reader, workers, modules, rc)
    except BaseException:
        reader.wait_for_words()  # before the caller forks new processes (see _lint_isolated)
        raise
    project = TrackedProject(settings.root, settings.wrappers, modules, names)
    probes: dict[str, str] = {}

    def probe(qualname: str) -> str:
        if qualname not in probes:
            probes[qualname] = probe_signature(base.search_roots, qualname)
        return probes[qualname]

    per_file: list[LintResult | None] = [None] * len(files)
    todo: list[tuple[int, str]] = []
    names_key = cache.names_hash(names)
    for index, path in enumerate(files):
        facts = reader.facts(path)
        if facts is not None and facts.error:
            per_file[index] = LintResult(errors=[LintError(path, facts.error)], files_checked=1)
            continue
        if facts is not None:
            digest = facts.digest
            matters = facts.mentions or facts.declared or (bool(names) and reader.names(path, facts, names_key, names))
        else:  # not a module the scan reads (e.g. larger than it follows): read it here
            data, error = read_file(path)
            if data is None:
                per_file[index] = LintResult(errors=[LintError(path, error)])
                continue
            digest = cache.content_hash(data) if rc is not None else ""
            try:
                matters = project.may_matter(decode_source(data))
            except SourceError as exc:
                per_file[index] = LintResult(errors=[LintError(path, str(exc))], files_checked=1)
                continue
        if not matters:
            per_file[index] = LintResult(files_checked=1)
            continue
        if rc is not None:
            key = _entry_key(digest, names_key, path)
            cached = rc.lookup(os.path.abspath(path), key, probe)
            if cached is not None:
                per_file[index] = LintResult(diagnostics=cached[0], errors=cached[1], files_checked=1)
                continue
        todo.append((index, path))

    reader.forget_texts()
    job = LintJob(settings, tuple(rules), names, track=rc is not None)
    for outcome in lint_many(todo, job, workers, modules):
        path = files[outcome.index]
        diagnostics = [d for d in outcome.diagnostics if isinstance(d, Diagnostic)]
        per_file[outcome.index] = LintResult(diagnostics, outcome.errors, outcome.files_checked)
        if rc is None or outcome.deps is None:
            continue
        if any(e.message.startswith("internal error") for e in outcome.errors):
            rc.forget(os.path.abspath(path))  # not cached: the next run tries again
            continue
        key = _entry_key(outcome.content_hash, names_key, path)
        rc.store(os.path.abspath(path), key, diagnostics, outcome.errors, outcome.dep_hashes, outcome.deps.probes)
    if rc is not None:
        rc.save()

    total = LintResult()
    for result in per_file:
        if result is not None:
            total.extend(result)
    total.diagnostics.sort(key=Diagnostic.sort_key)
    return total


def _entry_key(digest: str, names_key: str, path: str) -> str:
    from cachelint.cache import _digest

    return _digest(digest, names_key, path)
