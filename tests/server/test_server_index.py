"""`cachelint server` and the project index (issue 21): the index (wrapper scan, class index)
is built in the background, the opened file's diagnostics come first from its own analysis,
and files are analysed again when the index arrives. End to end over stdio."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(next(p for p in Path(__file__).resolve().parents if (p / "bench" / "lsp_client.py").is_file())
                       / "bench"))
from lsp_client import LspClient, uri

RULES = 'RULES = "Always cite the relevant section of the support policy and never guess an answer. " * 90\n'

# helpers.ask forwards its parameters into the SDK call: a wrapper, known only from the scan.
HELPERS = '''from openai import OpenAI

client = OpenAI()


def ask(system, question):
    return client.responses.create(model="gpt-4.1", instructions=system, input=question)
'''

# The time ahead of the instructions, through the wrapper: CL102, found only with the index.
THROUGH_WRAPPER = '''from datetime import datetime

from helpers import ask
from prompts import RULES


def reply(text):
    return ask(f"Time: {datetime.now():%H:%M}.\\n" + RULES, text)
'''

# The same mistake in a direct SDK call: found by the file's own analysis.
DIRECT = '''from datetime import datetime

from openai import OpenAI

from prompts import RULES

client = OpenAI()


def reply(text):
    return client.responses.create(model="gpt-4.1", instructions=f"Time: {datetime.now():%H:%M}.\\n" + RULES,
                                   input=text)
'''

DELAY = "CACHELINT_SERVER_INDEX_DELAY"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    pytest.importorskip("pygls", reason="pygls is in the `server` and `test` extras")
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.cachelint]\n")
    (root / "prompts.py").write_text(RULES)
    (root / "helpers.py").write_text(HELPERS)
    (root / "via_wrapper.py").write_text(THROUGH_WRAPPER)
    (root / "direct.py").write_text(DIRECT)
    return root


def _client(root: Path, delay: float) -> LspClient:
    env = dict(os.environ)
    env[DELAY] = str(delay)
    env.pop("CACHELINT_CACHE_DIR", None)
    return LspClient(root, env)


@pytest.fixture
def slow(project: Path) -> Iterator[LspClient]:
    """A session whose index build waits two minutes before it starts scanning."""
    c = _client(project, 120)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def quick(project: Path) -> Iterator[LspClient]:
    """A session whose index build waits a second (so the file's own analysis comes first)."""
    c = _client(project, 1)
    try:
        yield c
    finally:
        c.close()


def _codes(message: dict[str, object]) -> list[str]:
    return [d["code"] for d in message["diagnostics"]]  # type: ignore[attr-defined]


def _logs(client: LspClient, pattern: str) -> list[str]:
    return [n["params"]["message"] for n in client.notifications
            if n["method"] == "window/logMessage" and re.search(pattern, n["params"]["message"])]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_opened_file_is_reported_while_the_index_is_built_and_shutdown_stops_the_build(
    project: Path, slow: LspClient
) -> None:
    """The index build is held for two minutes: the direct call's finding comes from the file's
    own analysis at once, a hover answers, and shutting down ends the build's process."""
    direct = project / "direct.py"
    slow.initialize(project)
    started = time.monotonic()
    slow.open(direct, DIRECT)
    assert _codes(slow.diagnostics(uri(direct), timeout=30)) == ["CL102"]
    hover = slow.hover(direct, 10, 20)
    assert hover is not None and "Cacheable prefix" in hover["contents"]["value"]
    assert time.monotonic() - started < 100  # long before the build could have ended
    assert _logs(slow, "^cachelint: indexed") == []
    [started_log] = _logs(slow, "indexing .* in the background")
    pid = int(re.search(r"process (\d+)", started_log).group(1))  # type: ignore[union-attr]
    assert not _gone(pid)
    assert slow.shutdown(timeout=30) == 0
    for _ in range(100):
        if _gone(pid):
            break
        time.sleep(0.1)
    assert _gone(pid)
    assert "Traceback" not in slow.stderr_text()


def test_a_finding_through_a_wrapper_is_published_when_the_index_arrives(project: Path, quick: LspClient) -> None:
    """Before the index, the call of `ask` is not known to be an SDK call: no finding, and
    none the index would take back. Once the index arrives the file is analysed again and the
    finding published, as `cachelint via_wrapper.py` reports it."""
    app = project / "via_wrapper.py"
    quick.initialize(project)
    quick.open(app, THROUGH_WRAPPER)
    assert _codes(quick.diagnostics(uri(app))) == []
    assert _codes(quick.diagnostics(uri(app))) == ["CL102"]
    [indexed] = _logs(quick, "^cachelint: indexed")
    assert indexed.endswith(": 2 wrapper names")  # ask, and reply (it forwards `text` to ask)
    assert quick.shutdown() == 0


def test_edits_after_the_index_do_not_build_it_again(project: Path, quick: LspClient) -> None:
    """Keystrokes after the index arrived re-analyse the buffer against it: no new build."""
    app = project / "via_wrapper.py"
    quick.initialize(project)
    quick.open(app, THROUGH_WRAPPER)
    quick.diagnostics(uri(app))
    assert _codes(quick.diagnostics(uri(app))) == ["CL102"]  # the index is there
    fixed = THROUGH_WRAPPER.replace('f"Time: {datetime.now():%H:%M}.\\n" + RULES, text', 'RULES, text')
    quick.change(app, fixed, version=2)
    assert _codes(quick.diagnostics(uri(app))) == []
    quick.change(app, THROUGH_WRAPPER, version=3)
    assert _codes(quick.diagnostics(uri(app))) == ["CL102"]
    assert len(_logs(quick, "in the background")) == 1
    assert len(_logs(quick, "^cachelint: indexed")) == 1
    assert quick.shutdown() == 0


def test_a_file_that_stays_the_same_is_not_published_again(project: Path, quick: LspClient) -> None:
    """The negative twin: the direct call's file, analysed again when the index arrives, has the
    same findings: nothing is sent a second time."""
    direct = project / "direct.py"
    quick.initialize(project)
    quick.open(direct, DIRECT)
    assert _codes(quick.diagnostics(uri(direct))) == ["CL102"]
    deadline = time.monotonic() + 60
    while not _logs(quick, "^cachelint: indexed") and time.monotonic() < deadline:
        quick.hover(direct, 0, 0)  # lets the notifications in
        time.sleep(0.2)
    assert _logs(quick, "^cachelint: indexed")
    quick.hover(direct, 0, 0)
    assert [n for n in quick.notifications if n["method"] == "textDocument/publishDiagnostics"] == []
    assert quick.shutdown() == 0
