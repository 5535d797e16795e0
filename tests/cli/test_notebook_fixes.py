"""`--fix` and `--diff` on Jupyter notebooks (issue 21), as users meet them: the fixes land in
the code cells they are about, the .ipynb is otherwise byte for byte as it was, a cell with
IPython magics is left alone, and `--diff` shows the change cell by cell."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cachelint.notebook import read_notebook

RunCli = Callable[..., Any]

SETUP = [
    "from openai import OpenAI\n",
    "client = OpenAI()\n",
    "TOPICS = {\"billing\", \"refunds\", \"shipping\", \"returns\"}  # a set: no fixed order\n",
    "RULES = \"Always cite the relevant section of the support policy and never guess an answer. \" * 90",
]
ASK = [
    "def ask(q):\n",
    "    system = \"Topics: \" + \", \".join(TOPICS) + \". \" + RULES\n",
    "    return client.chat.completions.create(model=\"gpt-4.1\", messages=[\n",
    "        {\"role\": \"system\", \"content\": system}, {\"role\": \"user\", \"content\": q}])",
]
RUN = ["print(ask(\"Where is my parcel?\"))"]


def notebook(ask: list[str], indent: int = 1, ascii_only: bool = False) -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Support bot ✓\n", "Asks the model."]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": SETUP},
        {"cell_type": "code", "execution_count": 3, "metadata": {"tags": ["ask"]}, "outputs": [], "source": ask},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": RUN},
    ]
    doc = {"cells": cells, "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(doc, indent=indent, ensure_ascii=ascii_only) + "\n"


def fixed(text: str) -> str:
    """The notebook as the CL103 fix should leave it: one JSON string changed."""
    before = json.dumps('    system = "Topics: " + ", ".join(TOPICS) + ". " + RULES\n')
    after = json.dumps('    system = "Topics: " + ", ".join(sorted(TOPICS)) + ". " + RULES\n')
    assert text.count(before) == 1
    return text.replace(before, after)


def test_fix_rewrites_the_cell_and_nothing_else(project: Path, run: RunCli) -> None:
    original = notebook(ASK)
    path = project / "support.ipynb"
    path.write_text(original, encoding="utf-8")
    first = run("--no-cache", "--format", "concise", "support.ipynb")
    assert first.exit_code == 1 and "support.ipynb:cell 3:line 2:" in first.stdout and "CL103" in first.stdout
    assert "1 fixable with `--fix`." in first.stdout
    result = run("--no-cache", "--fix", "support.ipynb")
    assert result.all == (0, "Fixed 1 finding.\nAll checks passed!\n", "")
    after = path.read_text(encoding="utf-8")
    assert after == fixed(original)  # key order, indentation, the ✓, the trailing newline kept
    cell = read_notebook(after, str(path)).cells[1]
    assert cell.lines[1] == '    system = "Topics: " + ", ".join(sorted(TOPICS)) + ". " + RULES'
    # A second run finds nothing, and fixing again changes nothing.
    assert run("--no-cache", "support.ipynb").all == (0, "All checks passed!\n", "")
    assert run("--no-cache", "--fix", "support.ipynb").all == (0, "All checks passed!\n", "")
    assert path.read_text(encoding="utf-8") == after


def test_fix_keeps_the_files_own_json_style(project: Path, run: RunCli) -> None:
    # two-space indentation and non-ASCII written as \u escapes, as some tools save notebooks
    original = notebook(ASK, indent=2, ascii_only=True)
    assert "\\u2713" in original
    path = project / "support.ipynb"
    path.write_bytes(original.encode("utf-8"))
    assert run("--no-cache", "--fix", "support.ipynb").exit_code == 0
    assert path.read_bytes() == fixed(original).encode("utf-8")


def test_diff_shows_the_cell_and_writes_nothing(project: Path, run: RunCli) -> None:
    original = notebook(ASK)
    path = project / "support.ipynb"
    path.write_text(original, encoding="utf-8")
    result = run("--no-cache", "--diff", "support.ipynb")
    assert result.exit_code == 1
    assert result.stdout == (
        "--- a/support.ipynb:cell 3\n"
        "+++ b/support.ipynb:cell 3\n"
        "@@ -1,4 +1,4 @@\n"
        " def ask(q):\n"
        '-    system = "Topics: " + ", ".join(TOPICS) + ". " + RULES\n'
        '+    system = "Topics: " + ", ".join(sorted(TOPICS)) + ". " + RULES\n'
        '     return client.chat.completions.create(model="gpt-4.1", messages=[\n'
        '         {"role": "system", "content": system}, {"role": "user", "content": q}])\n'
    )
    assert result.stderr == "Would fix 1 finding.\n"
    assert path.read_text(encoding="utf-8") == original


def test_a_cell_with_magics_is_left_alone_and_verbose_says_why(project: Path, run: RunCli) -> None:
    original = notebook(["%load_ext autoreload\n", *ASK])
    path = project / "support.ipynb"
    path.write_text(original, encoding="utf-8")
    result = run("--no-cache", "--fix", "--format", "concise", "-v", "support.ipynb")
    assert result.exit_code == 1 and "CL103" in result.stdout and "Fixed" not in result.stdout
    notes = [line for line in result.stderr.splitlines() if "not fixed" in line]
    assert len(notes) == 1 and notes[0].endswith(
        "support.ipynb: cell 3: CL103 not fixed: it has IPython magics or top-level await, which libcst cannot parse")
    assert path.read_text(encoding="utf-8") == original
    # --diff has nothing to show: exit 0, no output
    assert run("--no-cache", "--diff", "support.ipynb").all == (0, "", "")
    # and a plain run does not count as fixable what --fix leaves alone
    plain = run("--no-cache", "--format", "concise", "support.ipynb")
    assert plain.exit_code == 1 and "CL103" in plain.stdout and "fixable" not in plain.stdout, plain.stdout


def test_fixable_count_is_what_fix_then_fixes(project: Path, run: RunCli) -> None:
    # two notebooks with the same finding, one with a magic in the cell: one is fixable
    (project / "plain.ipynb").write_text(notebook(ASK), encoding="utf-8")
    (project / "magic.ipynb").write_text(notebook(["%load_ext autoreload\n", *ASK]), encoding="utf-8")
    plain = run("--no-cache", "--format", "concise", ".")
    assert plain.stdout.count("CL103") == 2 and "1 fixable with `--fix`." in plain.stdout, plain.stdout
    fixed = run("--no-cache", "--fix", "--format", "concise", ".")
    assert "Fixed 1 finding." in fixed.stdout and fixed.stdout.count("CL103") == 1, fixed.stdout


def test_unsafe_fixes_move_a_value_into_the_user_message(project: Path, run: RunCli) -> None:
    # the user's name ahead of the rules (CL101): --unsafe-fixes moves it into the user message
    ask = ["def ask(user, q):\n",
           "    system = f\"Name: {user}\\n{RULES}\"\n",
           "    return client.chat.completions.create(model=\"gpt-4.1\", messages=[\n",
           "        {\"role\": \"system\", \"content\": system},\n",
           "        {\"role\": \"user\", \"content\": f\"Question: {q}\"}])"]
    path = project / "support.ipynb"
    path.write_text(notebook(ask), encoding="utf-8")
    assert run("--no-cache", "--fix", "support.ipynb").exit_code == 1  # an unsafe fix only
    result = run("--no-cache", "--fix", "--unsafe-fixes", "support.ipynb")
    assert result.all == (0, "Fixed 1 finding.\nAll checks passed!\n", ""), result.all
    code = read_notebook(path.read_text(encoding="utf-8"), str(path)).cells[1].lines
    assert code[1] == '    system = f"{RULES}"', code
    assert code[4] == '        {"role": "user", "content": f"Name: {user}\\nQuestion: {q}"}])', code
    assert run("--no-cache", "support.ipynb").all == (0, "All checks passed!\n", "")


def test_json_places_a_notebook_edit_in_its_cell(project: Path, run: RunCli) -> None:
    (project / "support.ipynb").write_text(notebook(ASK), encoding="utf-8")
    result = run("--no-cache", "--format", "json", "support.ipynb")
    [finding] = json.loads(result.stdout)
    edits = finding["fix"]["edits"]
    assert [(e["cell"]["number"], e["cell"]["line"], e["content"]) for e in edits] == [(3, 2, "sorted("), (3, 2, ")")]
    assert edits[0]["cell"]["column"] == ASK[1].index("TOPICS") + 1  # columns of the cell's line
    assert edits[0]["line"] > 1 and edits[0]["column"] > edits[0]["cell"]["column"]  # the .ipynb text's
    sarif = json.loads(run("--no-cache", "--format", "sarif", "support.ipynb").stdout)
    # SARIF replacements edit a file's text, and a notebook's edits are of its cells' code
    assert "fixes" not in sarif["runs"][0]["results"][0]
