"""The projects an editor session lints, each kept parsed between requests.

A project is what one configuration covers (`resolve` finds the nearest one above a file).
Its wrapper scan runs once, on the first request, and the modules it and later requests
parse stay in the project's module cache: a keystroke re-analyses the edited text only,
against modules already parsed. A file that changes on disk (saved, created, deleted)
drops the parsed modules, since what was worked out for one module may come from another;
the wrapper scan runs again only when the file can define a wrapper (it names an SDK or a
wrapper, now or when it was parsed).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace

from cachelint.analysis import realpaths
from cachelint.analysis.hierarchy import ClassIndex, class_facts
from cachelint.analysis.project import MAX_MODULE_BYTES, mentions_sdk, names_in
from cachelint.config import ConfigError, Resolved, resolve
from cachelint.diagnostics import Diagnostic, Edit
from cachelint.notebook import Notebook, NotebookError, read_notebook
from cachelint.prompt import AssembledPrompt
from cachelint.rules.context import RuleContext
from cachelint.run.check import module_findings, parse_in, suppress
from cachelint.run.lint import scan_names
from cachelint.run.prefilter import Reader
from cachelint.run.state import RunState
from cachelint.run.tracked import ModuleCache
from cachelint.sources import SourceError, read_text


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

    def calls_at(self, line: int, column: int) -> list[CallReport]:
        """The calls whose expression covers the 1-based (line, column), innermost first."""
        covering = []
        for call in self.calls:
            span = call.prompt.call.span
            if (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column):
                covering.append(call)
        return sorted(covering, key=lambda c: (c.prompt.call.span.line, c.prompt.call.span.column), reverse=True)


class ProjectState:
    """One project of the session: its parsed modules and wrapper names, kept between requests."""

    def __init__(self, resolved: Resolved) -> None:
        self.resolved = resolved
        self._run: RunState | None = None
        self._names: frozenset[str] | None = None
        self._classes: ClassIndex | None = None  # the class index, kept like the wrapper names
        self.scans = 0  # wrapper scans run so far (the session's log reports them)

    @property
    def root(self) -> str:
        return self.resolved.settings.root

    def _ready(self) -> tuple[RunState, frozenset[str]]:
        if self._run is None:
            self._run = RunState(ModuleCache())
        if self._names is None:
            settings = self.resolved.settings
            base = self._run.project(settings.root, settings.wrappers, frozenset())
            reader = Reader(base, None, keep_texts=False, hashes=self._run.hashes)
            files = list(base.iter_files())
            self._classes = reader.class_index(files)
            self._names = scan_names(base, files, settings, reader, 1, self._run, None, None, self._classes)
            self.scans += 1
        return self._run, self._names

    def analyse(self, path: str, text: str) -> Analysis:
        """The findings and prompts of `text`, the content of `path` (an editor's buffer)."""
        settings = self.resolved.settings
        # File tests are remembered within one request only: between two, files come and go.
        with realpaths.run():
            run, names = self._ready()
            project = run.project(settings.root, settings.wrappers, names, self._classes)
            if not project.may_matter(text):
                return Analysis(path, text)  # no SDK or wrapper named: cannot hold a recognised call
            if len(text) > MAX_MODULE_BYTES:
                return Analysis(path, text, problem=f"too large to analyse: {len(text) >> 10} KiB of source")
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
            shown = tuple(replace(d, severity=levels.get(d.code, d.severity)) for d in kept)
            calls.append(CallReport(prompt, shown))
        diagnostics = sorted((d for c in calls for d in c.findings), key=Diagnostic.sort_key)
        return Analysis(path, text, tuple(diagnostics), tuple(calls), mod_context)

    def disk_changed(self, path: str) -> None:
        """`path` changed on disk: what was parsed may be stale (see the module's docstring)."""
        if self._run is None:
            return
        old = self._run.modules.peek(realpaths.real_path(path))
        self._run = None
        old_text, new_text = old.text if old is not None else None, current_text(path)
        if self._names is not None and (self._may_define(old_text) or self._may_define(new_text)):
            self._names = None
        if class_facts(old_text or "") != class_facts(new_text or ""):
            # a class or method may have come or gone (or a file not parsed yet holds classes):
            # the class index is built again, with the wrapper names
            self._names = None

    def _may_define(self, text: str | None) -> bool:
        """Can a module with this text define a wrapper (it names an SDK or a known wrapper)?"""
        if text is None:
            return False
        names = self._names or frozenset()
        declared = {qualname.rpartition(".")[2] for qualname, _ in self.resolved.settings.wrappers}
        return mentions_sdk(text) or names_in(text, names | declared)


def current_text(path: str) -> str | None:
    """The text of `path` on disk, read as cachelint reads a source file; None when unreadable."""
    got = read_text(path, errors="replace")
    return got if isinstance(got, str) else None


class Projects:
    """Every project of the session, by the configuration that covers it."""

    def __init__(self) -> None:
        self._states: dict[tuple[str | None, str], ProjectState] = {}

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
            state = self._states[key] = ProjectState(resolved)
        else:
            state.resolved = resolved
        return state

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
