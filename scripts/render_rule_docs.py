#!/usr/bin/env python3
"""Render docs/rules.md and the README's rule table from the rule modules.

    python scripts/render_rule_docs.py           # rewrite docs/rules.md and the README's table
    python scripts/render_rule_docs.py --check   # exit 1 if either is out of date

Run it after adding a rule or changing a rule's docstring, docs examples, summary,
severity or name; tests/rules/test_ruledocs.py fails while a committed file differs from what
this script writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run from a checkout without installing

from cachelint.ruledocs import README, RULES_DOC, rules_markdown, with_readme_rule_table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only check that the files are up to date")
    parser.add_argument("--output", type=Path, default=REPO / RULES_DOC, help=f"the rules page (default: {RULES_DOC})")
    parser.add_argument("--readme", type=Path, default=REPO / README,
                        help=f"the README with a rule table (default: {README})")
    args = parser.parse_args(argv)
    docs: Path = args.output
    readme: Path = args.readme
    try:
        current_readme = readme.read_text(encoding="utf-8")
        wanted = {docs: rules_markdown(), readme: with_readme_rule_table(current_readme)}
    except (OSError, ValueError) as err:
        print(f"error: {readme}: {err}", file=sys.stderr)
        return 2
    stale = [path for path, text in wanted.items()
             if (path.read_text(encoding="utf-8") if path.exists() else None) != text]
    if args.check:
        for path in stale:
            print(f"{path} is out of date: run python scripts/render_rule_docs.py", file=sys.stderr)
        if not stale:
            print(f"{docs} and {readme} are up to date")
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted[path], encoding="utf-8", newline="\n")
        print(f"wrote {path}")
    if not stale:
        print(f"{docs} and {readme} are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
