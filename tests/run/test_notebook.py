"""Jupyter notebooks: code cells linted as one module, magics skipped, findings shown by cell."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cachelint.diagnostics import Span
from cachelint.notebook import NotebookError, read_notebook, strip_magics

RunCli = Callable[..., Any]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def code(source: str | list[str]) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": [text]}


def lines(text: str) -> list[str]:
    """A cell source as Jupyter stores it: one string per line, each but the last ending in \\n."""
    parts = textwrap.dedent(text).strip("\n").split("\n")
    return [p + "\n" for p in parts[:-1]] + [parts[-1]]


def notebook(*cells: dict[str, Any], language: str | None = "python") -> str:
    metadata: dict[str, Any] = {}
    if language is not None:
        metadata = {
            "kernelspec": {"name": "k", "display_name": "K", "language": language},
            "language_info": {"name": language},
        }
    # indent=1 and no ASCII escaping, as Jupyter writes notebooks.
    return json.dumps({"cells": list(cells), "metadata": metadata, "nbformat": 4, "nbformat_minor": 5},
                      indent=1, ensure_ascii=False) + "\n"


def at(document: str, line: int, column: int, end_column: int) -> str:
    """The text of a one-line range of the stored file."""
    return document.splitlines()[line - 1][column - 1 : end_column - 1]


# --- magics ---------------------------------------------------------------------------


def test_line_magics_shell_escapes_and_help_become_blank_lines() -> None:
    cell = [
        "%load_ext autoreload",
        "!pip install openai",
        "files = !ls",
        "env = %env HOME",
        "len?",
        "??client.responses",
        "x = 1  # why?",
        "for name in files:",
        "    !echo {name}",
        "%time x = \\",
        "    compute()",
        "total = (1",
        "    % 2)",
        'doc = """',
        "%not a magic inside a string",
        '"""',
    ]
    assert strip_magics(cell) == [
        "",
        "",
        "",
        "",
        "",
        "",
        "x = 1  # why?",
        "for name in files:",
        "    pass",  # a block still needs a statement
        "",
        "    pass",  # the magic's continuation line goes with it
        "total = (1",
        "    % 2)",  # modulo inside brackets is Python
        'doc = """',
        "%not a magic inside a string",
        '"""',
    ]


def test_automagic_lines_are_magics_only_when_they_are_not_python() -> None:
    # IPython runs `pip install x` as `%pip install x` (automagic); `pip = 3` is Python.
    cell = [
        'pip install "camel-ai[all]==0.2.75"',
        "cd ~/data",
        "cd /tmp",  # Python too (a division), so it is left as written
        "pip = 3",
        "time.sleep(1)",
        "env(HOME)",
        "    pip install x",  # indented: inside a block, left as written
        "config = {",  # `config` is a magic too, but this line opens a dict
        "    'model': 'o3',",
        "}",
    ]
    assert strip_magics(cell) == ["", "", "cd /tmp", "pip = 3", "time.sleep(1)", "env(HOME)", "    pip install x",
                                  "config = {", "    'model': 'o3',", "}"]


def test_a_cell_with_an_automagic_line_is_linted_not_an_error(project: Path, run: RunCli) -> None:
    write(project / "nb.ipynb", notebook(code("pip install openai\n"), code("import openai\nx = 1\n")))
    assert run().all == (0, "All checks passed!\n", "")


def test_cell_magics() -> None:
    assert strip_magics(["%%bash", "echo $HOME", "ls"]) == ["", "", ""]
    assert strip_magics(["", "%%writefile x.py", "print(1)"]) == ["", "", ""]
    assert strip_magics(["%%time", "x = compute()", "!ls"]) == ["", "x = compute()", ""]
    assert strip_magics(["%%capture out", "y = 2"]) == ["", "y = 2"]


# --- reading ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"cells": [}', "invalid notebook JSON: Expecting value (line 1, column 12)"),
        ("[]", "invalid notebook: the top level is not a JSON object"),
        ('{"worksheets": []}', "unsupported notebook format: nbformat 3 or older (no 'cells' list)"),
        ('{"metadata": {}}', "invalid notebook: no 'cells' list"),
        ('{"cells": [1]}', "invalid notebook: cell 1 is not a JSON object"),
        ('{"cells": [{"cell_type": "code", "source": [1]}]}', "invalid notebook: the source of cell 1 is not text"),
    ],
)
def test_invalid_notebooks(text: str, problem: str) -> None:
    with pytest.raises(NotebookError) as info:
        read_notebook(text, "nb.ipynb")
    assert str(info.value) == problem
    with pytest.raises(NotebookError, match="not UTF-8"):
        read_notebook(b"\xff\xfe", "nb.ipynb")


def test_locations_map_to_cells_and_to_the_stored_text() -> None:
    document = notebook(
        markdown("# Title"),
        code(lines("import os\nx = 1")),
        markdown("text"),
        # Escapes before the range: `\"`, `\\u00e9` written as an escape, a tab, and é.
        code(lines('s = "q\\"\\u00e9\\t" + "é" + TARGET\ny = 2')),
        code('single = 1\nz = "a" + TARGET\n'),  # source as one string
    )
    document = document.replace("\\u00e9", "\\\\u00e9")  # keep one `\u00e9` escape in the cell text
    nb = read_notebook(document, "nb.ipynb")
    assert [c.number for c in nb.cells] == [2, 4, 5]
    assert nb.source.splitlines()[2].startswith('s = "q')
    cell_line = nb.source.splitlines()[2]
    column = cell_line.index("TARGET") + 1
    loc = nb.locate(Span("nb.ipynb", 3, column, 3, column + 6))
    assert loc.cell is not None
    assert (loc.cell.cell, loc.cell.line, loc.cell.column) == (4, 1, column)
    assert loc.label() == f"nb.ipynb:cell 4:line 1:col {column}"
    assert at(document, loc.line, loc.column, loc.end_column) == "TARGET"
    # Single-string source: every line of the cell is on one line of the file.
    loc = nb.locate(Span("nb.ipynb", 6, 11, 6, 17))
    assert loc.cell is not None and (loc.cell.cell, loc.cell.line) == (5, 2)
    assert at(document, loc.line, loc.column, loc.end_column) == "TARGET"
    # Other files are left alone.
    other = nb.locate(Span("app.py", 3, 1, 3, 2))
    assert (other.path, other.line, other.cell) == ("app.py", 3, None)


def test_non_python_notebooks_have_no_code() -> None:
    nb = read_notebook(notebook(code("x <- 1"), language="R"), "r.ipynb")
    assert nb.cells == [] and nb.source == ""


# --- the command line, with the marker engine --------------------------------------------


MARKED = notebook(
    markdown("# Prompt experiments"),
    code(lines("%load_ext autoreload\nimport openai")),
    code(lines("!pip install openai\nprompt = f\"{CL101_HERE} and static text\"")),
    code(lines("other = CL103_HERE  # cachelint: ignore[CL103]\nlast = CL103_HERE")),
)


def test_full_output(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "nb.ipynb", MARKED)
    assert run().all == (
        1,
        textwrap.dedent(
            """\
            CL101 [error] `CL101_HERE` marks a finding
             --> nb.ipynb:cell 3:line 2:col 13
              |
            2 | prompt = f"{CL101_HERE} and static text"
              |             ^^^^^^^^^^
              |
             ::: nb.ipynb:cell 2:line 1:col 1 file starts here
            help: Remove `CL101_HERE`

            CL103 [warning] `CL103_HERE` marks a finding
             --> nb.ipynb:cell 4:line 2:col 8
              |
            2 | last = CL103_HERE
              |        ^^^^^^^^^^
              |
             ::: nb.ipynb:cell 2:line 1:col 1 file starts here
            help: Remove `CL103_HERE`

            Found 2 findings (1 error, 1 warning) in 1 file.
            """
        ),
        "",
    )


def test_concise_json_and_github(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "nb.ipynb", MARKED)
    assert run("--format", "concise").all == (
        1,
        "nb.ipynb:cell 3:line 2:col 13: CL101 `CL101_HERE` marks a finding\n"
        "nb.ipynb:cell 4:line 2:col 8: CL103 `CL103_HERE` marks a finding\n"
        "Found 2 findings (1 error, 1 warning) in 1 file.\n",
        "",
    )
    first = json.loads(run("--format", "json").stdout)[0]
    # line..end_column point into the .ipynb text; `cell` is what the notebook shows.
    assert at(MARKED, first["line"], first["column"], first["end_column"]) == "CL101_HERE"
    assert first["cell"] == {"number": 3, "line": 2, "column": 13, "end_line": 2, "end_column": 23}
    assert first["related"][0]["cell"] == {"number": 2, "line": 1, "column": 1, "end_line": 1, "end_column": 2}
    github = run("--format", "github").stdout.splitlines()
    assert github[0] == (
        f"::error file=nb.ipynb,line={first['line']},col={first['column']},endLine={first['end_line']},"
        f"endColumn={first['end_column']},title=cachelint (CL101)"
        "::cell 3, line 2: `CL101_HERE` marks a finding%0Ahelp: Remove `CL101_HERE`"
    )


def test_sarif_regions_and_cell_properties(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "nb.ipynb", MARKED)
    result = json.loads(run("--format", "sarif").stdout)["runs"][0]["results"][0]
    location = result["locations"][0]
    region = location["physicalLocation"]["region"]
    assert at(MARKED, region["startLine"], region["startColumn"], region["endColumn"]) == "CL101_HERE"
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "nb.ipynb", "uriBaseId": "%SRCROOT%"}
    assert location["properties"] == {
        "notebookCell": 3,
        "cellStartLine": 2,
        "cellStartColumn": 13,
        "cellEndLine": 2,
        "cellEndColumn": 23,
    }
    assert result["message"]["text"] == "cell 3, line 2: `CL101_HERE` marks a finding"


def test_notebooks_are_discovered_by_default_and_can_be_excluded(project: Path, run: RunCli) -> None:
    write(project / "a.py", "")
    write(project / "nb" / "exp.ipynb", notebook())
    write(project / "notes.txt", "")
    assert run("--show-files").all == (0, "a.py\nnb/exp.ipynb\n", "")
    write(project / "pyproject.toml", "[tool.cachelint]\nextend-exclude = ['*.ipynb']\n")
    assert run("--show-files").all == (0, "a.py\n", "")


def test_invalid_notebook_is_one_error_and_the_rest_is_linted(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "a_broken.ipynb", '{"cells": [\n  {"cell_type": "code" "source": []}\n]}\n')
    write(project / "b_app.py", "x = CL101_HERE\n")
    assert run("--format", "concise").all == (
        2,
        "b_app.py:1:5: CL101 `CL101_HERE` marks a finding\n"
        "Found 1 finding (1 error) in 1 file; 1 path could not be checked.\n",
        "cachelint: error: a_broken.ipynb: invalid notebook JSON: Expecting ',' delimiter (line 2, column 24)\n",
    )


def test_syntax_error_names_the_cell(project: Path, run: RunCli) -> None:
    write(project / "nb.ipynb", notebook(code("import openai\n"), markdown("m"), code(lines("x = 1\ny = (\n"))))
    assert run().all == (
        2,
        "No findings, but 1 path could not be checked.\n",
        "cachelint: error: nb.ipynb: syntax error in cell 3 at line 2: '(' was never closed\n",
    )


def test_notebook_on_stdin(project: Path, run: RunCli, fake_engine: None) -> None:
    assert run("--format", "concise", "--stdin-filename", "exp/nb.ipynb", "-", input=MARKED).all == (
        1,
        "exp/nb.ipynb:cell 3:line 2:col 13: CL101 `CL101_HERE` marks a finding\n"
        "exp/nb.ipynb:cell 4:line 2:col 8: CL103 `CL103_HERE` marks a finding\n"
        "Found 2 findings (1 error, 1 warning) in 1 file.\n",
        "",
    )


def test_r_notebook_is_skipped(project: Path, run: RunCli, fake_engine: None) -> None:
    write(project / "r.ipynb", notebook(code("x = CL101_HERE"), language="R"))
    assert run().all == (0, "All checks passed!\n", "")


# --- with the real analysis ---------------------------------------------------------------


def test_real_finding_across_cells(project: Path, run: RunCli) -> None:
    """The prompt is defined in one cell and sent, awaited at the top level, in another."""
    document = notebook(
        markdown("# Support bot"),
        code(
            lines(
                """
                %load_ext autoreload
                from datetime import datetime
                from openai import AsyncOpenAI
                client = AsyncOpenAI()
                LONG_RULES = "You are the support assistant for ACME. " + "Cite the manual, never guess. " * 150
                """
            )
        ),
        code(lines("!pip install openai")),
        code(
            lines(
                """
                async def ask(question):
                    response = await client.responses.create(
                        model="gpt-4.1",
                        instructions=f"Time: {datetime.now():%H:%M}" + LONG_RULES,
                        input=question,
                    )
                    return response.output_text

                answer = await ask("Where is my order?")
                """
            )
        ),
    )
    write(project / "support.ipynb", document)
    result = run("--format", "json")
    assert (result.exit_code, result.stderr) == (1, "")
    (found,) = json.loads(result.stdout)
    assert found["code"] == "CL102"
    assert (found["cell"]["number"], found["cell"]["line"]) == (4, 4)
    assert "datetime.now()" in document.splitlines()[found["line"] - 1]
    concise = run("--format", "concise").stdout
    assert concise.startswith(f"support.ipynb:cell 4:line 4:col {found['cell']['column']}: CL102 ")


WRAPPER_MODULE = (
    "from openai import OpenAI\nclient = OpenAI()\n\n\n"
    "def ask(system, question):\n"
    "    return client.responses.create(model='gpt-4.1', instructions=system, input=question)\n"
)
CALLS_WRAPPER = """
    from datetime import datetime
    from llm import ask
    RULES = "Cite the manual, never guess. " * 200
    def hello():
        return ask(f"Time: {datetime.now():%H:%M:%S}" + RULES, "hi")
    """


def test_notebooks_share_the_runs_wrapper_scan(project: Path, run: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each notebook calls the project's wrapper and is reported; the project's files are scanned
    for wrappers once for the whole run, not once per notebook (mem0's seven notebooks made
    seven scans, most of its run)."""
    import cachelint.run.lint

    scans: list[str] = []
    real_scan = cachelint.run.lint.scan_names

    def counting(*args: Any, **kwargs: Any) -> Any:
        scans.append("scan")
        return real_scan(*args, **kwargs)

    monkeypatch.setattr(cachelint.run.lint, "scan_names", counting)
    write(project / "llm.py", WRAPPER_MODULE)
    for n in range(3):
        write(project / f"nb{n}.ipynb", notebook(code(lines(CALLS_WRAPPER))))
    result = run("--format", "concise")
    assert (result.exit_code, result.stderr) == (1, "")
    assert [line.split(":")[0] for line in result.stdout.splitlines() if "CL102" in line] == \
        ["nb0.ipynb", "nb1.ipynb", "nb2.ipynb"]
    assert len(scans) == 1


def test_a_notebooks_result_is_cached_like_a_modules(
    project: Path, run: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second run takes the notebook's findings from the cache; once the notebook, or the
    module whose wrapper it calls, changes, it is linted again and reported as a run without
    the cache reports it."""
    import cachelint.run.lint

    linted: list[str] = []
    real = cachelint.run.lint.lint_one

    def counting(index: int, path: str, *args: Any) -> Any:
        linted.append(Path(path).name)
        return real(index, path, *args)

    monkeypatch.setattr(cachelint.run.lint, "lint_one", counting)
    write(project / "llm.py", WRAPPER_MODULE)
    write(project / "nb.ipynb", notebook(markdown("# Bot"), code(lines(CALLS_WRAPPER))))
    first = run("--format", "concise", "-j", "1")
    assert first.exit_code == 1 and "nb.ipynb:cell 2:line 5:" in first.stdout and "CL102" in first.stdout
    assert linted == ["llm.py", "nb.ipynb"]
    linted.clear()
    assert run("--format", "concise", "-j", "1").all == first.all
    assert linted == []  # served from the cache
    # The notebook changes: the time is no longer in the prefix.
    fixed = CALLS_WRAPPER.replace('f"Time: {datetime.now():%H:%M:%S}" + RULES', "RULES")
    write(project / "nb.ipynb", notebook(markdown("# Bot"), code(lines(fixed))))
    linted.clear()
    after = run("--format", "concise", "-j", "1")
    assert linted == ["nb.ipynb"]  # llm.py is unchanged
    assert after.all == run("--format", "concise", "--no-cache").all
    assert after.exit_code == 0 and "nb.ipynb" not in after.stdout
    # The wrapper's module changes: `ask` no longer reaches the SDK, and the old notebook is silent.
    write(project / "nb.ipynb", notebook(markdown("# Bot"), code(lines(CALLS_WRAPPER))))
    assert run("--format", "concise", "-j", "1").all == first.all
    write(project / "llm.py", "def ask(system, question):\n    return system + question\n")
    unwrapped = run("--format", "concise", "-j", "1")
    assert unwrapped.all == run("--format", "concise", "--no-cache").all
    assert unwrapped.exit_code == 0 and "CL102" not in unwrapped.stdout


NB_PROMPT = '''from openai import OpenAI
client = OpenAI()
RULES = "Answer from the policy only. " * 300
'''

NB_CALL = '''def reply(user_name, text):
    return client.chat.completions.create(model="gpt-4.1", messages=[
        {"role": "system", "content": f"The user is {user_name}.\\n" + RULES},
        {"role": "user", "content": text}])
'''


def test_show_prompt_on_a_notebook_shows_what_cachelint_reports_in_it(project: Path, run: Callable[..., Any]) -> None:
    write(project / "demo.ipynb", notebook(markdown("# Demo"), code(NB_PROMPT), code(NB_CALL)))
    reported = run("demo.ipynb")
    assert reported.exit_code == 1 and "demo.ipynb:cell 3:line 3:col 54" in reported.stdout
    shown = run("--show-prompt", "demo.ipynb")
    assert shown.exit_code == 0, shown.all
    assert shown.stdout.startswith("demo.ipynb:cell 3:line 2:col 12: openai chat.completions.create")
    assert "finding: demo.ipynb:cell 3:line 3:col 54 CL101" in shown.stdout


def test_show_prompt_on_a_notebook_without_a_call_says_so(project: Path, run: Callable[..., Any]) -> None:
    write(project / "plain.ipynb", notebook(code("print('hello')\n")))
    shown = run("--show-prompt", "plain.ipynb")
    assert shown.all == (0, "plain.ipynb: no recognised LLM call (OpenAI, Anthropic or Gemini SDK, "
                            "or a wrapper of one)\n", "")


def test_show_prompt_on_a_broken_notebook_is_one_line(project: Path, run: Callable[..., Any]) -> None:
    (project / "broken.ipynb").write_text("{not json")
    shown = run("--show-prompt", "broken.ipynb")
    assert shown.stdout.startswith("broken.ipynb: invalid notebook JSON")
    assert "Traceback" not in shown.stdout + shown.stderr
