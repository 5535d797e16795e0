"""`examples/` is the demo the README describes: pin exactly what cachelint reports on it.

The CLI runs as users run it (`python -m cachelint examples/ --format json` in a subprocess),
so configuration discovery (examples/pyproject.toml is its own project root), the project
model and the reporters are all exercised. When a finding here changes, the README's list of
reported and unreported calls must change with it.
"""

from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

Key = tuple[str, int, str]  # (path relative to examples/, line, code)

# Every finding `cachelint examples/` must report, and nothing else.
EXPECTED: set[Key] = {
    # OpenAI
    ("acme_support/agent_loop.py", 33, "CL101"),  # the step number before the agent loop's history
    ("acme_support/chat.py", 25, "CL101"),  # tenant name before SUPPORT_POLICY (imported constant)
    ("acme_support/chat.py", 46, "CL102"),  # datetime.now() to the minute before the policy
    ("acme_support/conversations.py", 26, "CL101"),  # helper in prompt_builders.py, via the LLM.chat wrapper
    ("acme_support/conversations.py", 41, "CL103"),  # frozenset joined into the system prompt, via the wrapper
    ("acme_support/email_replies.py", 39, "CL101"),  # `.format` puts the customer before a string.Template file
    ("acme_support/handoff.py", 42, "CL101"),  # f-string header before a Jinja template file
    ("acme_support/quality_review.py", 29, "CL102"),  # uuid4() heads the system message, via a declared wrapper
    ("acme_support/returns.py", 67, "CL202"),  # tools filtered per tenant
    ("acme_support/returns.py", 97, "CL301"),  # prompt_cache_key from uuid4()
    ("acme_support/troubleshooting.py", 36, "CL101"),  # session instance state before system.md
    # Anthropic
    ("acme_support/anthropic_agent.py", 64, "CL402"),  # 4 block markers from a helper + the top-level one
    ("acme_support/anthropic_agent.py", 96, "CL405"),  # 1h marker after a 5m one
    ("acme_support/anthropic_chat.py", 35, "CL401"),  # ~1,700 static tokens, no cache_control
    ("acme_support/anthropic_chat.py", 63, "CL403"),  # marker on the block naming the customer
    ("acme_support/anthropic_triage.py", 23, "CL404"),  # ~1,700 tokens marked on Haiku 4.5 (minimum 4,096)
    # Gemini
    ("acme_support/gemini_chat.py", 22, "CL101"),  # customer and device before the guide and policy
    ("acme_support/gemini_summaries.py", 25, "CL201"),  # ~1,100 static tokens on gemini-2.5-flash (minimum 2,048)
}

# Modules that must produce nothing, linted on their own and as part of the project.
GOOD_MODULES = [
    "acme_support/__init__.py",
    "acme_support/gateway.py",  # declared wrapper: no SDK call of its own
    "acme_support/llm.py",  # the wrapper itself: its parameters are the caller's business
    "acme_support/models.py",
    "acme_support/orders.py",  # tools, schema, policy, cache key: the reference pattern
    "acme_support/prompt_builders.py",  # helpers: findings land at their callers
    "acme_support/prompts.py",
    "acme_support/triage.py",  # 31 tokens: padding would not pay; a CL201 suppressed by name
    "acme_support/personas.py",  # a parameter every caller passes as fixed text: stable
    "acme_support/desks.py",  # those callers
]

# One module per stability class (rules.md section 1) whose call shows it, and whose row in the
# README's example-app tables says, in the class's name, why it is or is not reported.
CLASS_EXAMPLES = {
    "static": "agent_loop.py",
    "stable": "personas.py",
    "session": "troubleshooting.py",
    "turn": "chat.py",
    "volatile": "chat.py",
    "daily": "chat.py",
    "unordered": "conversations.py",
    "unknown": "agent_loop.py",
}

# Modules where cachelint does not yet report what rules.md says it should: the expectation
# above is the correct behaviour. Remove an entry when the linter is fixed (strict xfail).
LINTER_WRONG: dict[str, str] = {}

# rules.md section 1: every message quantifies the cost in tokens. Rules whose finding is a
# request the API rejects (HTTP 400) have no token cost; their messages say 400 instead.
REJECTED_BY_API = {"CL402", "CL405", "CL406"}
NO_TOKEN_COUNT_YET: dict[tuple[str, int, str], str] = {}

TOKEN_COUNT = re.compile(r"~?\d[\d,]*(?:-token| (?:static )?tokens?\b)")
# The documented keys of one JSON finding (issue 2, item 2).
JSON_KEYS = {
    "code",
    "name",
    "severity",
    "message",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "fix",
    "related",
}
REPORTED_COMMENT = re.compile(r"#\s*(CL\d{3}) \(reported\)")
MODULES = sorted(p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*.py"))


def cachelint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cachelint", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def key(finding: dict[str, Any]) -> Key:
    path = Path(finding["path"])
    absolute = path if path.is_absolute() else REPO / path
    return (absolute.relative_to(EXAMPLES).as_posix(), finding["line"], finding["code"])


@pytest.fixture(scope="module")
def run() -> subprocess.CompletedProcess[str]:
    return cachelint("examples/", "--format", "json")


@pytest.fixture(scope="module")
def findings(run: subprocess.CompletedProcess[str]) -> dict[Key, dict[str, Any]]:
    parsed = json.loads(run.stdout)
    assert isinstance(parsed, list)
    return {key(f): f for f in parsed}


def test_exit_code_is_1_and_nothing_on_stderr(run: subprocess.CompletedProcess[str]) -> None:
    assert (run.returncode, run.stderr) == (1, "")


def test_findings_are_in_example_modules(findings: dict[Key, dict[str, Any]]) -> None:
    assert {path for path, _, _ in findings} <= set(MODULES)
    assert {path for path, _, _ in EXPECTED} <= set(MODULES)


def _module_param(module: str) -> Any:
    reason = LINTER_WRONG.get(module)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(module, id=module, marks=marks)


@pytest.mark.parametrize("module", [_module_param(m) for m in MODULES])
def test_module_reports_exactly_the_expected_findings(module: str, findings: dict[Key, dict[str, Any]]) -> None:
    assert sorted(k for k in findings if k[0] == module) == sorted(k for k in EXPECTED if k[0] == module)


def test_findings_carry_the_json_keys(findings: dict[Key, dict[str, Any]]) -> None:
    for finding in findings.values():
        assert set(finding) >= JSON_KEYS, finding


def _finding_param(item: Key) -> Any:
    reason = NO_TOKEN_COUNT_YET.get(item)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(item, id=":".join(map(str, item)), marks=marks)


@pytest.mark.parametrize("expected", [_finding_param(item) for item in sorted(EXPECTED)])
def test_every_message_counts_tokens(expected: Key, findings: dict[Key, dict[str, Any]]) -> None:
    assert expected in findings
    message = findings[expected]["message"]
    if expected[2] in REJECTED_BY_API:
        assert "400" in message, message
    else:
        assert TOKEN_COUNT.search(message), message


def test_good_modules_produce_nothing(findings: dict[Key, dict[str, Any]]) -> None:
    assert not [k for k in findings if k[0] in GOOD_MODULES]
    alone = cachelint(*(f"examples/{m}" for m in GOOD_MODULES), "--format", "json")
    assert (alone.returncode, alone.stdout, alone.stderr) == (0, "[]\n", "")


def test_comments_in_the_examples_match_the_findings() -> None:
    """Every `# CLxxx (reported)` comment in examples/ stands for one expected finding in its file."""
    commented: collections.Counter[tuple[str, str]] = collections.Counter()
    for module in MODULES:
        for match in REPORTED_COMMENT.finditer((EXAMPLES / module).read_text(encoding="utf-8")):
            commented[(module, match.group(1))] += 1
    assert commented == collections.Counter((path, code) for path, _, code in EXPECTED)


# --- the README's claims ---------------------------------------------------------------

README = REPO / "README.md"
HELP_BLOCK = re.compile(r"<!-- begin: cachelint --help -->\n(.*?)<!-- end: cachelint --help -->", re.S)
REPORTED_ROW = re.compile(r"^\| `(acme_support/[\w/]+\.py):(\d+)` \| (CL\d{3}) \|", re.M)
CONFIG_ROW = re.compile(r"^\| `([a-z-]+)` \| ", re.M)
LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def readme() -> str:
    return README.read_text(encoding="utf-8")


def test_readme_lists_exactly_the_reported_calls() -> None:
    rows = {(path, int(line), code) for path, line, code in REPORTED_ROW.findall(readme())}
    assert rows == EXPECTED


def test_readme_documents_every_option() -> None:
    found = HELP_BLOCK.search(readme())
    assert found, "README.md lost its `cachelint --help` markers"
    actual = cachelint("--help")
    assert actual.returncode == 0
    assert set(LONG_OPTION.findall(found.group(1))) == set(LONG_OPTION.findall(actual.stdout)), (
        "paste `cachelint --help` into README.md again"
    )


def test_readme_documents_every_configuration_key() -> None:
    from cachelint import config

    section = readme().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert set(CONFIG_ROW.findall(section)) == set(config._KEYS)


def test_readme_test_command_is_the_one_ci_runs() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r'^TEST_CMD="([^"]+)"', ci, re.M)
    assert command and command.group(1) == "python -m pytest -q"
    assert "pip install '.[test]' && python -m pytest -q\n" in readme()



def test_every_stability_class_has_an_example_and_a_readme_row() -> None:
    from cachelint.prompt import Stability

    assert set(CLASS_EXAMPLES) == {s.value for s in Stability}
    section = readme().split("## The example app", 1)[1].split("\n## ", 1)[0]
    for cls, module in CLASS_EXAMPLES.items():
        rows = [line for line in section.splitlines() if line.startswith("| `") and module in line]
        assert any(f"`{cls}`" in row for row in rows), f"no README row on {module} names `{cls}`"
    for module in sorted(set(CLASS_EXAMPLES.values())):
        shown = cachelint("--show-prompt", f"examples/acme_support/{module}")
        assert shown.returncode == 0, shown.stderr
        rows = [line.split() for line in shown.stdout.splitlines() if re.match(r"\s+\d+\s", line)]
        classes = {next((c for c in row if c in CLASS_EXAMPLES), "") for row in rows}
        for cls in (c for c, m in CLASS_EXAMPLES.items() if m == module):
            assert cls in classes, f"--show-prompt {module} shows no `{cls}` segment: {sorted(classes)}"
