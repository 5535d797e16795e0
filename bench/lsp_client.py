"""A minimal LSP client, for the server's end-to-end tests and the hover benchmark:
`python -m cachelint server` in a subprocess, JSON-RPC messages framed with Content-Length
headers written to its stdin and read from its stdout, every read bounded by a timeout so a
broken server fails the test instead of hanging it."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 60.0  # seconds for any one answer: the first one scans the project

Message = dict[str, Any]


def uri(path: Path) -> str:
    return path.resolve().as_uri()


class LspClient:
    def __init__(self, cwd: Path, env: dict[str, str] | None = None) -> None:
        environ = dict(os.environ if env is None else env)
        environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), environ.get("PYTHONPATH", "")) if p)
        environ.pop("CACHELINT_DEBUG", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "cachelint", "server"], cwd=cwd, env=environ,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._inbox: queue.Queue[Message | None] = queue.Queue()
        self.notifications: list[Message] = []
        self.server_requests: list[Message] = []  # requests of the server's, each answered with null
        self.stderr: list[bytes] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    # --- the wire

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if length is None:
                    raise AssertionError("a message without Content-Length")
                self._inbox.put(json.loads(out.read(length)))
        finally:
            self._inbox.put(None)  # the server's stdout closed

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def send(self, message: Message) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = TIMEOUT) -> Any:
        """Send a request and wait for its answer; notifications that arrive meanwhile are kept."""
        self._next_id += 1
        ident = self._next_id
        self.send({"id": ident, "method": method, "params": params})
        answer = self._wait(lambda m: m.get("id") == ident and "method" not in m, timeout, f"the answer to {method}")
        if "error" in answer:
            raise AssertionError(f"{method} failed: {answer['error']}")
        return answer.get("result")

    def _wait(self, wanted: Callable[[Message], bool], timeout: float, what: str) -> Message:
        while True:
            try:
                message = self._inbox.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no {what} within {timeout}s; stderr: {self.stderr_text()}") from None
            if message is None:
                raise AssertionError(f"the server closed its output before {what}; stderr: {self.stderr_text()}")
            if wanted(message):
                return message
            if "method" in message and "id" in message:
                self.server_requests.append(message)
                self.send({"id": message["id"], "result": None})  # a request of the server's: accepted
            elif "method" in message:
                self.notifications.append(message)

    def diagnostics(self, target: str, timeout: float = TIMEOUT) -> Message:
        """The next publishDiagnostics for `target` (one kept from before counts first)."""
        for i, message in enumerate(self.notifications):
            if message["method"] == "textDocument/publishDiagnostics" and message["params"]["uri"] == target:
                del self.notifications[i]
                return dict(message["params"])
        message = self._wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                             and m["params"]["uri"] == target, timeout, f"diagnostics for {target}")
        return dict(message["params"])

    def log_message(self, pattern: str, timeout: float = TIMEOUT) -> str:
        """The text of the next window/logMessage matching `pattern` (one kept from before counts first)."""
        wanted = re.compile(pattern)
        for i, message in enumerate(self.notifications):
            if message["method"] == "window/logMessage" and wanted.search(message["params"]["message"]):
                del self.notifications[i]
                return str(message["params"]["message"])
        message = self._wait(lambda m: m.get("method") == "window/logMessage"
                             and wanted.search(m["params"]["message"]) is not None, timeout, f"a log line {pattern}")
        return str(message["params"]["message"])

    def stderr_text(self) -> str:
        return b"".join(self.stderr).decode(errors="replace")[-2000:]

    # --- a session

    def initialize(self, root: Path, capabilities: Message | None = None) -> Any:
        result = self.request("initialize", {
            "processId": os.getpid(),
            "rootUri": uri(root),
            "capabilities": capabilities or {"textDocument": {"hover": {"contentFormat": ["markdown"]}}},
        })
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(path), "languageId": "python", "version": version, "text": text}})

    def change(self, path: Path, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri(path), "version": version},
                                               "contentChanges": [{"text": text}]})

    def hover(self, path: Path, line: int, character: int) -> Any:
        return self.request("textDocument/hover", {"textDocument": {"uri": uri(path)},
                                                   "position": {"line": line, "character": character}})

    def shutdown(self, timeout: float = TIMEOUT) -> int:
        """shutdown, then exit: the process's exit status."""
        assert self.request("shutdown", None) is None
        self.notify("exit", None)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server did not exit within {timeout}s after `exit`") from None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
