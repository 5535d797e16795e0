#!/usr/bin/env python3
"""Render docs/rules.md from the rule docstrings.

    python scripts/render_rule_docs.py           # rewrite docs/rules.md
    python scripts/render_rule_docs.py --check   # exit 1 if docs/rules.md is out of date

Run it after changing a rule's docstring, summary, severity or name; a test fails while
the committed file differs from what this script writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run from a checkout without installing

from cachelint.ruledocs import RULES_DOC, rules_markdown  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only check that the file is up to date")
    parser.add_argument("--output", type=Path, default=REPO / RULES_DOC, help=f"where to write (default: {RULES_DOC})")
    args = parser.parse_args(argv)
    text = rules_markdown()
    target: Path = args.output
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            print(f"{target} is out of date: run python scripts/render_rule_docs.py", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
