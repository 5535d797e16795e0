"""docs/architecture.md names every module a newcomer will open, and every module it names exists."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "cachelint"
DOC = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")


def modules() -> list[Path]:
    # A rule file and a library model file are found by their registries, which the doc describes
    # with the pattern (`clNNN_name.py`, `library/<library>.py`), not by name.
    return [
        p for p in sorted(PACKAGE.rglob("*.py"))
        if p.name not in ("__init__.py", "__main__.py")
        and not re.fullmatch(r"cl\d{3}_\w+\.py", p.name)
        and p.parent.name != "library"
    ]


def test_every_module_is_described() -> None:
    missing = []
    for path in modules():
        dotted = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        written = (f"`{path.name}`", f"`{path.relative_to(PACKAGE).as_posix()}`", f"`{dotted}", f"{dotted}.")
        if not any(form in DOC for form in written):
            missing.append(str(path.relative_to(REPO)))
    assert missing == []


def test_every_module_named_exists() -> None:
    named = set(re.findall(r"`(?:[\w/]+/)?(\w+\.py)`", DOC))
    present = {p.name for folder in ("cachelint", "scripts", "tests", "bench") for p in (REPO / folder).rglob("*.py")}
    # The doc's patterns and the scaffold's example output are not files.
    placeholders = {"clNNN_name.py", "cl107_short_name.py"}
    assert named - present - placeholders == set()
