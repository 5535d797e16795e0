"""Synthetic projects whose files mark expected findings with `# expect: CODE`, linted
through the CLI: what the marks ask for, and what the run found."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from conftest import Run, write_tree

EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")
FINDING = re.compile(r"^(\S+?):(\d+):\d+: (CL\d{3}) ", re.M)

Found = set[tuple[str, int, str]]


def expected(files: dict[str, str]) -> Found:
    """(file, line, code) of every `# expect:` mark in the project's files."""
    out = set()
    for name, text in files.items():
        for n, line in enumerate(text.splitlines(), start=1):
            m = EXPECT.search(line)
            if m:
                out.update((name, n, code) for code in m.group(1).replace(",", " ").split())
    return out


def lint(project: Path, run: Callable[..., Run], files: dict[str, str]) -> tuple[Found, Run]:
    """Write the files, lint the project (concise, no cache) and return (file, line, code) found."""
    write_tree(project, files)
    got = run("--format", "concise", "--no-cache", ".")
    assert got.stderr == ""
    return {(p, int(line), code) for p, line, code in FINDING.findall(got.stdout)}, got
