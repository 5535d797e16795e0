"""The process model: environment variables, host and platform are fixed for a process."""

from __future__ import annotations

from pathlib import Path

import pytest
from library_support import stabilities, system

from cachelint.prompt import Stability


@pytest.mark.parametrize("expr,setup", [
    ("os.getenv('PERSONA')", "import os"),
    ("os.environ.get('PERSONA')", "import os"),
    ("platform.system()", "import platform"),
    ("socket.gethostname()", "import socket"),
])
def test_a_process_value_is_stable(tmp_path: Path, expr: str, setup: str) -> None:
    segs = system(tmp_path, f'system = f"You run on {{{expr}}}."', setup=setup)
    assert stabilities(segs) == [Stability.STATIC, Stability.STABLE, Stability.STATIC]
