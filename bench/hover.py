"""How fast `cachelint server` answers once a project is open (issue 21).

    python bench/hover.py                 # examples/, 3 rounds of hovers
    python bench/hover.py --root DIR --rounds 5 --limit 40   # 40 files, those naming an SDK first

Starts `python -m cachelint server` in the project root and, as an editor would: opens the
first file (the project's index build starts then, in the background), waits for the index
(the server logs it), opens every other Python file, hovers on every call expression of each
file (the method or function name), and replaces each file's text with itself plus a blank
line then hovers at its start (a keystroke: the server analyses an edit when typing pauses,
or at once when a request about the file comes first). Prints the time to the first
diagnostics and to the index, then the median and maximum time of the hovers that showed a
prompt, of those that did not (not an LLM call), and of a keystroke's analysis. Hover
positions come from parsing the files with `ast`; nothing is run. The index build's result
cache is `--cache-dir` (default: a new empty folder, so the build is a cold one; the project
is never written to).
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from lsp_client import REPO, LspClient, uri  # noqa: E402  (bench/lsp_client.py, beside this file)

SDKS = ("openai", "anthropic", "genai")


def call_positions(text: str) -> list[tuple[int, int]]:
    """(0-based line, UTF-16 column) of the name each call expression calls."""
    lines = text.splitlines()
    out = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call) or node.func.end_lineno is None or node.func.end_col_offset is None:
            continue
        line = node.func.end_lineno - 1
        # ast columns count UTF-8 bytes; the client speaks UTF-16 code units (the LSP default).
        before = lines[line].encode()[: node.func.end_col_offset - 1].decode(errors="ignore")
        out.append((line, len(before.encode("utf-16-le")) // 2))
    return out


def summary(name: str, seconds: list[float]) -> str:
    if not seconds:
        return f"{name}: none"
    ms = sorted(s * 1000 for s in seconds)
    return f"{name}: {len(ms)}, median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=REPO / "examples", help="project to open [examples/]")
    parser.add_argument("--rounds", type=int, default=3, help="times every call is hovered [3]")
    parser.add_argument("--limit", type=int, default=0,
                        help="open only this many files, those that name an SDK first [0: all]")
    parser.add_argument("--cache-dir", type=Path, help="the result cache the index build uses [a new empty one]")
    args = parser.parse_args()
    root: Path = args.root.resolve()
    files = sorted(p for p in root.rglob("*.py") if p.is_file())
    if not files:
        print(f"{root}: no Python files", file=sys.stderr)
        return 2
    texts = {p: p.read_text(encoding="utf-8", errors="replace") for p in files}
    if args.limit:
        files = sorted(files, key=lambda p: not any(sdk in texts[p] for sdk in SDKS))[: args.limit]
    with tempfile.TemporaryDirectory(prefix="cachelint-hover-") as scratch:
        env = dict(os.environ)
        env["CACHELINT_CACHE_DIR"] = str(args.cache_dir or Path(scratch) / "cache")
        return measure(root, files, texts, args.rounds, LspClient(root, env))


def measure(root: Path, files: list[Path], texts: dict[Path, str], rounds: int, client: LspClient) -> int:
    try:
        client.initialize(root)
        started = time.perf_counter()
        client.open(files[0], texts[files[0]])
        client.diagnostics(uri(files[0]))
        first = time.perf_counter() - started
        indexed = client.log_message("^cachelint: indexed", timeout=3600)
        index_seconds = time.perf_counter() - started
        # the first file, analysed again with the index, may have been published again
        client.notifications = [n for n in client.notifications if n["method"] != "textDocument/publishDiagnostics"]
        for p in files[1:]:
            client.open(p, texts[p])
            client.diagnostics(uri(p))
        shown: list[float] = []
        empty: list[float] = []
        for _ in range(rounds):
            for p in files:
                for line, character in call_positions(texts[p]):
                    t = time.perf_counter()
                    answer = client.hover(p, line, character)
                    (shown if answer is not None else empty).append(time.perf_counter() - t)
        keystrokes: list[float] = []
        slowest = (0.0, root)
        for p in files:
            t = time.perf_counter()
            client.change(p, texts[p] + "\n", version=2)
            client.hover(p, 0, 0)  # the edit is analysed at once, not when typing pauses
            keystrokes.append(time.perf_counter() - t)
            client.diagnostics(uri(p))
            slowest = max(slowest, (keystrokes[-1], p))
        code = client.shutdown()
    finally:
        client.close()
    print(f"{root}: {len(files)} files; first diagnostics (the file's own analysis) {first * 1000:.0f} ms; "
          f"index after {index_seconds:.1f} s ({indexed})")
    print(summary("hovers on an LLM call (a prompt shown)", shown))
    print(summary("hovers on other calls (nothing shown)", empty))
    print(summary("keystrokes (didChange, then a hover that waits for its analysis)", keystrokes)
          + (f"; slowest {slowest[1].relative_to(root)}" if keystrokes else ""))
    return code


if __name__ == "__main__":
    sys.exit(main())
