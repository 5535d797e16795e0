"""The paths model: prompt files found through pathlib, os.path, open() and
importlib.resources are read inside the project root."""

from __future__ import annotations

from pathlib import Path

from library_support import stabilities, static_text, system

from cachelint.prompt import Stability

FILES = {"prompts/system.md": "Be kind.\n", "pkg/__init__.py": "", "pkg/data/rules.txt": "Rule one.\n"}


def test_pathlib_read_text_next_to_the_module(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = (Path(__file__).parent / "prompts" / "system.md").read_text()',
                  setup="from pathlib import Path", files=FILES)
    assert static_text(segs) == "Be kind.\n"
    assert segs[0].span.path.endswith("prompts/system.md")  # the text is located in the file


def test_open_and_os_path_join(tmp_path: Path) -> None:
    body = '''
    with open(os.path.join(os.path.dirname(__file__), "prompts", "system.md"), encoding="utf-8") as f:
        system = f.read()
    '''
    assert static_text(system(tmp_path, body, setup="import os", files=FILES)) == "Be kind.\n"


def test_importlib_resources(tmp_path: Path) -> None:
    body = 'system = importlib.resources.files("pkg").joinpath("data/rules.txt").read_text()'
    assert static_text(system(tmp_path, body, setup="import importlib.resources", files=FILES)) == "Rule one.\n"


def test_a_file_outside_the_project_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (tmp_path / "secret.md").write_text("outside\n")
    segs = system(root, 'system = Path("../secret.md").read_text()', setup="from pathlib import Path")
    assert static_text(segs) is None
    assert stabilities(segs) == [Stability.STABLE]


def test_a_directory_listing_is_unordered(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = "\\n".join(p.name for p in Path("prompts").iterdir())',
                  setup="from pathlib import Path", files=FILES)
    assert Stability.UNORDERED in stabilities(segs)


def test_a_known_path_renders_as_its_text(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = f"Files live in {Path(\'/srv/data\') / \'x\'}"', setup="from pathlib import Path")
    assert static_text(segs) == "Files live in /srv/data/x"


def test_pyinstaller_bundle_folder_is_the_modules_folder(tmp_path: Path) -> None:
    """`getattr(sys, "_MEIPASS", here)`: run as Python, `here` (qodo-cover's settings folder)."""
    body = ('system = open(os.path.join(getattr(sys, "_MEIPASS", os.path.dirname(__file__)), "prompts", '
            '"system.md")).read()')
    assert static_text(system(tmp_path, body, setup="import os\nimport sys", files=FILES)) == "Be kind.\n"
    other = body.replace("_MEIPASS", "_OTHER")
    assert static_text(system(tmp_path, other, setup="import os\nimport sys", files=FILES)) is None
