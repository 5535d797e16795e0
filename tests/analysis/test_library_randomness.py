"""The randomness model: uuid, random, secrets give a new value on every call."""

from __future__ import annotations

from pathlib import Path

import pytest
from library_support import stabilities, static_text, system

from cachelint.prompt import Stability


@pytest.mark.parametrize("expr,setup", [
    ("uuid.uuid4()", "import uuid"),
    ("random.choice(['a', 'b'])", "import random"),
    ("secrets.token_hex(8)", "import secrets"),
    ("np.random.rand()", "import numpy as np"),
])
def test_a_random_value_is_volatile(tmp_path: Path, expr: str, setup: str) -> None:
    segs = system(tmp_path, f'system = f"Id: {{{expr}}}"', setup=setup)
    assert stabilities(segs) == [Stability.STATIC, Stability.VOLATILE]


def test_a_random_value_drawn_at_import_is_drawn_once(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = f"Id: {RUN_ID}"', setup="import uuid\nRUN_ID = uuid.uuid4()")
    assert Stability.VOLATILE not in stabilities(segs)


def test_a_function_merely_named_like_one_is_not_random(tmp_path: Path) -> None:
    segs = system(tmp_path, 'system = f"Id: {uuid_text()}"', setup="from ids import uuid_text",
                  files={"ids.py": "def uuid_text():\n    return 'fixed'\n"})
    assert static_text(segs) == "Id: fixed"
