"""`cachelint server` end to end: a real LSP session over stdio with the server in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

# The client is bench/lsp_client.py, which the hover benchmark uses too.
sys.path.insert(0, str(next(p for p in Path(__file__).resolve().parents if (p / "bench" / "lsp_client.py").is_file())
                       / "bench"))
from lsp_client import REPO, LspClient, uri

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * {n}\n'

CLEAN = '''from datetime import datetime

from openai import OpenAI

from prompts import RULES

client = OpenAI()


def reply(text):
    return client.responses.create(
        model="gpt-4.1",
        instructions=RULES,
        input=f"{datetime.now():%H:%M} {text}",
    )
'''

# The time moved ahead of the instructions: CL102.
EDITED = CLEAN.replace('instructions=RULES,\n        input=f"{datetime.now():%H:%M} {text}",',
                       'instructions=f"Time: {datetime.now():%H:%M}.\\n" + RULES,\n        input=text,')
TIME_LINE = EDITED.splitlines().index('        instructions=f"Time: {datetime.now():%H:%M}.\\n" + RULES,')
CALL_LINE = EDITED.splitlines().index("    return client.responses.create(")


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A project whose app.py on disk is clean; prompts.py holds ~1,400 tokens of instructions."""
    root = tmp_path / "demo"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.cachelint]\n")
    (root / "prompts.py").write_text(RULES.format(n=90))
    (root / "app.py").write_text(CLEAN)
    return root


@pytest.fixture
def client(demo: Path) -> Iterator[LspClient]:
    pytest.importorskip("pygls", reason="pygls is in the `server` and `test` extras")
    c = LspClient(demo)
    try:
        yield c
    finally:
        c.close()


def test_a_session_lints_the_buffer_offers_actions_and_shows_the_prompt(demo: Path, client: LspClient) -> None:
    app = demo / "app.py"
    caps = client.initialize(demo)["capabilities"]
    assert caps["hoverProvider"] and caps["codeActionProvider"] and caps["textDocumentSync"]

    client.open(app, CLEAN)
    assert client.diagnostics(uri(app)) == {"uri": uri(app), "version": 1, "diagnostics": []}

    # An edit moves the time ahead of the instructions: the buffer, not the file on disk
    # (which stays clean), is what is linted.
    client.change(app, EDITED, version=2)
    published = client.diagnostics(uri(app))
    assert published["version"] == 2
    [d] = published["diagnostics"]
    assert (d["code"], d["source"], d["severity"]) == ("CL102", "cachelint", 1)
    assert "changes every request" in d["message"]
    start = EDITED.splitlines()[TIME_LINE].index("datetime.now()")
    assert d["range"]["start"] == {"line": TIME_LINE, "character": start}
    assert d["codeDescription"]["href"].endswith("#cl102-volatile-in-prefix")

    # Hover on the call: its rebuilt prompt, segment by segment, and the cacheable prefix.
    hover = client.hover(app, CALL_LINE, 20)
    assert hover["contents"]["kind"] == "markdown"
    text = hover["contents"]["value"]
    assert "| # | slot | stability | tokens | expression |" in text
    assert "| 2 | instructions \\* | volatile |" in text and "| 4 | instructions \\* | static |" in text
    assert "responses.create" in text and "gpt-4.1" in text and "1,024-token minimum" in text
    assert "**Cacheable prefix**" in text and "below the 1,024-token minimum" in text
    assert "CL102" in text
    assert hover["range"]["start"]["line"] == CALL_LINE
    # ... and nothing on a line that holds no LLM call.
    assert client.hover(app, 0, 3) is None

    # A code action silences the finding on its line; applied, the finding is gone.
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri(app)}, "range": d["range"], "context": {"diagnostics": [d]}})
    ignore = [a for a in actions if a["title"].startswith("Ignore CL102")]
    assert len(ignore) == 1 and ignore[0]["kind"] == "quickfix"
    [edit] = ignore[0]["edit"]["changes"][uri(app)]
    line = EDITED.splitlines()[TIME_LINE]
    assert edit["range"]["start"] == {"line": TIME_LINE, "character": len(line)}
    assert edit["newText"] == "  # cachelint: ignore[CL102]"
    lines = EDITED.splitlines(keepends=True)
    lines[TIME_LINE] = line + edit["newText"] + "\n"
    client.change(app, "".join(lines), version=3)
    assert client.diagnostics(uri(app)) == {"uri": uri(app), "version": 3, "diagnostics": []}

    # Typing the time back into the user input: the finding does not come back. The edit is
    # analysed when typing pauses, or at once when a request comes first: the hover asked
    # right after the change shows the new text's prompt.
    client.change(app, CLEAN, version=4)
    hover = client.hover(app, CALL_LINE, 20)
    assert hover is not None and "CL102" not in hover["contents"]["value"]
    assert "| input | volatile |" in hover["contents"]["value"]  # the time, now in the input
    assert client.diagnostics(uri(app)) == {"uri": uri(app), "version": 4, "diagnostics": []}
    assert client.shutdown() == 0


def test_a_file_with_no_llm_call_gets_no_diagnostic_and_no_hover(demo: Path, client: LspClient) -> None:
    plain = demo / "plain.py"
    text = "import os\n\n\ndef home():\n    return os.environ.get('HOME')\n"
    plain.write_text(text)
    client.initialize(demo)
    client.open(plain, text)
    assert client.diagnostics(uri(plain))["diagnostics"] == []
    assert client.hover(plain, 4, 12) is None
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri(plain)}, "range": {"start": {"line": 0, "character": 0},
                                                       "end": {"line": 4, "character": 0}},
        "context": {"diagnostics": []}})
    assert not actions
    assert client.shutdown() == 0
    assert client.server_requests == []  # a client that cannot register file watchers is not asked to


def test_saving_a_prompt_module_re_lints_the_open_files_that_read_it(demo: Path, client: LspClient) -> None:
    """prompts.py grows past the minimum on disk: the open app.py loses its CL201."""
    app = demo / "app.py"
    (demo / "prompts.py").write_text(RULES.format(n=20))
    client.initialize(demo, {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}})
    client.open(app, CLEAN)
    [d] = client.diagnostics(uri(app))["diagnostics"]
    assert d["code"] == "CL201"
    (demo / "prompts.py").write_text(RULES.format(n=90))
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri(demo / "prompts.py")}})
    assert client.diagnostics(uri(app))["diagnostics"] == []
    # ... and shrinking it again, told by the editor's file watcher this time, brings it back.
    [registered] = [r for r in client.server_requests if r["method"] == "client/registerCapability"]
    [watch] = registered["params"]["registrations"]
    assert watch["method"] == "workspace/didChangeWatchedFiles"
    assert watch["registerOptions"]["watchers"][0]["globPattern"].startswith("**/*.{py,")
    (demo / "prompts.py").write_text(RULES.format(n=20))
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri(demo / "prompts.py"), "type": 2}]})
    assert [d["code"] for d in client.diagnostics(uri(app))["diagnostics"]] == ["CL201"]
    assert client.shutdown() == 0


def test_a_notebook_is_linted_as_one_module_and_reported_per_cell(demo: Path, client: LspClient) -> None:
    notebook = demo / "explore.ipynb"
    first = "from datetime import datetime\nfrom openai import OpenAI\nfrom prompts import RULES\nclient = OpenAI()\n"
    second = ('def ask(q):\n'
              '    return client.responses.create(model="gpt-4.1",\n'
              '        instructions=f"Time: {datetime.now():%H:%M}.\\n" + RULES, input=q)\n')
    cells = [f"{uri(notebook)}#cell1", f"{uri(notebook)}#cell2", f"{uri(notebook)}#cell3"]
    client.initialize(demo)
    client.notify("notebookDocument/didOpen", {
        "notebookDocument": {"uri": uri(notebook), "notebookType": "jupyter-notebook", "version": 1, "cells": [
            {"kind": 2, "document": cells[0]}, {"kind": 1, "document": cells[1]}, {"kind": 2, "document": cells[2]}]},
        "cellTextDocuments": [
            {"uri": cells[0], "languageId": "python", "version": 1, "text": first},
            {"uri": cells[1], "languageId": "markdown", "version": 1, "text": "# Notes"},
            {"uri": cells[2], "languageId": "python", "version": 1, "text": second},
        ]})
    found = {}
    for _ in range(2):  # one notification per code cell
        params = client.diagnostics(cells[0]) if not found else client.diagnostics(cells[2])
        found[params["uri"]] = params["diagnostics"]
    assert found[cells[0]] == []
    [d] = found[cells[2]]
    assert d["code"] == "CL102"
    assert d["range"]["start"] == {"line": 2, "character": second.splitlines()[2].index("datetime.now()")}
    hover = client.request("textDocument/hover", {
        "textDocument": {"uri": cells[2]}, "position": {"line": 1, "character": 20}})
    assert hover is not None and "| volatile |" in hover["contents"]["value"]
    assert client.shutdown() == 0


def test_without_pygls_the_command_says_what_to_install() -> None:
    block = ("import sys; sys.modules['pygls'] = None; sys.modules['lsprotocol'] = None; "
             "sys.argv = ['cachelint', 'server']; from cachelint.cli import main; main()")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
    run = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, timeout=60, env=env,
                         stdin=subprocess.DEVNULL)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.rstrip().endswith("pip install 'cachelint-llm[server]'")
    assert run.stderr.startswith("cachelint: error: 'cachelint server' needs ")


def test_pygls_is_an_optional_extra_that_the_test_extra_installs() -> None:
    with open(REPO / "pyproject.toml", "rb") as fh:
        project = tomllib.load(fh)["project"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}

    extras = project["optional-dependencies"]
    assert {"pygls", "lsprotocol", "libcst"} <= names(extras["server"])  # libcst: the fixes it offers
    assert {"pygls", "lsprotocol"} <= names(extras["test"])  # so CI runs the session tests above
    assert not {"pygls", "lsprotocol"} & names(project["dependencies"])


def test_text_that_does_not_parse_is_one_log_line_and_no_diagnostics(demo: Path, client: LspClient) -> None:
    app = demo / "app.py"
    client.initialize(demo)
    client.open(app, EDITED)
    assert [d["code"] for d in client.diagnostics(uri(app))["diagnostics"]] == ["CL102"]
    broken = EDITED.replace("        input=text,\n", "        input=text,,\n")
    client.change(app, broken, version=2)
    assert client.hover(app, CALL_LINE, 20) is None  # analysed at once: nothing to show
    assert client.diagnostics(uri(app)) == {"uri": uri(app), "version": 2, "diagnostics": []}
    # (the index build's start and end are logged too, as information)
    [logged] = [n["params"] for n in client.notifications
                if n["method"] == "window/logMessage" and n["params"]["type"] <= 2]
    assert logged["type"] == 2 and logged["message"].startswith(f"{app}: ")
    assert "\n" not in logged["message"] and "Traceback" not in logged["message"]
    # Parsing again, the finding is back.
    client.change(app, EDITED, version=3)
    assert [d["code"] for d in client.diagnostics(uri(app))["diagnostics"]] == ["CL102"]
    assert client.shutdown() == 0
    assert "Traceback" not in client.stderr_text()


FIXABLE = '''from openai import OpenAI

from helpers import bullet_list
from prompts import RULES

client = OpenAI()
CAPABILITIES = {"search", "summarise", "translate"}
TOPICS = {"billing", "refunds"}


def reply(text):
    return client.responses.create(
        model="gpt-4.1",
        instructions="You can: " + ", ".join(CAPABILITIES) + "\\n" + RULES,
        input=text,
    )


def route(text):
    return client.responses.create(
        model="gpt-4.1",
        instructions="Topics:\\n" + bullet_list(TOPICS) + "\\n" + RULES,
        input=text,
    )
'''
HELPERS = 'def bullet_list(items):\n    return "\\n".join(f"- {i}" for i in items)\n'
WHOLE = {"start": {"line": 0, "character": 0}, "end": {"line": 40, "character": 0}}


def applied(text: str, edits: list[dict[str, Any]]) -> str:
    """`text` with LSP text edits applied (ASCII text: UTF-16 columns are characters)."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(position: dict[str, int]) -> int:
        return starts[position["line"]] + position["character"]

    for e in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        text = text[: offset(e["range"]["start"])] + e["newText"] + text[offset(e["range"]["end"]):]
    return text


def actions(client: LspClient, path: Path, rng: dict[str, Any], only: list[str] | None = None) -> list[Any]:
    context: dict[str, Any] = {"diagnostics": []}
    if only is not None:
        context["only"] = only
    return list(client.request("textDocument/codeAction",
                               {"textDocument": {"uri": uri(path)}, "range": rng, "context": context}) or [])


def test_fixes_are_code_actions_and_fix_all_applies_the_safe_ones(demo: Path, client: LspClient) -> None:
    pytest.importorskip("libcst", reason="fixes are written with libcst (the `fix`, `server` and `test` extras)")
    app = demo / "app.py"
    helpers = demo / "helpers.py"
    helpers.write_text(HELPERS)
    client.initialize(demo)
    client.open(app, FIXABLE)
    found = client.diagnostics(uri(app))["diagnostics"]
    assert [d["code"] for d in found] == ["CL103", "CL103"]
    join = next(d for d in found if FIXABLE.splitlines()[d["range"]["start"]["line"]][
        d["range"]["start"]["character"]:].startswith('", ".join'))

    # One finding's fix: the preferred action, before the suppression comment.
    offered = actions(client, app, join["range"], only=["quickfix"])
    assert [a["title"] for a in offered] == ["Wrap the iterated value in `sorted(...)` (CL103)",
                                             "Ignore CL103 (unordered-in-prefix) on this line"]
    fix = offered[0]
    assert fix["kind"] == "quickfix" and fix["isPreferred"] is True
    assert list(fix["edit"]["changes"]) == [uri(app)]
    one = applied(FIXABLE, fix["edit"]["changes"][uri(app)])
    assert one == FIXABLE.replace('", ".join(CAPABILITIES)', '", ".join(sorted(CAPABILITIES))')
    client.change(app, one, version=2)
    assert [d["code"] for d in client.diagnostics(uri(app))["diagnostics"]] == ["CL103"]

    # Fix all: the other finding's text is written in helpers.py, and the edit lands there.
    [fix_all] = actions(client, app, WHOLE, only=["source.fixAll"])
    assert fix_all["title"] == "Fix all safe cachelint findings"
    assert fix_all["kind"] == "source.fixAll.cachelint"
    assert list(fix_all["edit"]["changes"]) == [uri(helpers)]
    fixed_helpers = applied(HELPERS, fix_all["edit"]["changes"][uri(helpers)])
    assert fixed_helpers == HELPERS.replace('join(f"- {i}" for i in items)', 'join(sorted(f"- {i}" for i in items))')
    helpers.write_text(fixed_helpers)
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri(helpers)}})
    assert client.diagnostics(uri(app))["diagnostics"] == []
    # Nothing left to fix: no fix-all action, no quick fix.
    assert actions(client, app, WHOLE) == []
    assert client.shutdown() == 0


def test_no_fix_action_for_a_finding_without_a_certain_edit(demo: Path, client: LspClient) -> None:
    """A set formatted whole (`f"{CAPABILITIES}"`) would print as a list once sorted: no fix,
    only the suppression comment, and no fix-all."""
    app = demo / "app.py"
    text = FIXABLE.replace('"You can: " + ", ".join(CAPABILITIES)', 'f"You can: {CAPABILITIES}"').replace(
        "bullet_list(TOPICS)", '"billing, refunds"')
    client.initialize(demo)
    client.open(app, text)
    [d] = client.diagnostics(uri(app))["diagnostics"]
    assert d["code"] == "CL103"
    assert [a["title"] for a in actions(client, app, d["range"])] == ["Ignore CL103 (unordered-in-prefix) on this line"]
    assert actions(client, app, WHOLE, only=["source.fixAll"]) == []
    assert client.shutdown() == 0


def test_a_fix_that_lands_in_a_file_open_with_unsaved_edits_is_not_offered(demo: Path, client: LspClient) -> None:
    """The edit was written for helpers.py on disk: in a buffer that differs it could land anywhere."""
    app = demo / "app.py"
    helpers = demo / "helpers.py"
    helpers.write_text(HELPERS)
    client.initialize(demo)
    client.open(helpers, "# a comment typed, not saved\n" + HELPERS)
    client.diagnostics(uri(helpers))
    client.open(app, FIXABLE)
    route = next(d for d in client.diagnostics(uri(app))["diagnostics"]
                 if d["range"]["start"]["line"] > FIXABLE.splitlines().index("def route(text):"))
    assert [a["title"] for a in actions(client, app, route["range"], only=["quickfix"])] == [
        "Ignore CL103 (unordered-in-prefix) on this line"]
    [fix_all] = actions(client, app, WHOLE, only=["source"])
    assert list(fix_all["edit"]["changes"]) == [uri(app)]  # the fix of app.py's own text only
    assert client.shutdown() == 0


UNSAFE = '''import uuid

from openai import OpenAI

from prompts import RULES

client = OpenAI()


def reply(text: str):
    return client.responses.create(model="gpt-4.1",
        instructions=f"{RULES}\\nRequest {uuid.uuid4()}",
        input=text)
'''


def test_an_unsafe_fix_is_offered_alone_and_never_by_fix_all(demo: Path, client: LspClient) -> None:
    """CL102's fix moves the request id into the user input: the model sees it in another place."""
    pytest.importorskip("libcst", reason="fixes are written with libcst (the `fix`, `server` and `test` extras)")
    app = demo / "app.py"
    client.initialize(demo)
    client.open(app, UNSAFE)
    [d] = client.diagnostics(uri(app))["diagnostics"]
    assert d["code"] == "CL102"
    fix, ignore = actions(client, app, d["range"])
    assert "unsafe" in fix["title"] and fix["isPreferred"] is False
    assert ignore["title"].startswith("Ignore CL102")
    assert actions(client, app, WHOLE, only=["source.fixAll"]) == []
    fixed = applied(UNSAFE, fix["edit"]["changes"][uri(app)])
    assert 'input=f"Request {uuid.uuid4()}\\n{text}")' in fixed
    client.change(app, fixed, version=2)
    assert client.diagnostics(uri(app))["diagnostics"] == []
    assert client.shutdown() == 0


NOTEBOOK_SETUP = ("from openai import OpenAI\nfrom prompts import RULES\nclient = OpenAI()\n"
                  "TOPICS = {'billing', 'refunds', 'shipping'}\n")
NOTEBOOK_ASK = ('def ask(q):\n'
                '    system = "Topics: " + ", ".join(TOPICS) + ". " + RULES\n'
                '    return client.chat.completions.create(model="gpt-4.1", messages=[\n'
                '        {"role": "system", "content": system}, {"role": "user", "content": q}])\n')


def open_notebook(client: LspClient, notebook: Path, *sources: str) -> list[str]:
    """Open a notebook of code cells in the session; the cells' URIs."""
    cells = [f"{uri(notebook)}#cell{i}" for i in range(1, len(sources) + 1)]
    client.notify("notebookDocument/didOpen", {
        "notebookDocument": {"uri": uri(notebook), "notebookType": "jupyter-notebook", "version": 1,
                             "cells": [{"kind": 2, "document": c} for c in cells]},
        "cellTextDocuments": [{"uri": c, "languageId": "python", "version": 1, "text": s}
                              for c, s in zip(cells, sources, strict=True)]})
    return cells


@pytest.mark.parametrize("magic", ["", "%load_ext autoreload\n"], ids=["plain cell", "cell with a magic"])
def test_a_notebook_cell_gets_the_fix_as_a_code_action(demo: Path, client: LspClient, magic: str) -> None:
    pytest.importorskip("libcst", reason="fixes are written with libcst (the `fix`, `server` and `test` extras)")
    notebook = demo / "explore.ipynb"
    client.initialize(demo)
    ask = magic + NOTEBOOK_ASK
    cells = open_notebook(client, notebook, NOTEBOOK_SETUP, ask)
    found = {}
    for _ in cells:  # one notification per code cell
        params = client.diagnostics(cells[0]) if not found else client.diagnostics(cells[1])
        found[params["uri"]] = params["diagnostics"]
    [d] = found[cells[1]]
    assert d["code"] == "CL103"
    offered = list(client.request("textDocument/codeAction", {
        "textDocument": {"uri": cells[1]}, "range": d["range"], "context": {"diagnostics": [d]}}) or [])
    titles = [a["title"] for a in offered]
    if magic:
        # the cell does not parse as Python: no fix (libcst never saw it as written), no
        # suppression comment, nothing to fix all
        assert titles == []
    else:
        assert titles == ["Wrap the iterated value in `sorted(...)` (CL103)",
                          "Ignore CL103 (unordered-in-prefix) on this line", "Fix all safe cachelint findings"]
        for action in (offered[0], offered[2]):
            assert list(action["edit"]["changes"]) == [cells[1]]  # the edit lands in the cell itself
            fixed = applied(ask, action["edit"]["changes"][cells[1]])
            assert fixed == ask.replace('", ".join(TOPICS)', '", ".join(sorted(TOPICS))')
    assert client.shutdown() == 0
