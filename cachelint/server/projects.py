"""The projects an editor session lints, each kept parsed between requests.

A project is what one configuration covers (`resolve` finds the nearest one above a file).
Its index (the wrapper scan and the class index) is built once, starting with the first
request: in the background when the session gives a way to hear of it (see
cachelint.server.indexing), the open files being analysed meanwhile without it (with the
index an earlier build found, if any), and again once it is there. The modules analyses
parse stay in the project's module cache: a keystroke re-analyses the edited text only,
against modules already parsed. A file that changes on disk (saved, created, deleted)
drops the parsed modules, since what was worked out for one module may come from another;
the index is built again only when the file can define a wrapper (it names an SDK or a
wrapper, now or when it was parsed) or its classes changed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace

from cachelint.analysis import realpaths
from cachelint.analysis.hierarchy import ClassIndex, class_facts
from cachelint.analysis.project import MAX_MODULE_BYTES, mentions_sdk, names_in
from cachelint.cache import default_cache_dir
from cachelint.config import ConfigError, Resolved, resolve
from cachelint.diagnostics import Diagnostic, Edit
from cachelint.notebook import Notebook, NotebookError, read_notebook
from cachelint.prompt import AssembledPrompt
from cachelint.rules.context import RuleContext
from cachelint.run.check import module_findings, parse_in, suppress
from cachelint.run.state import RunState
from cachelint.run.tracked import ModuleCache
from cachelint.server.indexing import BackgroundIndex, Index, build_index
from cachelint.sources import SourceError, read_text

# Told, from a thread of the index's own, that a project's index build ended (see ProjectState).
IndexDone = Callable[["ProjectState", BackgroundIndex, "Index | str"], None]
# The code of the rule that reports unused suppressions: judged only with the whole index, since
# a comment may silence a finding made through a wrapper the analysis does not know yet.
UNUSED_SUPPRESSION = "CL901"


@dataclass(frozen=True)
class CallReport:
    """One recognised call of the analysed text: its rebuilt prompt and the findings reported for it."""

    prompt: AssembledPrompt
    findings: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class Analysis:
    """What cachelint reports for one text, as `cachelint` would for the file holding it."""

    path: str
    text: str
    diagnostics: tuple[Diagnostic, ...] = ()
    calls: tuple[CallReport, ...] = ()
    context: RuleContext | None = None  # the rules' view of the settings, for showing a prompt
    problem: str = ""  # why the text could not be analysed (one line), or ""
    complete: bool = True  # analysed with the project's whole index (not while it is being built)

    def calls_at(self, line: int, column: int) -> list[CallReport]:
        """The calls whose expression covers the 1-based (line, column), innermost first."""
        covering = []
        for call in self.calls:
            span = call.prompt.call.span
            if (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column):
                covering.append(call)
        return sorted(covering, key=lambda c: (c.prompt.call.span.line, c.prompt.call.span.column), reverse=True)


class ProjectState:
    """One project of the session: its parsed modules and index, kept between requests.

    With `index_done`, the index is built in the background and `index_done` hears when the
    build ends (the caller then hands the result to `adopt`, on its own thread); without,
    the first request builds it, in this process."""

    def __init__(self, resolved: Resolved, index_done: IndexDone | None = None) -> None:
        self.resolved = resolved
        self._index_done = index_done
        self._run: RunState | None = None
        self._names: frozenset[str] | None = None
        self._classes: ClassIndex | None = None  # the class index, kept like the wrapper names
        # While an index is built: the last one built (None before the first), used meanwhile.
        self._stale: tuple[frozenset[str], ClassIndex] | None = None
        self._building: BackgroundIndex | None = None
        self.scans = 0  # index builds finished so far

    @property
    def root(self) -> str:
        return self.resolved.settings.root

    @property
    def building(self) -> BackgroundIndex | None:
        """The index build in progress, if any."""
        return self._building

    def _ready(self) -> tuple[RunState, frozenset[str], ClassIndex, bool]:
        """The run state, wrapper names and class index to analyse with, and whether they
        are the project's whole index (not one being built, or an older one meanwhile)."""
        if self._run is None:
            self._run = RunState(ModuleCache())
        if self._names is not None and self._classes is not None:
            return self._run, self._names, self._classes, True
        if self._index_done is None:
            self.adopt(build_index(self.resolved, None))
            assert self._names is not None and self._classes is not None
            return self._run, self._names, self._classes, True
        if self._building is None:
            state, done = self, self._index_done
            self._building = BackgroundIndex(self.resolved, _cache_dir(self.root),
                                             lambda build, got: done(state, build, got))
        names, classes = self._stale if self._stale is not None else (frozenset(), ClassIndex({}, {}, {}))
        return self._run, names, classes, False

    def adopt(self, got: Index | str, build: BackgroundIndex | None = None) -> bool:
        """Take the index a build found (or a one-line problem: then analyses go on without
        it); False when `build` is not the build in progress (one cancelled since)."""
        if build is not None and build is not self._building:
            return False
        self._building = None
        if isinstance(got, str):
            got = Index(frozenset(), ClassIndex({}, {}, {}), 0.0)
        self._names, self._classes = got.names, got.classes
        self._stale = None
        self.scans += 1
        return True

    def close(self) -> None:
        """The session ends: stop an index build in progress."""
        if self._building is not None:
            self._building.cancel()
            self._building = None

    def analyse(self, path: str, text: str) -> Analysis:
        """The findings and prompts of `text`, the content of `path` (an editor's buffer)."""
        settings = self.resolved.settings
        # File tests are remembered within one request only: between two, files come and go.
        with realpaths.run():
            run, names, classes, complete = self._ready()
            project = run.project(settings.root, settings.wrappers, names, classes)
            if not project.may_matter(text):
                # no SDK or wrapper named: cannot hold a recognised call
                return Analysis(path, text, complete=complete)
            if len(text) > MAX_MODULE_BYTES:
                return Analysis(path, text, problem=f"too large to analyse: {len(text) >> 10} KiB of source",
                                complete=complete)
            try:
                tree = parse_in(project, path, text)
                mod = project.add(project.linted_module(path, text, tree))
                found = module_findings(mod, path, project, settings, self.resolved.rules)
            except SourceError as exc:
                return Analysis(path, text, problem=str(exc))
            except RecursionError:
                return Analysis(path, text, problem="internal error: code nested too deeply to analyse")
            except Exception as exc:  # one buffer's analysis failure must not end the session
                if os.environ.get("CACHELINT_DEBUG"):
                    raise
                detail = " ".join(str(exc).split())[:200]
                return Analysis(path, text, problem=f"internal error in analysis: {type(exc).__name__}: {detail}")
            mod_context = RuleContext(settings, mod.path)
        levels = dict(self.resolved.severity)
        calls = []
        for prompt, findings in found:
            kept = suppress(findings, text, settings)
            shown = tuple(replace(d, severity=levels.get(d.code, d.severity)) for d in kept
                          if complete or d.code != UNUSED_SUPPRESSION)
            calls.append(CallReport(prompt, shown))
        diagnostics = sorted((d for c in calls for d in c.findings), key=Diagnostic.sort_key)
        return Analysis(path, text, tuple(diagnostics), tuple(calls), mod_context, complete=complete)

    def disk_changed(self, path: str) -> None:
        """`path` changed on disk: what was parsed may be stale (see the module's docstring)."""
        if self._run is None:
            return
        old = self._run.modules.peek(realpaths.real_path(path))
        self._run = None
        old_text, new_text = old.text if old is not None else None, current_text(path)
        # a class or method may have come or gone (or a file not parsed yet holds classes):
        # the class index is built again, with the wrapper names
        if self._may_define(old_text) or self._may_define(new_text) or \
                class_facts(old_text or "") != class_facts(new_text or ""):
            self._rebuild()

    def _rebuild(self) -> None:
        """The index may be stale: build it again at the next request (one in progress may
        have read the file before it changed), analysing with the last one meanwhile."""
        if self._names is not None and self._classes is not None:
            self._stale = (self._names, self._classes)
        self._names = self._classes = None
        self.close()

    def _may_define(self, text: str | None) -> bool:
        """Can a module with this text define a wrapper (it names an SDK or a known wrapper)?"""
        if text is None:
            return False
        names = self._names or (self._stale[0] if self._stale is not None else frozenset())
        declared = {qualname.rpartition(".")[2] for qualname, _ in self.resolved.settings.wrappers}
        return mentions_sdk(text) or names_in(text, names | declared)


def current_text(path: str) -> str | None:
    """The text of `path` on disk, read as cachelint reads a source file; None when unreadable."""
    got = read_text(path, errors="replace")
    return got if isinstance(got, str) else None


def _cache_dir(root: str) -> str:
    """Where the command line keeps the project's result cache (its index build uses it)."""
    return os.environ.get("CACHELINT_CACHE_DIR") or default_cache_dir(root)


class Projects:
    """Every project of the session, by the configuration that covers it. `index_done`: see
    ProjectState (None: each project builds its index on its first request, in this process)."""

    def __init__(self, index_done: IndexDone | None = None) -> None:
        self._states: dict[tuple[str | None, str], ProjectState] = {}
        self._index_done = index_done

    def for_path(self, path: str) -> ProjectState | str:
        """The project `path` belongs to, or one line saying why its configuration is unusable.

        The configuration is read again on every request (a few small files): an edit to it
        applies at once. A change of root or declared wrappers starts the project afresh."""
        try:
            resolved = resolve([path])
        except ConfigError as exc:
            return f"{exc.where}: {exc.problem}"
        key = (resolved.config_path, resolved.settings.root)
        state = self._states.get(key)
        if state is None or state.resolved.settings.wrappers != resolved.settings.wrappers:
            if state is not None:
                state.close()
            state = self._states[key] = ProjectState(resolved, self._index_done)
        else:
            state.resolved = resolved
        return state

    def states(self) -> list[ProjectState]:
        return list(self._states.values())

    def close(self) -> None:
        """The session ends: stop every index build in progress."""
        for state in self._states.values():
            state.close()

    def disk_changed(self, path: str) -> None:
        """A file changed on disk: every project holding it forgets what may be stale."""
        where = os.path.abspath(path)
        for state in self._states.values():
            if os.path.commonpath([state.root, where]) == state.root:
                state.disk_changed(where)


@dataclass(frozen=True)
class Cells:
    """A notebook's code cells (as an editor holds them) joined into one module, as `cachelint`
    lints an .ipynb file, with the way back from a line of that module to a cell."""

    notebook: Notebook

    @classmethod
    def join(cls, path: str, sources: list[str]) -> Cells:
        # Built as the .ipynb document the cells would be saved as, so the module is exactly
        # the one `cachelint` lints for that file (magics blanked, top-level await kept).
        document = json.dumps({"cells": [{"cell_type": "code", "source": s} for s in sources], "metadata": {}})
        try:
            return cls(read_notebook(document, path))
        except NotebookError:  # pragma: no cover - the document built above is always valid
            raise AssertionError("a notebook built from cell texts could not be read") from None

    @property
    def source(self) -> str:
        return self.notebook.source

    def cell_of(self, line: int) -> tuple[int, int] | None:
        """(0-based index of the code cell, 1-based line in it) of a line of the joined module."""
        found = self.notebook.cell_at(line)
        return None if found is None else (found[0].number - 1, found[1])

    def place(self, edit: Edit) -> tuple[int, Edit] | None:
        """(0-based index of the code cell, the edit in that cell's text) of an edit of the
        joined module; None when it spans cells or lands in a cell with IPython magics."""
        found = self.notebook.cell_edit(edit)
        return None if found is None else (found[0].number - 1, found[1])

    def module_line(self, cell: int, line: int) -> int:
        """The line of the joined module of 1-based `line` in the 0-based code `cell`."""
        return self.notebook.cells[cell].first_line + line - 1
