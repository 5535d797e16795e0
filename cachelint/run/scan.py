"""The wrapper scan: the project's functions that forward parameters into SDK calls.

One implementation for one process or many: the candidates of each pass are cut into chunks
of a fixed size, each scanned in a project of its own (see cachelint.run.tracked), in the
run's workers or here. Pass after pass, functions that call a wrapper found in the pass
before are checked, up to MAX_WRAPPER_DEPTH. It finds what Project.wrapper_names finds (the
analysis' own scan, for a project used on its own); a run never calls that one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from cachelint import gcpolicy
from cachelint.analysis.hierarchy import ClassIndex
from cachelint.analysis.module import ModuleInfo, line_starts, split_lines
from cachelint.analysis.project import (
    MAX_WRAPPER_DEPTH,
    SDK_WORDS,
    LineWords,
    Mention,
    _read_module,
    mention_set,
    mention_words,
    mentioning_functions,
    names_regex,
    wrapper_words,
)
from cachelint.analysis.realpaths import real_path
from cachelint.run.pool import MIN_PARALLEL_TASKS, Workers
from cachelint.run.state import RunState, map_tasks
from cachelint.run.tracked import Dependencies
from cachelint.settings import Settings

# Files per scan chunk. Fixed, never derived from the number of workers: the chunks are the
# same in every run, so the names found are too.
SCAN_CHUNK = 48

def files_for_parallel_scan() -> int:
    """How many candidates make the scan's first pass run in the workers."""
    return SCAN_CHUNK * (MIN_PARALLEL_TASKS - 1) + 1


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
    run: RunState,
    outlines: dict[str, Outline] | None = None,
    classes: ClassIndex | None = None,
) -> tuple[set[str], Dependencies, dict[str, Outline]]:
    """The functions in `paths` that forward a parameter into an SDK call's prompt, and the
    outline of each module parsed.

    `pattern_names` None is the first pass (functions that mention an SDK); later passes look
    for functions that mention a wrapper found in the pass before. As Project.wrapper_names.
    A module with an outline from an earlier pass is not parsed again when none of its
    functions can be checked (a wrapper's name matched only outside functions, or in
    functions already found); which functions are checked, and in which order, is unchanged.
    """
    project = run.project(root, declared, frozenset(), classes)
    pattern: Mention = SDK_WORDS if pattern_names is None else pattern_names
    new: set[str] = set()
    seen: dict[str, Outline] = {}
    for path in paths:
        known = outlines.get(path) if outlines else None
        if known is not None and _nothing_to_check(path, known, pattern, found, run.modules.peek(real_path(path))):
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
    jobs: int | Workers[RunState],
    run: RunState,
    meanwhile: Callable[[], None] | None = None,
    classes: ClassIndex | None = None,
) -> ScanResult:
    """Names of project functions that forward parameters into SDK calls (see Project.wrapper_names).

    `files` are the project's files in a fixed order; `is_candidate` tells which of them a
    pass parses (see CandidateTest). Chunks of candidates go to `jobs` processes.
    `meanwhile` is called once the first pass runs in worker processes (not when it runs
    here), with this process free until the pass ends. `classes`: the run's class index.
    """
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
        shared = (settings.root, settings.wrappers, pattern_names, frozen_found, classes)
        new: set[str] = set()
        keys = [chunk for chunk, _ in chunks]
        for chunk_new, deps, seen in map_tasks(_scan_task, chunks, shared, jobs, run, keys):
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
    "ClassIndex | None",
]


def _scan_task(
    task: tuple[Sequence[str], dict[str, Outline]], shared: ScanShared, run: RunState
) -> tuple[set[str], Dependencies, dict[str, Outline]]:
    paths, outlines = task
    root, declared, pattern_names, found, classes = shared
    try:
        return scan_chunk(paths, root, declared, pattern_names, found, run, outlines, classes)
    finally:
        gcpolicy.checkpoint()  # the chunk's project is garbage now; the parsed modules are kept
