"""The PyYAML model: `yaml.safe_load` (and `load` with a loader that gives plain data) of a file
or text the analysis can read give its data, each string static and located at its key's line;
a file with Python tags, or BaseLoader's all-strings view, is not followed."""

from __future__ import annotations

from pathlib import Path

from library_support import static_text, system

AGENT = "agent:\n  name: helper\n  system: |\n    Cite the handbook.\n    Never guess.\n  steps: [1, 2]\n"
HERE = "import yaml\nimport os\nHERE = os.path.dirname(__file__)\n"


def test_safe_load_of_an_open_file(tmp_path: Path) -> None:
    segs = system(tmp_path, "system = yaml.safe_load(open(os.path.join(HERE, 'agent.yaml')))['agent']['system']",
                  setup=HERE, files={"agent.yaml": AGENT})
    assert static_text(segs) == "Cite the handbook.\nNever guess.\n"
    (seg,) = segs
    assert (Path(seg.span.path).name, seg.span.line) == ("agent.yaml", 3)
    assert any(h.note == "from agent.yaml [agent] system" for h in seg.hops)


def test_load_with_the_safe_loader_of_read_text(tmp_path: Path) -> None:
    segs = system(tmp_path, "with open(os.path.join(HERE, 'agent.yaml')) as f:\n"
                            "    system = yaml.load(f.read(), Loader=yaml.SafeLoader)['agent']['name']",
                  setup=HERE, files={"agent.yaml": AGENT})
    assert static_text(segs) == "helper"


def test_base_loader_is_not_followed(tmp_path: Path) -> None:
    segs = system(tmp_path, "system = yaml.load(open(os.path.join(HERE, 'agent.yaml')), Loader=yaml.BaseLoader)"
                            "['agent']['name']",
                  setup=HERE, files={"agent.yaml": AGENT})
    assert static_text(segs) is None


def test_python_tags_are_not_loaded(tmp_path: Path) -> None:
    segs = system(tmp_path, "system = yaml.safe_load(open(os.path.join(HERE, 'agent.yaml')))['agent']['name']",
                  setup=HERE, files={"agent.yaml": AGENT + "x: !!python/object/apply:os.getcwd []\n"})
    assert static_text(segs) is None


def test_text_built_at_run_time_is_not_followed(tmp_path: Path) -> None:
    segs = system(tmp_path, "system = yaml.safe_load(q)['system']", setup=HERE)
    assert static_text(segs) is None
