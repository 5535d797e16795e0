#!/usr/bin/env python3
"""Measure cachelint on real repositories: call sites, preambles rebuilt, findings, time.

    python scripts/realworld.py [--sites SAMPLES.tsv] [--timeout S] REPO [REPO...]

For each repository (linted from its root, as a user would):

- **SDK-shaped calls**: every `*.responses.create/parse/stream`, `*.chat.completions.*`,
  `*.messages.create/stream/count_tokens` and `*.models.generate_content*` call in the
  source, found by a plain AST walk that knows nothing of receivers (so it also counts
  lookalike SDKs, which cachelint rightly refuses). Test code is counted apart.
- **recognised**: the calls cachelint proves to be OpenAI, Anthropic or Gemini SDK calls.
- **preamble resolved**: recognised calls for which at least one rebuilt prompt (at the
  call itself, or at a caller of a wrapper that reaches it) shows the whole preamble (tools,
  instructions, system and developer messages) with nothing unknown in it, and nothing
  unknown ahead of it: a first message whose role is not known (`messages=[first, ...]`)
  may be the system message, so the preamble is not rebuilt (`starts_conversation`).
- **findings** and **seconds**: from the CLI (`--no-cache --output-format json`).

With `--sites`, a TSV of hand-classified call sites (`id`, `site` as `repo/path:line`,
`knowable` starting with yes/partly/no) adds, per site, whether the preamble was
resolved, and the share over the sites judged knowable.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from cachelint.analysis.module import ModuleInfo
from cachelint.analysis.project import Project
from cachelint.discovery import discover
from cachelint.prompt import AssembledPrompt, Segment, Stability
from cachelint.run.check import assemble_module
from cachelint.settings import Settings
from cachelint.sources import SourceError, decode_source, parse_source

_TAILS = {("responses", "create"), ("responses", "parse"), ("responses", "stream"),
          ("completions", "create"), ("completions", "parse"), ("completions", "stream"),
          ("messages", "create"), ("messages", "stream"), ("messages", "count_tokens"),
          ("models", "generate_content"), ("models", "generate_content_stream")}
# Test code by the usual conventions only: an `evals/` folder is often the package itself
# (openai/evals) or an application's evaluation pipeline, which sends real requests.
_TEST = re.compile(r"(^|/)(tests?|testing|integration_tests)/|(^|/)test_[^/]*\.py$|_test\.py$|(^|/)conftest\.py$")


@dataclass
class RepoResult:
    name: str
    files: int = 0
    shaped: int = 0  # SDK-shaped calls outside tests
    shaped_tests: int = 0
    recognised: int = 0
    resolved: int = 0
    findings: int = 0
    findings_by_code: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0
    timed_out: bool = False
    # (path relative to the repo, line of the SDK call) -> preamble resolved at some site
    sites: dict[tuple[str, int], bool] = field(default_factory=dict)
    why: dict[tuple[str, int], str] = field(default_factory=dict)  # for sites not resolved
    # (path, line of a call of a wrapper) -> preamble resolved there, for sites named by the caller
    callers: dict[tuple[str, int], bool] = field(default_factory=dict)


def shaped_calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            parts: list[str] = []
            cur: ast.expr = node.func
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            parts.reverse()
            parts = [p for p in parts if p not in ("with_raw_response", "with_streaming_response")]
            if len(parts) >= 2 and (parts[-2], parts[-1]) in _TAILS and "threads" not in parts:
                yield node


def preamble_resolved(prompt: AssembledPrompt) -> bool:
    """Is the preamble rebuilt: every segment up to the first turn of the conversation known
    (its text, or how it changes), per the facts `--show-prompt` prints?"""
    return blocker(prompt) is None


# Roles that are turns of the conversation, as `--show-prompt` names them in a slot; a part of a
# multimodal message keeps its message's role (`messages[0].content (user)[0].text`).
_TURN_ROLE = re.compile(r"\((user|assistant|tool|function|model)\)(\[\d+\](\.\w+)*)*$")


def starts_conversation(seg: Segment, prompt: AssembledPrompt) -> bool:
    """Is this segment (the first after the preamble) known to be a turn of the conversation,
    so that nothing of the preamble can come after it? A message whose role is shown, a
    Responses `input` given as a string, and anything in an API whose turns never hold the
    system prompt (Anthropic's `messages`, Gemini's `contents`). A message or list whose role
    is not known may itself be the system message."""
    if _TURN_ROLE.search(seg.slot):
        return True
    if seg.slot.startswith("contents"):
        return True  # Gemini contents hold user and model turns only, never the system
    api = prompt.call.api
    if api.startswith("messages.") and prompt.call.provider.value == "anthropic":
        return True  # the Messages API takes the system prompt in `system=` only
    # `input="..."`: one user message, known as such when part of its text is written
    return seg.slot == "input" and any(s.slot == "input" and s.text is not None for s in prompt.segments)


def blocker(prompt: AssembledPrompt) -> str | None:
    """Why the preamble is not rebuilt (the first segment in the way), or None if it is."""
    seen = False
    for seg in prompt.segments:
        unknown = seg.stability == Stability.UNKNOWN or seg.passthrough
        why = f"{seg.slot}: {seg.cause or seg.stability.value} ({seg.span.path}:{seg.span.line})"
        if not seg.in_preamble:
            # The preamble ends here if this is known to be a turn. After a system message
            # that was rebuilt, what follows is read as the conversation (`[system, *history]`);
            # before any, a message or list whose role is not known may hold the system prompt.
            return None if seen or starts_conversation(seg, prompt) else why
        if unknown:
            return why
        seen = True
    return None if seen else "no segment"


def analyse(repo: str, timeout: float) -> RepoResult:
    root = os.path.abspath(repo)
    result = RepoResult(os.path.basename(root.rstrip("/")))
    settings = Settings(root=root)  # none of the measured repositories configures cachelint
    files, _ = discover([root], settings)
    files = [f for f in files if f.endswith(".py")]
    result.files = len(files)
    project = Project(root, settings.wrappers)
    for path in files:
        rel = os.path.relpath(path, root)
        try:
            with open(path, "rb") as fh:
                text = decode_source(fh.read())
            tree = parse_source(text, path)
        except (OSError, SourceError):
            continue
        n = sum(1 for _ in shaped_calls(tree))
        if _TEST.search(rel):
            result.shaped_tests += n
            continue
        result.shaped += n
        if not project.may_matter(text):
            continue
        mod = project.add(ModuleInfo(path, text, tree))
        for found in project.calls_in(mod):
            result.sites.setdefault((rel, found.node.lineno), False)
        for prompt in assemble_module(mod, project):
            call = prompt.call
            if call.node is None:
                continue
            if call.via_scopes:
                here = (rel, call.span.line)
                result.callers[here] = result.callers.get(here, False) or blocker(prompt) is None
            where = call.via_scopes[-1][0] if call.via_scopes else path
            key = (os.path.relpath(where, root), call.node.lineno)
            if key in result.sites or not call.via_scopes:
                reason = blocker(prompt)
                result.sites[key] = result.sites.get(key, False) or reason is None
                if reason is not None and (not call.via_scopes or key not in result.why):
                    result.why[key] = reason  # the call's own analysis explains best
    # wrapper prompts may reach SDK calls in test files: count the non-test ones only
    result.sites = {k: v for k, v in result.sites.items() if not _TEST.search(k[0])}
    result.recognised = len(result.sites)
    result.resolved = sum(result.sites.values())
    start = time.monotonic()
    try:
        # -P keeps the repository off sys.path, as the installed command does: simple-evals' own
        # types.py would otherwise be imported in place of the standard module.
        proc = subprocess.run([sys.executable, "-P", "-m", "cachelint", "--no-cache", "--output-format", "json", "."],
                              cwd=root, capture_output=True, text=True, timeout=timeout)
        result.seconds = time.monotonic() - start
        data = json.loads(proc.stdout or "[]")
        items = data if isinstance(data, list) else data.get("diagnostics", [])
        result.findings = len(items)
        for d in items:
            result.findings_by_code[d["code"]] = result.findings_by_code.get(d["code"], 0) + 1
        result.errors = sum(1 for line in proc.stderr.splitlines() if line.startswith("cachelint:"))
        if not proc.stdout.strip():  # the CLI died before printing its JSON: not a clean run with no findings
            result.errors += 1
    except subprocess.TimeoutExpired:
        result.seconds = timeout
        result.timed_out = True
    return result


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repos", nargs="+")
    ap.add_argument("--sites", help="TSV of hand-classified call sites")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--why", action="store_true", help="list each call whose preamble is not resolved, and why")
    args = ap.parse_args(argv)
    print("| repository | files | SDK-shaped calls (tests) | recognised | preamble resolved | findings | s |")
    print("|---|---|---|---|---|---|---|", flush=True)
    results = []
    for repo in args.repos:  # each row as soon as it is measured: large repositories take minutes
        r = analyse(repo, args.timeout)
        results.append(r)
        codes = ", ".join(f"{c} {n}" for c, n in sorted(r.findings_by_code.items(), key=str))
        found = f"{r.findings} ({codes})" if codes else str(r.findings)
        print(f"| {r.name} | {r.files} | {r.shaped} ({r.shaped_tests}) | {r.recognised} | {r.resolved} | "
              f"{found} | {'>' if r.timed_out else ''}{r.seconds:.1f} |", flush=True)
    if args.why:
        for r in results:
            for (path, line), ok in sorted(r.sites.items()):
                if not ok:
                    print(f"- {r.name}/{path}:{line}: {r.why.get((path, line), '?')}")
    total_rec = sum(r.recognised for r in results)
    total_res = sum(r.resolved for r in results)
    print(f"\nrecognised {total_rec}, preamble resolved {total_res} ({100 * total_res / max(total_rec, 1):.0f}%)")
    if args.sites:
        by_name = {r.name: r for r in results}
        knowable = hits = 0
        print("\n| site | knowable | resolved |\n|---|---|---|")
        with open(args.sites, encoding="utf-8") as fh:
            header = fh.readline().rstrip("\n").split("\t")
            for line in fh:
                row = dict(zip(header, line.rstrip("\n").split("\t"), strict=False))
                repo, _, rest = row["site"].partition("/")
                # `path:line (->where it goes)` names the caller of a wrapper, not the SDK call
                by_caller = " (" in rest
                path, _, ln = rest.split(" (")[0].rpartition(":")
                repo_result = by_name.get(repo)
                if repo_result is None or not ln.isdigit():
                    continue
                got = (repo_result.callers if by_caller else repo_result.sites).get((path, int(ln)))
                verdict = "not recognised" if got is None else "yes" if got else "no"
                kind = row.get("knowable", "").split(" ")[0]
                if kind in ("yes", "partly"):
                    knowable += 1
                    hits += got is True
                print(f"| {row['id']} {row['site']} | {row.get('knowable', '')} | {verdict} |")
        print(f"\nknowable sites resolved: {hits} of {knowable} ({100 * hits / max(knowable, 1):.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
