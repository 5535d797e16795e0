"""The copy model: a copy renders the text of what it copies."""

from __future__ import annotations

from pathlib import Path

import pytest
from library_support import static_text, system


@pytest.mark.parametrize("fn", ["copy", "deepcopy"])
def test_a_copy_has_the_text_of_the_original(tmp_path: Path, fn: str) -> None:
    segs = system(tmp_path, f'system = " ".join(copy.{fn}(RULES))',
                  setup='import copy\nRULES = ["Be kind.", "Be brief."]')
    assert static_text(segs) == "Be kind. Be brief."


def test_a_copy_of_unpacked_arguments_is_not_followed(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = " ".join(copy.copy(*ARGS))', setup='import copy\nARGS = [["a"]]')
    assert static_text(segs) is None
