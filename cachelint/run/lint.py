"""Lint files: the run from the files discovery lists to sorted findings.

`lint_files` runs in three steps. The wrapper scan finds the project's functions that
forward parameters into SDK calls (once per run; what it learnt of each module is cached by
content, so a warm run looks again only at the modules that changed and those that read
them). Each file is then read once and pre-filtered on its text: a file that names no SDK
and no wrapper cannot hold a recognised call and is never parsed. The remaining files are
looked up in the result cache, and the rest are linted, each in a project of its own (see
cachelint.run.tracked), in worker processes when there are enough.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from cachelint import cache, gcpolicy
from cachelint.analysis.hierarchy import ClassIndex
from cachelint.analysis.project import Project
from cachelint.cache import ResultCache
from cachelint.diagnostics import Diagnostic, LintError
from cachelint.directives import has_directives
from cachelint.rules._base import Rule
from cachelint.run.check import LintResult, check_source
from cachelint.run.cutoff import Cutoff
from cachelint.run.modulefacts import FactStore
from cachelint.run.pool import Workers, default_jobs
from cachelint.run.prefilter import TEXT_BUDGET, Reader
from cachelint.run.scan import ScanInputs, ScanResult, files_for_parallel_scan, scan_wrappers
from cachelint.run.state import RunState, map_tasks, process_run, worker_pool
from cachelint.run.tracked import (
    Dependencies,
    ModuleCache,
    TrackedProject,
    cache_budget,
    probe_signature,
)
from cachelint.settings import Settings
from cachelint.sources import SourceError, decode_source, read_file
from cachelint.tokens import PRELOAD, UNAVAILABLE


@dataclass(frozen=True)
class RunOptions:
    """How lint_files runs, not what it finds: every choice here gives the same findings.

    jobs: worker processes (1: all in this process; 0: one per CPU). cache_dir: where
    results are cached between runs (None: no cache).
    """

    jobs: int = 1
    cache_dir: str | None = None
    # Told how many more files are done, as they are (the command line's progress bar).
    progress: Callable[[int], None] | None = None
    # Told what the run's caches saved (--verbose): modules and functions the wrapper scan
    # looked at again, verdicts kept by the early cutoff, results taken from the cache.
    verbose: Callable[[str], None] | None = None


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
    """Lint one module's source; never raises for bad input (it becomes a LintError). Without
    a `project`, in one of its own with the wrapper names lint_files would use."""
    return check_source(data, path, settings, rules, project or project_factory(settings)())


def project_factory(settings: Settings) -> Callable[[], Project]:
    """Projects for linting several sources on their own (a run's notebooks): the wrapper scan
    of the project's files runs once, not once per source; each source gets a project of its own."""
    run = RunState(ModuleCache())
    base = run.project(settings.root, settings.wrappers, frozenset())
    files = list(base.iter_files())
    reader = Reader(base, None, hashes=run.hashes)
    with process_run():
        classes = reader.class_index(files)
        names = scan_names(base, files, settings, reader, 1, run, None, None, classes).names
    return lambda: run.project(settings.root, settings.wrappers, names, classes)


def scan_names(
    base: TrackedProject,
    files: Sequence[str],
    settings: Settings,
    reader: Reader,
    jobs: int | Workers[RunState],
    run: RunState,
    rc: ResultCache | None,
    meanwhile: Callable[[], None] | None,
    classes: ClassIndex,
) -> ScanResult:
    """The wrapper scan of the project whose files are `files` (its `names`), looking again
    only at the modules the cache `rc` knows nothing current of (all of them without one),
    less those the early cutoff shows unaffected by what changed (see cachelint.run.cutoff).
    `meanwhile`: see scan_wrappers; `classes`: the run's class index."""
    roots = tuple(base.search_roots)

    def probe(qualname: str) -> str:
        got = classes.signature(qualname)
        return got if got is not None else run.probes(roots, qualname)

    cutoff = Cutoff(rc.shapes, run.hashes, rc.getters) if rc is not None else None
    store = FactStore(rc.modules if rc is not None else None, cutoff)
    inputs = ScanInputs(reader.is_candidate, reader.identify, run.hashes, probe)
    result = scan_wrappers(files, settings, inputs, store, jobs, run, meanwhile, classes)
    store.finish()
    if rc is not None and store.changed:
        rc.changed = True
    return result


def lint_files(
    files: Sequence[str],
    settings: Settings,
    rules: Sequence[type[Rule]],
    *,
    options: RunOptions | None = None,
    sources: Mapping[str, str] | None = None,
) -> LintResult:
    """Lint files; unreadable files become errors and the run continues.

    `sources`: the text to lint for some of `files` in place of the file's content (a
    notebook's code cells joined into one module); it is cached by that text as a module is
    by its content. Results are in the order of `files` (errors) and sorted (diagnostics),
    and the same whatever the options: serial or parallel, cached or not.
    """
    opts = options or _RUN_OPTIONS.get() or RunOptions()
    jobs = opts.jobs if opts.jobs > 0 else default_jobs()
    # Workers start only when there are files with SDK calls to share out, which will count
    # tokens: a counting process starts with them and builds the encodings while they scan
    # (see cachelint.run.tokenserver), instead of each worker building its own (~0.8 s and ~50 MB
    # each) or the workers waiting while this process builds them before they fork. The
    # workers and the serial loop freeze what they keep (see gcpolicy); thawed after the run.
    total, largest = _source_bytes(files)
    budget = cache_budget(total, largest, jobs)
    with process_run(), worker_pool(jobs, budget, PRELOAD) as workers:
        return _lint_files(files, settings, rules, opts, workers, budget, total <= TEXT_BUDGET, sources or {})


def _start_early(reader: Reader, files: Sequence[str], workers: Workers[RunState]) -> None:
    """Read `files` (the scan's) until enough of them name an SDK for the scan's first pass to
    be shared out, then start the processes while the rest is read (the counting process
    builds its tables meanwhile, on a core otherwise idle). Files whose facts come from the
    cache are not counted (see Reader.mentioning); the scan reads whatever is left."""
    if workers.jobs <= 1:
        return
    enough = files_for_parallel_scan()
    for path in files:
        if reader.mentioning >= enough:
            break
        reader.facts(path)
    if reader.mentioning >= enough:
        workers.start()


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
    files: Sequence[str], settings: Settings, rules: Sequence[type[Rule]], opts: RunOptions,
    workers: Workers[RunState], cache_bytes: int, keep_texts: bool = True, given: Mapping[str, str] | None = None,
) -> LintResult:
    given = given or {}
    run = RunState(ModuleCache(cache_bytes))
    base = run.project(settings.root, settings.wrappers, frozenset())
    rc: ResultCache | None = None
    if opts.cache_dir is not None:
        rc = cache.ResultCache(opts.cache_dir, cache.config_key(settings, rules, base.search_roots), run.hashes)
        rc.load()
    reader = Reader(base, rc, keep_texts, run.hashes)
    project_files = list(base.iter_files())
    with reader.indexing() as index_words:
        _start_early(reader, project_files, workers)
        # the project's classes, from what reading each file told (the scan's first pass reads
        # every file anyway): built once here and sent to every project of the run
        classes = reader.class_index(project_files)
        scanned = scan_names(base, project_files, settings, reader, workers, run, rc, index_words, classes)
    names = scanned.names
    if opts.verbose is not None:
        opts.verbose(f"wrapper scan: modules looked at {scanned.modules_checked}, functions checked "
                     f"{scanned.functions_checked}, modules whose verdicts the early cutoff kept {scanned.cut_off}")
    project = run.project(settings.root, settings.wrappers, names, classes)
    probes: dict[str, str] = {}

    def probe(qualname: str) -> str:
        if qualname not in probes:
            got = classes.signature(qualname)
            probes[qualname] = got if got is not None else probe_signature(base.search_roots, qualname)
        return probes[qualname]

    per_file: list[LintResult | None] = [None] * len(files)
    todo: list[tuple[int, str]] = []
    names_key = cache.names_hash(names)
    for index, path in enumerate(files):
        if path in given:  # a notebook's code: its text is given, not read here
            text = given[path]
            digest = cache.content_hash(_text_bytes(text)) if rc is not None else ""
            if not (project.may_matter(text) or has_directives(text)):
                per_file[index] = LintResult(files_checked=1)
                continue
            if _cached(rc, path, digest, names_key, probe, per_file, index):
                continue
            todo.append((index, path))
            continue
        facts = reader.facts(path)
        if facts is not None and facts.error:
            per_file[index] = LintResult(errors=[LintError(path, facts.error)], files_checked=1)
            continue
        if facts is not None:
            digest = facts.digest
            # A suppression comment is judged in every file: an unknown code warns, and CL901 may
            # find it unused where no call is.
            matters = (facts.mentions or facts.declared or facts.directives
                       or (bool(names) and reader.names(path, facts, names_key, names)))
        else:  # not a module the scan reads (e.g. larger than it follows): read it here
            data, error = read_file(path)
            if data is None:
                per_file[index] = LintResult(errors=[LintError(path, error)])
                continue
            digest = cache.content_hash(data) if rc is not None else ""
            try:
                text = decode_source(data)
                matters = project.may_matter(text) or has_directives(text)
            except SourceError as exc:
                per_file[index] = LintResult(errors=[LintError(path, str(exc))], files_checked=1)
                continue
        if not matters:
            per_file[index] = LintResult(files_checked=1)
            continue
        if _cached(rc, path, digest, names_key, probe, per_file, index):
            continue
        todo.append((index, path))

    reader.forget_texts()
    if opts.progress is not None:
        opts.progress(len(files) - len(todo))  # known without linting: cached, or nothing to lint
    job = LintJob(settings, tuple(rules), names, track=rc is not None, classes=classes,
                  sources={path: given[path] for _, path in todo if path in given})
    for outcome in lint_many(todo, job, workers, run, opts.progress):
        path = files[outcome.index]
        diagnostics = [d for d in outcome.diagnostics if isinstance(d, Diagnostic)]
        per_file[outcome.index] = LintResult(diagnostics, outcome.errors, outcome.files_checked)
        if rc is None or outcome.deps is None:
            continue
        if any(e.message.startswith(("internal error", UNAVAILABLE)) for e in outcome.errors):
            rc.forget(os.path.abspath(path))  # not cached: the next run tries again
            continue
        key = _entry_key(outcome.content_hash, names_key, path)
        rc.store(os.path.abspath(path), key, diagnostics, outcome.errors, outcome.dep_hashes, outcome.deps.probes)
    if rc is not None:
        rc.save()
    if opts.verbose is not None:
        cached = rc.hits if rc is not None else 0
        opts.verbose(f"results: files linted {len(todo)}, taken from the cache {cached}")

    total = LintResult()
    for result in per_file:
        if result is not None:
            total.extend(result)
    total.diagnostics.sort(key=Diagnostic.sort_key)
    return total


def _text_bytes(text: str) -> bytes:
    """A given text (a notebook's code) as the bytes its cache entry is keyed by."""
    return text.encode("utf-8", "surrogatepass")


def _entry_key(digest: str, names_key: str, path: str) -> str:
    return cache._digest(digest, names_key, path)


def _cached(rc: ResultCache | None, path: str, digest: str, names_key: str, probe: Callable[[str], str],
            per_file: list[LintResult | None], index: int) -> bool:
    """Is the result of `path` (whose content hashes to `digest`) in the cache? Put in `per_file` if so."""
    if rc is None:
        return False
    cached = rc.lookup(os.path.abspath(path), _entry_key(digest, names_key, path), probe)
    if cached is None:
        return False
    per_file[index] = LintResult(diagnostics=cached[0], errors=cached[1], files_checked=1)
    return True


# ---- linting files, in the workers or here


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
    """What every file of a run shares: settings, rules, the wrapper names, whether to record
    dependencies, and the texts given for files linted in place of their content (notebooks)."""

    settings: Settings
    rules: tuple[type[Rule], ...]
    names: frozenset[str]
    track: bool
    classes: ClassIndex | None = None  # the run's class index
    sources: Mapping[str, str] = field(default_factory=dict)


def lint_one(index: int, path: str, job: LintJob, run: RunState) -> FileOutcome:
    """Lint one file in a project of its own."""
    out = FileOutcome(index)
    data: bytes | str
    given = job.sources.get(path)
    if given is not None:
        data = given  # as text: a coding cookie in a cell is no encoding of the notebook's
    else:
        read, error = read_file(path)
        if read is None:
            out.errors.append(LintError(path, error))
            return out
        data = read
    project = run.project(job.settings.root, job.settings.wrappers, job.names, job.classes)
    result = check_source(data, path, job.settings, job.rules, project)
    project.keep(path)
    out.diagnostics = list(result.diagnostics)
    out.errors = list(result.errors)
    out.files_checked = result.files_checked
    if job.track:
        out.content_hash = cache.content_hash(data if isinstance(data, bytes) else _text_bytes(data))
        out.deps = project.dependencies(exclude=path)
        out.dep_hashes = {p: run.hashes(p) for p in out.deps.files}
    project.close()
    return out


def _lint_task(items: Sequence[tuple[int, str]], job: LintJob, run: RunState) -> list[FileOutcome]:
    out = []
    for i, p in items:
        out.append(lint_one(i, p, job, run))
        gcpolicy.checkpoint()  # the file's project is garbage now; what it cached is kept
    return out


def lint_many(
    items: Sequence[tuple[int, str]], job: LintJob, jobs: int | Workers[RunState], run: RunState,
    progress: Callable[[int], None] | None = None,
) -> list[FileOutcome]:
    """Lint (index, path) items in `jobs` processes; outcomes in the order of `items`.
    `progress` is told the number of files of each chunk done."""
    count = jobs.jobs if isinstance(jobs, Workers) else jobs
    size = max(1, min(32, len(items) // max(1, count * 4)))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    outcomes: list[FileOutcome] = []
    keys = [[path for _, path in chunk] for chunk in chunks]
    for chunk_out in map_tasks(_lint_task, chunks, job, jobs, run, keys):
        outcomes.extend(chunk_out)
        if progress is not None:
            progress(len(chunk_out))
    outcomes.sort(key=lambda o: o.index)
    return outcomes
