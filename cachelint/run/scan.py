"""The wrapper scan: the project's functions that forward parameters into SDK calls.

One implementation for one process or many, with or without a cache: pass after pass,
functions that call a wrapper found in the pass before are checked, up to MAX_WRAPPER_DEPTH.
It finds what Project.wrapper_names finds (the analysis' own scan, for a project used on its
own); a run never calls that one.

Each module is looked at in a project of its own (see cachelint.run.tracked), so what a
module's functions are found to be depends on the files their checks read and nothing else.
That is what lets the answers be kept across runs by content (cachelint.run.modulefacts): a
warm run looks again only at the modules that changed and those whose checks read them, and
finds what a cold run finds. The modules left to look at go in chunks of a fixed size to the
run's workers, or are looked at here.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cachelint import gcpolicy
from cachelint.analysis.hierarchy import ClassIndex
from cachelint.analysis.module import ModuleInfo, line_starts, split_lines
from cachelint.analysis.project import (
    MAX_WRAPPER_DEPTH,
    SDK_WORDS,
    Declared,
    LineWords,
    Mention,
    _read_module,
    mention_set,
    mention_words,
    mentioning_functions,
    wrapper_words,
)
from cachelint.analysis.realpaths import real_path
from cachelint.cache import FileHashes, names_hash
from cachelint.run.cutoff import statement_digests
from cachelint.run.modulefacts import SDK_PATTERN, FactStore, ModuleFacts, Outline
from cachelint.run.pool import MIN_PARALLEL_TASKS, Workers
from cachelint.run.state import RunState, map_tasks
from cachelint.run.tracked import Dependencies
from cachelint.settings import Settings

# Modules per scan task. Fixed, never derived from the number of workers (a habit from when
# a chunk shared one project; each module has its own now, so only the overheads change).
SCAN_CHUNK = 48


def files_for_parallel_scan() -> int:
    """How many candidates make the scan's first pass run in the workers."""
    return SCAN_CHUNK * (MIN_PARALLEL_TASKS - 1) + 1


def outline(mod: ModuleInfo) -> Outline:
    """What a scan pass needs to know of a module it parsed before, to tell without parsing it
    again that no function in it can be checked: whether its text is ASCII, and each function's
    name and lines (decorators included), in walk order."""
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


@dataclass(frozen=True)
class ModuleTask:
    """One module of a scan pass to look at in a worker.

    `mentions`: the functions mentioning the pass' pattern, when known (else the module is a
    candidate whose functions are still to be found); `outline`: the module's, when known;
    `done`: functions whose verdicts are known (not checked again)."""

    path: str
    outline: Outline | None
    mentions: tuple[int, ...] | None
    done: frozenset[int]


@dataclass
class ModuleScan:
    """What looking at one module told: its outline (None: unchanged or unparsable), the
    functions mentioning the pattern (None: as given), the verdicts of the functions checked,
    and what the checks read."""

    outline: Outline | None = None
    mentions: list[int] | None = None
    verdicts: dict[int, tuple[str, ...]] = field(default_factory=dict)
    deps: Dependencies | None = None
    # The statement digests (see cachelint.run.cutoff) of the modules the checks read, those
    # this process has not sent before in the run.
    shapes: dict[str, list[str]] = field(default_factory=dict)


def scan_module(task: ModuleTask, root: str, declared: Declared, pattern: Mention,
                found: frozenset[str], classes: ClassIndex | None, run: RunState) -> ModuleScan:
    """Find the functions of one module that mention `pattern`, less those named in `found`
    (unless known), and check those whose verdicts are not known: does each forward a
    parameter into an SDK call's prompt? In a project of its own, so the verdicts and what
    they read are the module's alone, whatever else the worker looked at before. A verdict is
    the words a call of the function is written with (see wrapper_words), none for a function
    that is no wrapper."""
    project = run.project(root, declared, frozenset(), classes)
    project.shares_callees = True
    project.follow_public_callers = False
    try:
        out = ModuleScan()
        mentions: Sequence[int] | None = task.mentions
        mod: ModuleInfo | None = None
        if mentions is None:
            known = task.outline
            if known is not None and _nothing_to_check(task.path, known, pattern, found,
                                                       run.modules.peek(real_path(task.path))):
                out.mentions = []
                return out
            mod = project.load(task.path)
            if mod is None:
                out.mentions = []
                return out
            shape = outline(mod)
            if shape != known:
                out.outline = shape
            index = {id(fn): i for i, fn in enumerate(mod.functions)}
            out.mentions = [index[id(fn)] for fn in mentioning_functions(mod, pattern, found)]
            mentions = out.mentions
        todo = [i for i in mentions if i not in task.done]
        if todo and mod is None:
            mod = project.load(task.path)
        if not todo or mod is None:
            return out
        for i in todo:
            fn = mod.functions[i]
            out.verdicts[i] = tuple(sorted(wrapper_words(fn, mod))) if project.wrapper_sites(fn, mod) else ()
        out.deps = project.dependencies()
        for real, loaded in project.loaded_modules():
            if real not in run.shaped:
                run.shaped.add(real)
                out.shapes[real] = statement_digests(loaded.tree, loaded.lines)
        return out
    finally:
        project.close()


@dataclass
class ScanResult:
    names: frozenset[str]
    modules_checked: int = 0  # modules whose functions were looked for or checked in a worker
    functions_checked: int = 0
    cut_off: int = 0  # modules whose verdicts the early cutoff kept (see cachelint.run.cutoff)


# Is this file a candidate of a scan pass? None: the first pass (names an SDK); else the
# wrapper names found in the pass before (the file holds one as a whole word, see names_in).
CandidateTest = Callable[[str, "frozenset[str] | None"], bool]


@dataclass(frozen=True)
class ScanInputs:
    """What the scan reads besides the files: how to tell a candidate (see CandidateTest), each
    file's key and content hash (None: not a module the scan reads), and how to hash a file
    and probe a module name (to tell whether a verdict's dependencies changed)."""

    is_candidate: CandidateTest
    identify: Callable[[str], tuple[str, str] | None]
    hashes: FileHashes
    probe: Callable[[str], str]


def scan_wrappers(
    files: Sequence[str],
    settings: Settings,
    inputs: ScanInputs,
    store: FactStore,
    jobs: int | Workers[RunState],
    run: RunState,
    meanwhile: Callable[[], None] | None = None,
    classes: ClassIndex | None = None,
) -> ScanResult:
    """Names of project functions that forward parameters into SDK calls (see Project.wrapper_names).

    `files` are the project's files in a fixed order. Pass after pass, each file that is a
    candidate (see CandidateTest) has the functions that mention the pass' pattern checked,
    unless `store` knows the answers from an earlier run (see cachelint.run.modulefacts); the
    modules left to look at go in chunks to `jobs` processes. `meanwhile` is called once the
    first pass runs in worker processes (not when it runs here), with this process free
    until the pass ends. `classes`: the run's class index.
    """
    found: set[str] = set()
    pattern_names: frozenset[str] | None = None
    result = ScanResult(frozenset())
    for _depth in range(MAX_WRAPPER_DEPTH + 1):
        frozen_found = frozenset(found)
        # The functions a pass checks are those that mention its pattern, less those named as
        # a wrapper found before: both are part of the key.
        key = SDK_PATTERN if pattern_names is None else f"{names_hash(pattern_names)}-{names_hash(frozen_found)}"
        new: set[str] = set()
        work: list[tuple[ModuleFacts, ModuleTask]] = []
        for path in files:
            known = inputs.identify(path)
            if known is None:
                continue
            entry = store.entry(*known)
            known_mentions, mentions = entry.mentions(key)
            if known_mentions and mentions is None:
                continue  # no candidate of this pass
            if not known_mentions and not inputs.is_candidate(path, pattern_names):
                entry.set_mentions(key, None)
                continue
            verdicts = entry.verdicts(inputs.probe, inputs.hashes)
            if mentions is not None and all(i in verdicts for i in mentions):
                new.update(word for i in mentions for word in verdicts[i])
                continue
            task = ModuleTask(path, entry.outline, None if mentions is None else tuple(mentions),
                              frozenset(verdicts))
            work.append((entry, task))
        result.modules_checked += len(work)
        # Chunks of a fixed size, never derived from the number of workers; each module is
        # looked at in a project of its own, so the chunks change nothing but the overheads.
        chunks = [work[i : i + SCAN_CHUNK] for i in range(0, len(work), SCAN_CHUNK)]
        pattern: Mention = SDK_WORDS if pattern_names is None else pattern_names
        shared = (settings.root, settings.wrappers, pattern, frozen_found, classes)
        keys = [[task.path for _, task in chunk] for chunk in chunks]
        tasks = [[task for _, task in chunk] for chunk in chunks]
        for chunk, scans in zip(chunks, map_tasks(_scan_task, tasks, shared, jobs, run, keys), strict=True):
            if meanwhile is not None and isinstance(jobs, Workers) and jobs.started:
                meanwhile()
                meanwhile = None
            for (entry, task), scan in zip(chunk, scans, strict=True):
                if store.cutoff is not None:
                    for real, digests in scan.shapes.items():
                        store.cutoff.record(real, digests)
                new.update(_record(entry, task, scan, key, inputs))
                result.functions_checked += len(scan.verdicts)
        new -= found
        if not new:
            break
        found |= new
        pattern_names = frozenset(new)
    result.names = frozenset(found)
    result.cut_off = store.cutoff.kept if store.cutoff is not None else 0
    return result


def _record(entry: ModuleFacts, task: ModuleTask, scan: ModuleScan, key: str, inputs: ScanInputs) -> set[str]:
    """Keep what a worker told of a module; the names of its functions found to be wrappers."""
    if scan.outline is not None:
        entry.set_outline(scan.outline)
    if scan.mentions is not None:
        entry.set_mentions(key, scan.mentions)
    if scan.deps is not None:
        deps = {real: inputs.hashes(real) for real in scan.deps.files}
        entry.add_verdicts(scan.verdicts, deps, scan.deps.probes)
    mentions = scan.mentions if scan.mentions is not None else task.mentions or ()
    verdicts = entry.verdicts(inputs.probe, inputs.hashes)
    return {word for i in mentions for word in verdicts.get(i, ())}


ScanShared = tuple[str, Declared, Mention, frozenset[str], "ClassIndex | None"]


def _scan_task(tasks: Sequence[ModuleTask], shared: ScanShared, run: RunState) -> list[ModuleScan]:
    root, declared, pattern, found, classes = shared
    out = []
    for task in tasks:
        out.append(scan_module(task, root, declared, pattern, found, classes, run))
        gcpolicy.checkpoint()  # the module's project is garbage now; the parsed modules are kept
    return out
