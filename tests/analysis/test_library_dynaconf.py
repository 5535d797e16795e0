"""The Dynaconf model: `Dynaconf(settings_files=[...])` is the merge of its files in order, read
as Dynaconf reads it (keys in any case, dotted keys, missing files skipped); what the program
or options not modelled may change is not known."""

from __future__ import annotations

from pathlib import Path

from library_support import stabilities, static_text, system

from cachelint.prompt import Stability

BASE = '[review]\nsystem = "Cite the handbook."\nmodel = "gpt-4.1"\n[other]\nx = "y"\n'
LATER = '[review]\nsystem = "Never guess."\n'


def settings(options: str = "", files: str = "['base.toml', 'later.toml']") -> str:
    return ("import os\nfrom dynaconf import Dynaconf\n"
            f"settings = Dynaconf(settings_files={files}{', ' + options if options else ''})\n")


def text(tmp_path: Path, expr: str, setup: str | None = None, files: dict[str, str] | None = None) -> str | None:
    segs = system(tmp_path, f"system = {expr}", setup=setup or settings(),
                  files={"base.toml": BASE, **(files or {})})
    return static_text(segs)


def test_attribute_access_in_any_case(tmp_path: Path) -> None:
    assert text(tmp_path, "settings.REVIEW.System") == "Cite the handbook."


def test_get_with_a_dotted_key_item_and_default(tmp_path: Path) -> None:
    assert text(tmp_path, "settings.get('review.system')") == "Cite the handbook."
    assert text(tmp_path, "settings['review']['model']") == "gpt-4.1"
    assert text(tmp_path, "settings.get('review.missing', 'Be brief.')") == "Be brief."


def test_a_later_file_replaces_a_table_without_merge(tmp_path: Path) -> None:
    later = {"later.toml": LATER}
    assert text(tmp_path, "settings.review.system", files=later) == "Never guess."
    assert text(tmp_path, "settings.get('review.model', 'none')", files=later) == "none"


def test_merge_enabled_merges_tables_key_by_key(tmp_path: Path) -> None:
    setup = settings("merge_enabled=True")
    assert text(tmp_path, "settings.review.model", setup=setup, files={"later.toml": LATER}) == "gpt-4.1"
    assert text(tmp_path, "settings.review.system", setup=setup, files={"later.toml": LATER}) == "Never guess."


def test_files_beside_the_module_and_yaml(tmp_path: Path) -> None:
    setup = settings(files="[os.path.join(os.path.dirname(__file__), 'conf', 'agent.yaml')]")
    got = text(tmp_path, "settings.agent.system", setup=setup,
               files={"conf/agent.yaml": "agent:\n  system: Cite the handbook.\n"})
    assert got == "Cite the handbook."


def test_a_key_set_at_run_time_is_not_known(tmp_path: Path) -> None:
    setup = settings() + "def customise(t):\n    settings.set('review.system', t)\n"
    segs = system(tmp_path, "system = settings.review.system", setup=setup, files={"base.toml": BASE})
    assert stabilities(segs) == [Stability.UNKNOWN]
    assert text(tmp_path / "b", "settings.other.x", setup=setup) == "y"  # other keys still are


def test_a_file_loaded_at_run_time_makes_every_key_unknown(tmp_path: Path) -> None:
    setup = settings() + "settings.load_file(os.environ['EXTRA'])\n"
    assert text(tmp_path, "settings.other.x", setup=setup) is None


def test_options_not_modelled_give_settings_not_known(tmp_path: Path) -> None:
    for options in ("environments=True", "includes=['x.toml']", "FOO='bar'"):
        assert text(tmp_path, "settings.review.system", setup=settings(options)) is None


def test_files_not_modelled_give_settings_not_known(tmp_path: Path) -> None:
    for files in ("['base.toml', 'settings.py']", "['*.toml']", "[os.environ['SETTINGS']]"):
        assert text(tmp_path, "settings.review.system", setup=settings(files=files)) is None


def test_dynaconf_tokens_are_not_static(tmp_path: Path) -> None:
    got = text(tmp_path, "settings.review.system",
               files={"later.toml": '[review]\nsystem = "@format {this.other.x}"\n'})
    assert got is None
