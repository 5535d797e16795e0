"""The protocol side of `cachelint server`, on pygls: open documents in; diagnostics, code
actions and hovers out.

Each open Python file (and each notebook, its code cells joined as `cachelint` joins an
.ipynb file's) is analysed on open, change and save, from the editor's text, not the file
on disk; the analysis is kept until the next change, so a hover or a code action answers
from it without analysing again. The project's index is built in the background (see
cachelint.server.indexing): the first diagnostics come from the file's own analysis, and
the files analysed without the index are analysed again when it arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import ServerTextPosition, ServerTextRange, TextDocument

from cachelint import __version__
from cachelint.diagnostics import Applicability, Diagnostic, Edit, Severity, Span
from cachelint.fixes.apply import applicable, apply_fixes
from cachelint.ruledocs import help_uri
from cachelint.rules import lookup
from cachelint.server.edits import suppression
from cachelint.server.hover import render_hover
from cachelint.server.indexing import BackgroundIndex, Index
from cachelint.server.projects import Analysis, Cells, Projects, ProjectState, current_text

SOURCE = "cachelint"
# Seconds without a change before an edited buffer is analysed: typing queues no analysis per keystroke.
SETTLE = 0.3
# What an analysis may read besides the open files: Python modules and stubs, notebooks, the
# configuration, and the prompt files the analysed code opens (templates, text, data).
WATCHED = "**/*.{py,pyi,ipynb,toml,txt,md,j2,jinja,jinja2,prompt,yaml,yml,json}"
# The kind editors run on save ("codeActionsOnSave": {"source.fixAll": ...}), named for cachelint
# as ruff names its own, so a user can ask for cachelint's alone.
FIX_ALL = f"{lsp.CodeActionKind.SourceFixAll.value}.cachelint"
log = logging.getLogger(__name__)

_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}


@dataclass
class Linted:
    """The last analysis of one open document: a Python file, or a notebook's code cells
    (then `cells` maps the joined module back, and `cell_uris` names each code cell)."""

    uri: str
    analysis: Analysis
    cells: Cells | None = None
    cell_uris: list[str] = field(default_factory=list)
    published: set[str] = field(default_factory=set)  # the URIs diagnostics were sent for
    sent: dict[str, list[lsp.Diagnostic]] = field(default_factory=dict)  # what was sent, by URI


class CachelintServer(LanguageServer):
    """The language server, holding the session's projects and the last analysis of each
    open document (one instance per session: nothing is shared between sessions)."""

    def __init__(self) -> None:
        super().__init__(
            "cachelint",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            notebook_document_sync=lsp.NotebookDocumentSyncOptions(
                notebook_selector=[lsp.NotebookDocumentFilterWithCells(
                    cells=[lsp.NotebookCellLanguage(language="python")], notebook="*")],
                save=True,
            ),
        )
        self.projects = Projects(self._index_done)
        self.linted: dict[str, Linted] = {}
        # Analyses waiting for typing to pause, by document (or notebook) URI.
        self._pending: dict[str, tuple[asyncio.TimerHandle, Callable[[], None]]] = {}
        # The loop requests are handled on: an index build's end is handed to it.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._announced: set[int] = set()  # the index builds logged as started (by id)

    # --- the project index --------------------------------------------------------

    def _index_done(self, state: ProjectState, build: BackgroundIndex, got: Index | str) -> None:
        """From the build's thread: hand its end to the loop (or take it now without one)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            self.adopt_index(state, build, got)
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the session is over
            loop.call_soon_threadsafe(self.adopt_index, state, build, got)

    def adopt_index(self, state: ProjectState, build: BackgroundIndex, got: Index | str) -> None:
        """A project's index arrived: analyse again the files analysed without it."""
        self._announced.discard(id(build))
        if not state.adopt(got, build):
            return  # a build cancelled since (a file changed while it ran): another one follows
        if isinstance(got, str):
            self._problem(state.root, f"the project could not be indexed ({got}); wrappers are not followed")
        else:
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Info, message=(
                f"cachelint: indexed {state.root} in {got.seconds:.1f} s: {len(got.names)} wrapper names")))
        for uri, linted in list(self.linted.items()):
            if not linted.analysis.complete:
                if linted.cells is not None:
                    self.lint_notebook(uri, changed_only=True)
                else:
                    self.lint_document(uri, changed_only=True)

    def _announce(self, state: ProjectState) -> None:
        """Log an index build the analysis just started (with its process, for the curious)."""
        build = state.building
        if build is not None and id(build) not in self._announced:
            self._announced.add(id(build))
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Log, message=(
                f"cachelint: indexing {state.root} in the background (process {build.pid})")))

    def _note_loop(self) -> None:
        with contextlib.suppress(RuntimeError):  # called outside the loop (a synchronous server)
            self._loop = asyncio.get_running_loop()

    def watch_files(self) -> None:
        """Ask the client to report changes to the files an analysis may read (modules,
        notebooks, configuration, prompt files), when it can be asked: open files are
        re-linted when one changes on disk (see the watched-files handler)."""
        workspace = self.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace is not None else None
        if watched is None or not watched.dynamic_registration:
            return  # the client watches what its user configured, or nothing
        options = lsp.DidChangeWatchedFilesRegistrationOptions(watchers=[lsp.FileSystemWatcher(glob_pattern=WATCHED)])
        self.client_register_capability(lsp.RegistrationParams(registrations=[lsp.Registration(
            id="cachelint-watched-files", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)]))

    # --- analysing ----------------------------------------------------------------

    def lint_document(self, uri: str, changed_only: bool = False) -> None:
        """Analyse an open Python file and publish its diagnostics (with `changed_only`, only
        if they differ from those published last)."""
        self._note_loop()
        if self.workspace.get_notebook_document(cell_uri=uri) is not None:
            return  # a notebook cell: analysed with its notebook
        doc = self.workspace.get_text_document(uri)
        path = to_fs_path(uri)
        if path is None or not (path.endswith((".py", ".pyi")) or doc.language_id == "python"):
            return  # not a file on disk (an unsaved buffer) or not Python: no project to lint it in
        state = self.projects.for_path(path)
        if isinstance(state, str):
            self._problem(path, state)
            self._publish(Linted(uri, Analysis(path, doc.source)), {uri: []})
            return
        analysis = state.analyse(path, doc.source)
        self._announce(state)
        if analysis.problem:
            self._problem(path, analysis.problem)
        linted = Linted(uri, analysis)
        self._publish(linted, {uri: [self._diagnostic(doc, d) for d in analysis.diagnostics]}, changed_only)

    def lint_notebook(self, notebook_uri: str, changed_only: bool = False) -> None:
        """Analyse an open notebook's code cells as one module and publish per cell."""
        self._note_loop()
        notebook = self.workspace.get_notebook_document(notebook_uri=notebook_uri)
        path = to_fs_path(notebook_uri)
        if notebook is None or path is None:
            return
        cell_uris = [c.document for c in notebook.cells if c.kind == lsp.NotebookCellKind.Code]
        docs = [self.workspace.get_text_document(u) for u in cell_uris]
        python = [(u, d) for u, d in zip(cell_uris, docs, strict=True) if d.language_id in ("python", "")]
        cells = Cells.join(path, [d.source for _, d in python])
        by_uri: dict[str, list[lsp.Diagnostic]] = {u: [] for u in cell_uris}
        state = self.projects.for_path(path)
        if isinstance(state, str):
            self._problem(path, state)
            analysis = Analysis(path, cells.source)
        else:
            analysis = state.analyse(path, cells.source)
            self._announce(state)
            if analysis.problem:
                self._problem(path, analysis.problem)
        linted = Linted(notebook_uri, analysis, cells, [u for u, _ in python])
        for d in analysis.diagnostics:
            at = self._in_cell(linted, d.span)
            if at is not None:
                uri, doc, span = at
                by_uri[uri].append(self._diagnostic(doc, d, span))
        self._publish(linted, by_uri, changed_only)

    def lint_soon(self, uri: str, lint: Callable[[], None]) -> None:
        """Run `lint` when no change to `uri` came for SETTLE seconds: a buffer whose analysis
        takes a second (a call through a deep helper chain) is not analysed per keystroke.
        A request about the document before then analyses it at once (see settle)."""
        self.cancel(uri)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop to wait on (a synchronous server): now
            lint()
            return

        def run() -> None:
            self._pending.pop(uri, None)
            lint()

        self._pending[uri] = (loop.call_later(SETTLE, run), lint)

    def settle(self, uri: str) -> None:
        """Analyse `uri` now if its analysis is waiting: a request must see the current text."""
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending[0].cancel()
            pending[1]()

    def cancel(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending[0].cancel()

    def relint_all(self) -> None:
        """Analyse every open document again (a file they may depend on changed on disk)."""
        for uri in list(self._pending):
            self.cancel(uri)  # analysed below
        for uri, linted in list(self.linted.items()):
            if linted.cells is not None:
                self.lint_notebook(uri)
            else:
                self.lint_document(uri)

    def forget(self, uri: str) -> None:
        self.cancel(uri)
        linted = self.linted.pop(uri, None)
        if linted is not None:
            for target in linted.published:
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=target, diagnostics=[]))

    def _publish(self, linted: Linted, by_uri: dict[str, list[lsp.Diagnostic]], changed_only: bool = False) -> None:
        old = self.linted.get(linted.uri)
        if changed_only and old is not None and old.published == set(by_uri) and old.sent == by_uri:
            linted.published, linted.sent = old.published, old.sent
            self.linted[linted.uri] = linted  # the new analysis answers hovers; nothing to send
            return
        linted.sent = by_uri
        stale = (old.published if old is not None else set()) - set(by_uri)
        for uri in sorted(stale):  # a cell deleted from the notebook
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        for uri, diagnostics in by_uri.items():
            doc = self.workspace.get_text_document(uri)
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=doc.version))
        linted.published = set(by_uri)
        self.linted[linted.uri] = linted

    def _problem(self, path: str, problem: str) -> None:
        self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Warning, message=f"{path}: {problem}"))

    # --- positions ------------------------------------------------------------------

    def _in_cell(self, linted: Linted, span: Span) -> tuple[str, TextDocument, Span] | None:
        """The cell a span of a notebook's joined module lies in, and the span within it."""
        assert linted.cells is not None
        start = linted.cells.cell_of(span.line)
        if start is None:
            return None
        index, line = start
        end = linted.cells.cell_of(span.end_line)
        if end is not None and end[0] == index:
            end_line, end_column = end[1], span.end_column
        else:  # a span does not cross cells: it ends with the cell's last line
            end_line, end_column = line, span.column
        uri = linted.cell_uris[index]
        doc = self.workspace.get_text_document(uri)
        return uri, doc, Span(span.path, line, span.column, end_line, end_column)

    @staticmethod
    def _range(doc: TextDocument, span: Span) -> lsp.Range:
        server = ServerTextRange(ServerTextPosition(span.line - 1, span.column - 1),
                                 ServerTextPosition(span.end_line - 1, span.end_column - 1))
        return doc.range_to_client_units(server)

    def _diagnostic(self, doc: TextDocument, d: Diagnostic, span: Span | None = None) -> lsp.Diagnostic:
        related = []
        for r in d.related:
            if r.span.path == d.span.path and span is None:
                where = lsp.Location(uri=doc.uri, range=self._range(doc, r.span))
            elif r.span.path == d.span.path:
                continue  # another place in the notebook: its cell is not worth the mapping here
            else:  # another file: columns are characters, exact for the text most prompts are
                where = lsp.Location(uri=from_fs_path(r.span.path) or r.span.path, range=lsp.Range(
                    lsp.Position(r.span.line - 1, r.span.column - 1),
                    lsp.Position(r.span.end_line - 1, r.span.end_column - 1)))
            related.append(lsp.DiagnosticRelatedInformation(location=where, message=r.message))
        rules = lookup(d.code)
        return lsp.Diagnostic(
            range=self._range(doc, span or d.span),
            message=d.message,
            severity=_SEVERITY[d.severity],
            code=d.code,
            code_description=lsp.CodeDescription(href=help_uri(rules[0])) if rules else None,
            source=SOURCE,
            related_information=related or None,
            data={"name": d.name},
        )

    def at(self, uri: str, position: lsp.Position) -> tuple[Linted, TextDocument, int, int] | None:
        """The analysis holding a document position, and the 1-based (line, column) of the
        position in the module analysed (the joined module, for a notebook cell)."""
        doc = self.workspace.get_text_document(uri)
        server = doc.position_from_client_units(position)
        self.settle(uri)
        linted = self.linted.get(uri)
        if linted is not None:
            return linted, doc, server.line + 1, server.character + 1
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        if notebook is not None:
            self.settle(notebook.uri)
        linted = self.linted.get(notebook.uri) if notebook is not None else None
        if linted is None or linted.cells is None or uri not in linted.cell_uris:
            return None
        line = linted.cells.module_line(linted.cell_uris.index(uri), server.line + 1)
        return linted, doc, line, server.character + 1

    def local_span(self, linted: Linted, uri: str, span: Span) -> Span | None:
        """`span` of the analysed module in the document `uri` (a cell, for a notebook)."""
        if linted.cells is None:
            return span
        at = self._in_cell(linted, span)
        return at[2] if at is not None and at[0] == uri else None

    # --- requests -------------------------------------------------------------------

    def hover(self, params: lsp.HoverParams) -> lsp.Hover | None:
        found = self.at(params.text_document.uri, params.position)
        if found is None:
            return None
        linted, doc, line, column = found
        calls = linted.analysis.calls_at(line, column)
        if not calls or linted.analysis.context is None:
            return None  # not on a recognised LLM call
        call = calls[0]
        text = render_hover(call.prompt, linted.analysis.context, call.findings)
        span = self.local_span(linted, params.text_document.uri, call.prompt.call.span)
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
                         range=self._range(doc, span) if span is not None else None)

    def code_actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        uri = params.text_document.uri
        start = self.at(uri, params.range.start)
        end = self.at(uri, params.range.end)
        if start is None or end is None:
            return None
        linted, doc, first, _ = start
        last = end[2]
        only = params.context.only
        actions: list[lsp.CodeAction] = []
        if _wanted(lsp.CodeActionKind.QuickFix, only):
            fixes: list[lsp.CodeAction] = []
            ignores: list[lsp.CodeAction] = []
            for d in linted.analysis.diagnostics:
                if d.span.end_line < first or d.span.line > last:
                    continue  # not in the range asked about
                span = self.local_span(linted, uri, d.span)
                if span is None:
                    continue
                fix = self._fix_action(linted, doc, d, span)
                if fix is not None:
                    fixes.append(fix)
                ignore = self._ignore_action(linted, uri, doc, d, span)
                if ignore is not None:
                    ignores.append(ignore)
            actions += fixes + ignores  # a fix first: the editor offers the first action first
        if _wanted(FIX_ALL, only):
            fix_all = self._fix_all_action(linted)
            if fix_all is not None:
                actions.append(fix_all)
        return actions

    def _fix_action(self, linted: Linted, doc: TextDocument, d: Diagnostic, span: Span) -> lsp.CodeAction | None:
        """The finding's own fix (safe or unsafe) as an edit, when it has one that can be placed."""
        fix = d.fix
        if fix is None or not (applicable(d, unsafe=True)):
            return None
        changes = self._text_edits(linted, fix.target(d.span), fix.edits)
        if changes is None:
            return None
        safe = fix.applicability == Applicability.SAFE
        return lsp.CodeAction(
            title=f"{fix.title} ({d.code})" + ("" if safe else " [unsafe: the model sees the text in another place]"),
            kind=lsp.CodeActionKind.QuickFix,
            diagnostics=[self._diagnostic(doc, d, span if linted.cells is not None else None)],
            is_preferred=safe,
            edit=lsp.WorkspaceEdit(changes=changes),
        )

    def _fix_all_action(self, linted: Linted) -> lsp.CodeAction | None:
        """Every safe fix of the document's findings that `cachelint --fix` would apply in one
        round (overlapping fixes: the first), in the files the edits land in."""
        diagnostics = [d for d in linted.analysis.diagnostics if applicable(d, unsafe=False)]
        changes: dict[str, list[lsp.TextEdit]] = {}
        for target in sorted({d.fix.target(d.span) for d in diagnostics if d.fix is not None}):
            text = self._text_of(linted, target)
            if text is None:
                continue
            _, applied = apply_fixes(text, diagnostics, unsafe=False, path=target)
            for d in applied:
                assert d.fix is not None  # applied: it had edits
                placed = self._text_edits(linted, target, d.fix.edits)
                for where, edits in (placed or {}).items():
                    changes.setdefault(where, []).extend(edits)
        if not changes:
            return None
        return lsp.CodeAction(title="Fix all safe cachelint findings", kind=FIX_ALL,
                              edit=lsp.WorkspaceEdit(changes=changes))

    def _text_of(self, linted: Linted, path: str) -> str | None:
        """The text the analysis read for `path`: the analysed buffer, or the file on disk
        (None when it cannot be read, or an open editor holds other text for it: the edits
        were written for the text on disk)."""
        if path == linted.analysis.path:
            return linted.analysis.text
        on_disk = current_text(path)
        target = from_fs_path(path)
        if on_disk is None or target is None:
            return None
        open_doc = self.workspace.text_documents.get(target)
        if open_doc is not None and open_doc.source != on_disk:
            return None
        return on_disk

    def _text_edits(self, linted: Linted, path: str, edits: Sequence[Edit]) -> dict[str, list[lsp.TextEdit]] | None:
        """`edits` of the file `path` as LSP text edits by document (a notebook's cells, for
        edits of the notebook's joined module); None when one cannot be placed there."""
        if self._text_of(linted, path) is None:
            return None
        out: dict[str, list[lsp.TextEdit]] = {}
        for e in edits:
            span = Span(path, e.line, e.column, e.end_line, e.end_column)
            if path != linted.analysis.path:
                uri = from_fs_path(path)
                assert uri is not None  # _text_of found it
            elif linted.cells is None:
                uri = linted.uri
            else:  # a notebook: the edit lands in one cell linted as written, or not at all
                placed = linted.cells.place(e)
                if placed is None:
                    return None
                cell, within = placed
                uri = linted.cell_uris[cell]
                span = Span(path, within.line, within.column, within.end_line, within.end_column)
            doc = self.workspace.get_text_document(uri)
            out.setdefault(uri, []).append(lsp.TextEdit(range=self._range(doc, span), new_text=e.content))
        return out

    def _ignore_action(self, linted: Linted, uri: str, doc: TextDocument, d: Diagnostic,
                       span: Span) -> lsp.CodeAction | None:
        """`# cachelint: ignore[CODE]` at the end of the finding's line, when it can go there."""
        text = doc.source if linted.cells is not None else linted.analysis.text
        local = d if linted.cells is None else Diagnostic(d.code, d.name, d.severity, d.message, span)
        insertion = suppression(text, local)
        if insertion is None:
            return None
        where = doc.position_to_client_units(ServerTextPosition(insertion.line - 1, insertion.column))
        edit = lsp.TextEdit(range=lsp.Range(where, where), new_text=insertion.text)
        return lsp.CodeAction(
            title=f"Ignore {d.code} ({d.name}) on this line",
            kind=lsp.CodeActionKind.QuickFix,
            diagnostics=[self._diagnostic(doc, d, span if linted.cells is not None else None)],
            edit=lsp.WorkspaceEdit(changes={uri: [edit]}),
        )


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Does a request for the kinds `only` (None: any) ask for actions of `kind`? A kind asks
    for itself and every kind below it (`source` covers `source.fixAll.cachelint`)."""
    return only is None or any(kind == k or kind.startswith(k + ".") for k in only)


def make_server() -> CachelintServer:
    """A server with every feature registered (a new one per session)."""
    server = CachelintServer()

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: CachelintServer, params: lsp.InitializedParams) -> None:
        ls.watch_files()

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: CachelintServer, params: None) -> None:
        ls.projects.close()  # an index build in progress ends with the session

    @server.feature(lsp.EXIT)
    def exit_(ls: CachelintServer, params: None) -> None:
        ls.projects.close()  # `exit` without `shutdown` first

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CachelintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.lint_document(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CachelintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.lint_soon(uri, lambda: ls.lint_document(uri))

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))
    def did_save(ls: CachelintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        path = to_fs_path(params.text_document.uri)
        if path is not None:
            ls.projects.disk_changed(path)  # other open files may read what was saved
        ls.relint_all()

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CachelintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: CachelintServer, params: lsp.DidOpenNotebookDocumentParams) -> None:
        ls.lint_notebook(params.notebook_document.uri)

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: CachelintServer, params: lsp.DidChangeNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        ls.lint_soon(uri, lambda: ls.lint_notebook(uri))

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: CachelintServer, params: lsp.DidSaveNotebookDocumentParams) -> None:
        path = to_fs_path(params.notebook_document.uri)
        if path is not None:
            ls.projects.disk_changed(path)
        ls.relint_all()

    @server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: CachelintServer, params: lsp.DidCloseNotebookDocumentParams) -> None:
        ls.forget(params.notebook_document.uri)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: CachelintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            path = to_fs_path(change.uri)
            if path is not None:
                ls.projects.disk_changed(path)
        ls.relint_all()

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: CachelintServer, params: lsp.HoverParams) -> lsp.Hover | None:
        return ls.hover(params)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL]))
    def code_action(ls: CachelintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        return ls.code_actions(params)

    return server


def serve() -> None:
    """Serve one session over stdin and stdout until the client says exit."""
    # pygls logs to the root logger; stderr is where an editor shows a server's log.
    logging.basicConfig(level=logging.DEBUG if os.environ.get("CACHELINT_DEBUG") else logging.WARNING)
    # stdout carries the protocol: anything else printed there would corrupt a message.
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr
    server = make_server()
    try:
        server.start_io(sys.stdin.buffer, protocol_out)
    finally:
        server.projects.close()  # the client went away without `exit`: no build outlives the session
