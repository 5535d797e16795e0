"""The TOML model: `tomllib.load`/`loads` (and tomli, toml) of a file or text the analysis can
read give its data, each string static and located at its key's line."""

from __future__ import annotations

from pathlib import Path

from library_support import stabilities, static_text, system

from cachelint.prompt import Stability

PROMPTS = ('# prompts\n[review]\nmodel = "gpt-4.1"\nsystem = """\nCite the handbook.\n"""\n\n'
           '[review.extra]\nnote = "x"\n')
HERE = "import tomllib\nfrom pathlib import Path\nHERE = Path(__file__).parent\n"
LOAD = "with open({path}, 'rb') as f:\n    system = tomllib.load(f)['review']['system']"


def test_load_of_an_open_file(tmp_path: Path) -> None:
    segs = system(tmp_path, LOAD.format(path="HERE / 'prompts.toml'"),
                  setup=HERE, files={"prompts.toml": PROMPTS})
    assert static_text(segs) == "Cite the handbook.\n"
    (seg,) = segs
    assert (Path(seg.span.path).name, seg.span.line) == ("prompts.toml", 4)
    assert any(h.note == "from prompts.toml [review] system" for h in seg.hops)


def test_loads_of_text_read_from_the_file(tmp_path: Path) -> None:
    segs = system(tmp_path, "system = tomllib.loads((HERE / 'prompts.toml').read_text())['review']['extra']['note']",
                  setup=HERE, files={"prompts.toml": PROMPTS})
    assert static_text(segs) == "x"
    assert any(h.note == "from prompts.toml [review.extra] note" for h in segs[0].hops)


def test_loads_of_a_literal(tmp_path: Path) -> None:
    segs = system(tmp_path, "system = tomllib.loads('a = \"Cite the handbook.\"')['a']", setup=HERE)
    assert static_text(segs) == "Cite the handbook."


def test_the_older_toml_package_reads_a_path(tmp_path: Path) -> None:
    segs = system(tmp_path, "system = toml.load(HERE / 'prompts.toml')['review']['system']",
                  setup=HERE + "import toml\n", files={"prompts.toml": PROMPTS})
    assert static_text(segs) == "Cite the handbook.\n"


def test_a_file_that_does_not_parse_is_not_known(tmp_path: Path) -> None:
    segs = system(tmp_path, LOAD.format(path="HERE / 'prompts.toml'"),
                  setup=HERE, files={"prompts.toml": PROMPTS + "[review\n"})
    assert stabilities(segs) == [Stability.UNKNOWN]


def test_a_missing_file_is_not_known_text(tmp_path: Path) -> None:
    segs = system(tmp_path, LOAD.format(path="HERE / 'missing.toml'"),
                  setup=HERE)
    assert static_text(segs) is None


def test_a_file_outside_the_project_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "outside.toml").write_text(PROMPTS)
    root = tmp_path / "proj"
    segs = system(root, LOAD.format(path="HERE.parent / 'outside.toml'"),
                  setup=HERE)
    assert static_text(segs) is None


def test_options_that_change_the_values_are_not_followed(tmp_path: Path) -> None:
    segs = system(tmp_path, "with open(HERE / 'prompts.toml', 'rb') as f:\n"
                            "    system = tomllib.load(f, parse_float=str)['review']['system']",
                  setup=HERE, files={"prompts.toml": PROMPTS})
    assert static_text(segs) is None
